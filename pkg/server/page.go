package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/style"
)

// webFiles holds the map page: its template, script and style sheet, and the MapLibre GL
// JS files it imports (web/vendor/maplibre-gl/README.md gives their version and origin).
//
//go:embed web
var webFiles embed.FS

// assetPrefix is the path under which the files of web/ are served.
const assetPrefix = "/map/"

var pageTemplate = template.Must(template.ParseFS(webFiles, "web/index.html"))

// pageLayer is a layer as the map page script reads it.
type pageLayer struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	TypeName string `json:"typeName"`
	SRID     int    `json:"srid"`
	// GeometryType is the catalog's: Point, LineString, Polygon, their Multi forms, or
	// Geometry when the column mixes types.
	GeometryType string `json:"geometryType"`
	// CategoryField and StatusField name the attributes that the style colours and
	// dashes by; empty when the layer has no such column.
	CategoryField string `json:"categoryField,omitempty"`
	StatusField   string `json:"statusField,omitempty"`
}

// pageCategory is a network category with its colour.
type pageCategory struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Colour string `json:"colour"`
}

// pageHome is where the map opens: a place with features of Layer.
type pageHome struct {
	Layer string  `json:"layer"`
	Lon   float64 `json:"lon"`
	Lat   float64 `json:"lat"`
}

// The map opens on the 0.02° cell (about 2 km) that holds the most features among the
// first 20,000 rows of the first layer, so that it shows data at once.
const (
	homeSampleRows  = 20000
	homeCellDegrees = 0.02
	homeTimeout     = 2 * time.Second
)

// pageConfig is the JSON that the index page hands to its script.
type pageConfig struct {
	Title string `json:"title"`
	// WFS and Tiles are the endpoint URLs: the feature popup links to GetFeatureById
	// on WFS, and the script reads the tile index from Tiles.
	WFS        string         `json:"wfs"`
	Tiles      string         `json:"tiles"`
	Layers     []pageLayer    `json:"layers"`
	Categories []pageCategory `json:"categories"`
	// Home is nil when no layer has features; the map then fits the data's bounds.
	Home *pageHome `json:"home,omitempty"`
}

// setCategories keeps the network categories of the data model, whose colours the
// map page draws features in.
func (s *Server) setCategories(entries []postgis.CodeEntry) {
	s.categories = s.categories[:0]
	for _, e := range entries {
		label := e.LabelEN
		if label == "" {
			label = e.LabelFR
		}
		s.categories = append(s.categories, pageCategory{Code: e.Code, Label: label, Colour: e.Colour})
	}
}

// index serves the map page: the layers the caller may read, with their WFS links, and
// a MapLibre GL JS map of their vector tiles.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	base := s.cfg.Server.PublicURL
	if base == "" {
		base = "http://" + r.Host
	}
	access := auth.FromContext(r.Context())
	var layers []*feature.Layer
	cfg := pageConfig{Title: s.cfg.Service.Title, WFS: base + "/wfs", Tiles: base + "/tiles",
		Layers: []pageLayer{}, Categories: s.categories}
	if cfg.Categories == nil {
		cfg.Categories = []pageCategory{}
	}
	for _, l := range s.catalog.Layers {
		if !access.CanRead(l.Name) {
			continue
		}
		layers = append(layers, l)
		pl := pageLayer{Name: l.Name, Title: l.Title, TypeName: s.cfg.Service.NamespacePrefix + ":" + l.Name,
			SRID: l.SRID, GeometryType: l.GeometryType}
		if f, ok := l.Field(style.ColumnCategory); ok {
			pl.CategoryField = f.Column
		}
		if f, ok := l.Field(style.ColumnStatus); ok {
			pl.StatusField = f.Column
		}
		cfg.Layers = append(cfg.Layers, pl)
	}
	if len(layers) > 0 {
		cfg.Home = s.home(r.Context(), layers[0])
	}
	var body bytes.Buffer
	err := pageTemplate.Execute(&body, map[string]any{
		"Title": s.cfg.Service.Title, "Base": base, "Layers": layers, "Prefix": s.cfg.Service.NamespacePrefix,
		"Config": cfg,
	})
	if err != nil {
		s.log.Error("index page failed", "err", err)
		http.Error(w, "index page failed\n", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(body.Bytes())
}

// home finds where the map opens, or returns nil when the layer has no features or the
// query fails (the failure is logged).
func (s *Server) home(ctx context.Context, l *feature.Layer) *pageHome {
	if s.denseArea == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, homeTimeout)
	defer cancel()
	lon, lat, ok, err := s.denseArea(ctx, l)
	if err != nil {
		s.log.Warn("map page: no start position; the map fits the data's bounds instead", "layer", l.Name, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	return &pageHome{Layer: l.Name, Lon: lon, Lat: lat}
}

// asset is an embedded file with its validator.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assetHandler serves the embedded files of web/ below assetPrefix, except the page
// template. Browsers revalidate them (no-cache) and get 304 while the ETag matches.
func assetHandler() (http.Handler, error) {
	assets := map[string]*asset{}
	err := fs.WalkDir(webFiles, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "web/index.html" {
			return err
		}
		body, err := webFiles.ReadFile(name)
		if err != nil {
			return err
		}
		contentType, ok := assetTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("server: embedded file %s has no known content type", name)
		}
		sum := sha256.Sum256(body)
		assets[strings.TrimPrefix(name, "web/")] = &asset{body: body, contentType: contentType,
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[mux.Vars(r)["file"]]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(a.body)
	}), nil
}

// assetTypes maps the extensions of the files under web/ to their content types.
// Browsers run a module script, such as MapLibre's .mjs files, only with a JavaScript
// content type.
var assetTypes = map[string]string{
	".mjs": "text/javascript; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
	".md":  "text/markdown; charset=utf-8",
}

// etagMatches reports whether an If-None-Match header lists tag, or is "*".
func etagMatches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}
