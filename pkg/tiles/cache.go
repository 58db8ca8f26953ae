package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// Cache stores encoded tiles. Its keys name the tile matrix set, the layer set (a layer,
// a group or a comma list of layers) and the tile. Implementations are safe for
// concurrent use, and several server instances may share one store.
type Cache interface {
	// Get returns the entry stored for key; ok is false when there is none.
	Get(ctx context.Context, key Key) (value []byte, ok bool, err error)
	// Set stores value for key, replacing any previous entry.
	Set(ctx context.Context, key Key, value []byte) error
	// Invalidate deletes the entries of tile matrix set tms whose layer set matches
	// sets and whose tile lies in one of ranges, and returns how many it deleted.
	Invalidate(ctx context.Context, tms string, sets func(set string) bool, ranges []TileRange) (int, error)
	// Clear deletes every entry.
	Clear(ctx context.Context) error
	// Close releases the cache's resources.
	Close() error
}

// Key names one cached tile.
type Key struct {
	TMS, Set string
	Z, X, Y  int
}

// String returns the key as tms/set/z/x/y.
func (k Key) String() string {
	return k.TMS + "/" + k.Set + "/" + strconv.Itoa(k.Z) + "/" + strconv.Itoa(k.X) + "/" + strconv.Itoa(k.Y)
}

// maxSetNameBytes bounds the layer set names that are cached, so that a set name fits
// in a file name (255 bytes on common file systems).
const maxSetNameBytes = 200

// entry is an encoded tile with its entity tag. Gzip is the gzip-compressed tile and
// Raw the tile itself; either may be nil until needed. An empty tile has empty Raw and
// Gzip.
type entry struct {
	ETag string
	Raw  []byte
	Gzip []byte
}

// entryMagic starts every cached value, with a version digit for the format: magic,
// 16 hexadecimal digits of ETag, then the gzip-compressed tile.
const entryMagic = "FVT1"

const etagDigits = 16

// newEntry returns the entry of a freshly built tile.
func newEntry(raw []byte) *entry {
	sum := sha256.Sum256(raw)
	return &entry{ETag: hex.EncodeToString(sum[:etagDigits/2]), Raw: raw}
}

// empty reports whether the tile holds no layer.
func (e *entry) empty() bool { return len(e.Raw) == 0 && len(e.Gzip) == 0 }

// gzipped returns the compressed tile, compressing it on first use.
func (e *entry) gzipped() ([]byte, error) {
	if e.Gzip != nil || e.empty() {
		return e.Gzip, nil
	}
	z, err := compressTile(e.Raw)
	if err != nil {
		return nil, err
	}
	e.Gzip = z
	return z, nil
}

// raw returns the uncompressed tile, decompressing it on first use.
func (e *entry) raw() ([]byte, error) {
	if e.Raw != nil || e.empty() {
		return e.Raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		return nil, fmt.Errorf("tiles: decompress cached tile: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("tiles: decompress cached tile: %w", err)
	}
	e.Raw = raw
	return raw, nil
}

// encode returns the value stored in the cache.
func (e *entry) encode() ([]byte, error) {
	z, err := e.gzipped()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(entryMagic)+etagDigits+len(z))
	out = append(out, entryMagic...)
	out = append(out, e.ETag...)
	return append(out, z...), nil
}

var errBadEntry = errors.New("tiles: cached value is not a tile entry")

// decodeEntry reads a value written by encode.
func decodeEntry(v []byte) (*entry, error) {
	if len(v) < len(entryMagic)+etagDigits || string(v[:len(entryMagic)]) != entryMagic {
		return nil, errBadEntry
	}
	body := v[len(entryMagic)+etagDigits:]
	e := &entry{ETag: string(v[len(entryMagic) : len(entryMagic)+etagDigits])}
	if len(body) > 0 {
		e.Gzip = body
	}
	return e, nil
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

// compressTile gzips a tile at the fastest level, because a tile is compressed while
// the client that asked for it waits.
func compressTile(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("tiles: compress tile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("tiles: compress tile: %w", err)
	}
	return buf.Bytes(), nil
}
