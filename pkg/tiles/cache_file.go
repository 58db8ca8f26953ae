package tiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// FileCache stores one file per tile, at dir/mvt/tms/set/z/x/y.tile. Several instances
// may share the folder. Files are written to a temporary name and renamed, so a reader
// never sees a partial tile.
type FileCache struct {
	dir  string
	root string
	// clearing counts the folders that Clear moved aside and is still deleting.
	clearing sync.WaitGroup
}

// fileCacheRoot is the folder, inside the configured one, that holds every tile, so
// that Clear deletes nothing else.
const fileCacheRoot = "mvt"

// trashPrefix starts the names of the folders that Clear moves aside before deleting
// them.
const trashPrefix = ".trash-"

// NewFileCache returns a cache in dir, creating the folder.
func NewFileCache(dir string) (*FileCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tiles: create cache folder: %w", err)
	}
	return &FileCache{dir: dir, root: filepath.Join(dir, fileCacheRoot)}, nil
}

func (c *FileCache) path(k Key) string {
	return filepath.Join(c.root, k.TMS, k.Set, strconv.Itoa(k.Z), strconv.Itoa(k.X), strconv.Itoa(k.Y)+".tile")
}

// Get implements Cache.
func (c *FileCache) Get(_ context.Context, k Key) ([]byte, bool, error) {
	v, err := os.ReadFile(c.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tiles: read cached tile: %w", err)
	}
	return v, true, nil
}

// Set implements Cache.
func (c *FileCache) Set(_ context.Context, k Key, v []byte) error {
	path := c.path(k)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tiles: create cache folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("tiles: write cached tile: %w", err)
	}
	_, werr := f.Write(v)
	cerr := f.Close()
	if werr == nil && cerr == nil {
		if err := os.Rename(f.Name(), path); err == nil {
			return nil
		} else {
			werr = err
		}
	}
	os.Remove(f.Name())
	return fmt.Errorf("tiles: write cached tile: %w", errors.Join(werr, cerr))
}

// directRemoveMax is the size of a tile range up to which Invalidate removes each tile's
// file by name. For larger ranges it lists the folders that exist.
const directRemoveMax = 64

// Invalidate implements Cache.
func (c *FileCache) Invalidate(_ context.Context, tms string, sets func(string) bool, ranges []TileRange) (int, error) {
	setDirs, err := os.ReadDir(filepath.Join(c.root, tms))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("tiles: invalidate cached tiles: %w", err)
	}
	removed := 0
	var errs []error
	for _, d := range setDirs {
		if !d.IsDir() || !sets(d.Name()) {
			continue
		}
		setDir := filepath.Join(c.root, tms, d.Name())
		for _, r := range ranges {
			n, err := removeRange(setDir, r)
			removed += n
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("tiles: invalidate cached tiles: %w", err)
	}
	return removed, nil
}

// removeRange deletes the tiles of r under setDir.
func removeRange(setDir string, r TileRange) (int, error) {
	zDir := filepath.Join(setDir, strconv.Itoa(r.Z))
	if r.Count() <= directRemoveMax {
		removed := 0
		for x := r.MinX; x <= r.MaxX; x++ {
			for y := r.MinY; y <= r.MaxY; y++ {
				n, err := removeFile(filepath.Join(zDir, strconv.Itoa(x), strconv.Itoa(y)+".tile"))
				if err != nil {
					return removed, err
				}
				removed += n
			}
		}
		return removed, nil
	}

	xDirs, err := os.ReadDir(zDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, xd := range xDirs {
		x, err := strconv.Atoi(xd.Name())
		if err != nil || x < r.MinX || x > r.MaxX {
			continue
		}
		files, err := os.ReadDir(filepath.Join(zDir, xd.Name()))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		for _, f := range files {
			y, err := strconv.Atoi(strings.TrimSuffix(f.Name(), ".tile"))
			if err != nil || !strings.HasSuffix(f.Name(), ".tile") || y < r.MinY || y > r.MaxY {
				continue
			}
			n, err := removeFile(filepath.Join(zDir, xd.Name(), f.Name()))
			if err != nil {
				return removed, err
			}
			removed += n
		}
	}
	return removed, nil
}

func removeFile(path string) (int, error) {
	err := os.Remove(path)
	switch {
	case err == nil:
		return 1, nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	default:
		return 0, err
	}
}

// Clear implements Cache. The tile folder is renamed at once, so that no later Get
// finds it, and deleted in the background; Close waits for the deletion.
func (c *FileCache) Clear(_ context.Context) error {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("tiles: clear cache: %w", err)
	}
	var trash []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), trashPrefix) {
			// Left by a run that stopped before deleting it.
			trash = append(trash, filepath.Join(c.dir, e.Name()))
		}
	}
	aside, err := os.MkdirTemp(c.dir, trashPrefix)
	if err != nil {
		return fmt.Errorf("tiles: clear cache: %w", err)
	}
	trash = append(trash, aside)
	err = os.Rename(c.root, filepath.Join(aside, fileCacheRoot))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tiles: clear cache: %w", err)
	}
	c.clearing.Add(1)
	go func() {
		defer c.clearing.Done()
		for _, dir := range trash {
			os.RemoveAll(dir)
		}
	}()
	return nil
}

// Close implements Cache: it waits for the deletions that Clear started.
func (c *FileCache) Close() error {
	c.clearing.Wait()
	return nil
}
