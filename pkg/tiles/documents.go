package tiles

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
)

// link is an OGC API link.
type link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// baseURL returns the URL prefix of links: server.public_url, or the request's host.
func (s *Service) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func writeJSON(w http.ResponseWriter, r *http.Request, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// serveIndex lists the layers, groups and tile matrix sets with their URLs.
func (s *Service) serveIndex(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	type setDoc struct {
		Name     string   `json:"name"`
		Title    string   `json:"title"`
		Layers   []string `json:"layers,omitempty"`
		MinZoom  int      `json:"minzoom"`
		MaxZoom  int      `json:"maxzoom"`
		Cached   bool     `json:"cached"`
		TileJSON string   `json:"tilejson"`
		Tiles    []link   `json:"tiles"`
	}
	describe := func(set *layerSet, group bool) setDoc {
		d := setDoc{Name: set.id, Title: set.title, TileJSON: base + "/tiles/" + set.id + ".json",
			Cached: set.cacheable && s.cache != nil}
		d.MinZoom, d.MaxZoom = zoomRange(set)
		if group {
			for _, tl := range set.layers {
				d.Layers = append(d.Layers, tl.layer.Name)
			}
		}
		for _, t := range s.tmsList {
			d.Tiles = append(d.Tiles, link{Href: base + "/tiles/" + t.ID + "/" + set.id + "/{z}/{x}/{y}.mvt",
				Rel: "item", Type: MVTContentType, Title: t.ID, Templated: true})
		}
		return d
	}
	doc := struct {
		Layers         []setDoc `json:"layers"`
		Groups         []setDoc `json:"groups"`
		TileMatrixSets []link   `json:"tileMatrixSets"`
	}{Layers: []setDoc{}, Groups: []setDoc{}}
	access := auth.FromContext(r.Context())
	readable := func(set *layerSet) bool {
		for _, tl := range set.layers {
			if !access.CanRead(tl.layer.Name) {
				return false
			}
		}
		return true
	}
	for _, tl := range s.layerOrder {
		if set := s.sets[tl.layer.Name]; readable(set) {
			doc.Layers = append(doc.Layers, describe(set, false))
		}
	}
	for _, g := range s.groups {
		if readable(g) {
			doc.Groups = append(doc.Groups, describe(g, true))
		}
	}
	for _, t := range s.tmsList {
		doc.TileMatrixSets = append(doc.TileMatrixSets, link{Href: base + "/tileMatrixSets/" + t.ID,
			Rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", Type: "application/json", Title: t.Title})
	}
	writeJSON(w, r, "application/json", doc)
}

// zoomRange returns the zooms at which a set's tiles hold at least one layer.
func zoomRange(set *layerSet) (minZoom, maxZoom int) {
	minZoom, maxZoom = math.MaxInt, 0
	for _, tl := range set.layers {
		minZoom, maxZoom = min(minZoom, tl.minZoom), max(maxZoom, tl.maxZoom)
	}
	return minZoom, maxZoom
}

// tileJSON is a TileJSON 3.0.0 document.
type tileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	Attribution  string        `json:"attribution,omitempty"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []vectorLayer `json:"vector_layers"`
}

type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// webMercatorMaxLatitude is the latitude of the top and bottom edges of WebMercatorQuad.
const webMercatorMaxLatitude = 85.0511287798066

// serveTileJSON serves /tiles/{set}.json, the TileJSON document of a layer, group or
// comma list. It describes the WebMercatorQuad tiles because TileJSON has no way to
// name another tiling.
func (s *Service) serveTileJSON(w http.ResponseWriter, r *http.Request) {
	set, err := s.resolveSet(mux.Vars(r)["set"])
	if err != nil {
		writeError(w, http.StatusNotFound, "NotFound", err.Error()+"; /tiles lists the layers and groups")
		return
	}
	if !s.authorize(w, r, set) {
		return
	}
	base := s.baseURL(r)
	doc := tileJSON{
		TileJSON: "3.0.0", Name: set.id, Description: set.title, Scheme: "xyz",
		Tiles:        []string{base + "/tiles/WebMercatorQuad/" + set.id + "/{z}/{x}/{y}.mvt"},
		VectorLayers: []vectorLayer{},
	}
	doc.MinZoom, doc.MaxZoom = zoomRange(set)

	var bounds orb.Bound
	found := false
	for _, tl := range set.layers {
		if tl.layer.Abstract != "" && len(set.layers) == 1 {
			doc.Description = tl.layer.Title + ". " + tl.layer.Abstract
		}
		doc.VectorLayers = append(doc.VectorLayers, vectorLayer{ID: tl.layer.Name, Description: tl.layer.Title,
			MinZoom: tl.minZoom, MaxZoom: tl.maxZoom, Fields: fieldTypes(tl.fields)})
		e, ok, err := s.store.Extent(r.Context(), tl.layer)
		if err != nil {
			s.log.Warn("layer extent failed; TileJSON bounds left wider", "layer", tl.layer.Name, "err", err)
			continue
		}
		if ok {
			if !found {
				bounds, found = e, true
			} else {
				bounds = bounds.Union(e)
			}
		}
	}
	if !found {
		bounds = orb.Bound{Min: orb.Point{-180, -webMercatorMaxLatitude}, Max: orb.Point{180, webMercatorMaxLatitude}}
	}
	doc.Bounds = [4]float64{bounds.Min[0], max(bounds.Min[1], -webMercatorMaxLatitude), bounds.Max[0], min(bounds.Max[1], webMercatorMaxLatitude)}
	center := bounds.Center()
	doc.Center = [3]float64{center[0], center[1], float64(min(doc.MinZoom+2, doc.MaxZoom))}
	writeJSON(w, r, "application/json", doc)
}

// fieldTypes describes each field with the type names TileJSON examples use.
func fieldTypes(fields []*feature.Field) map[string]string {
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		switch {
		case f.Kind == feature.KindBool:
			out[f.Column] = "Boolean"
		case f.Kind.Numeric():
			out[f.Column] = "Number"
		default:
			out[f.Column] = "String"
		}
	}
	return out
}

// tmsDocument is the JSON encoding of a tile matrix set in OGC 17-083r4 (version 2.0
// of the standard).
type tmsDocument struct {
	ID                string       `json:"id"`
	Title             string       `json:"title,omitempty"`
	Description       string       `json:"description,omitempty"`
	URI               string       `json:"uri,omitempty"`
	CRS               string       `json:"crs"`
	OrderedAxes       []string     `json:"orderedAxes"`
	WellKnownScaleSet string       `json:"wellKnownScaleSet,omitempty"`
	BoundingBox       *boundingBox `json:"boundingBox,omitempty"`
	TileMatrices      []tileMatrix `json:"tileMatrices"`
	Links             []link       `json:"links,omitempty"`
}

type boundingBox struct {
	LowerLeft  [2]float64 `json:"lowerLeft"`
	UpperRight [2]float64 `json:"upperRight"`
	CRS        string     `json:"crs,omitempty"`
}

type tileMatrix struct {
	ID               string     `json:"id"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      int        `json:"matrixWidth"`
	MatrixHeight     int        `json:"matrixHeight"`
}

// Document returns the set in the JSON encoding of OGC 17-083r4.
func (t *TileMatrixSet) Document() any {
	b := t.Bounds()
	doc := tmsDocument{
		ID: t.ID, Title: t.Title, URI: t.URI, CRS: t.CRS, OrderedAxes: t.OrderedAxes,
		WellKnownScaleSet: t.WellKnownScaleSet,
		BoundingBox:       &boundingBox{LowerLeft: [2]float64{b.Min[0], b.Min[1]}, UpperRight: [2]float64{b.Max[0], b.Max[1]}, CRS: t.CRS},
	}
	if t.URI == "" {
		doc.Description = "Defined by this server. Level z has about the scale of WebMercatorQuad zoom z+" +
			strconv.Itoa(t.ZoomOffset) + " at latitude 46.5°N."
	}
	for z := 0; z <= t.MaxLevel; z++ {
		doc.TileMatrices = append(doc.TileMatrices, tileMatrix{
			ID: strconv.Itoa(z), ScaleDenominator: t.CellSize(z) / standardPixelSize, CellSize: t.CellSize(z),
			CornerOfOrigin: "topLeft", PointOfOrigin: [2]float64{t.Origin[0], t.Origin[1]},
			TileWidth: t.TileSize, TileHeight: t.TileSize, MatrixWidth: t.MatrixSize(z), MatrixHeight: t.MatrixSize(z),
		})
	}
	return doc
}

// serveTMSList serves /tileMatrixSets, the list of tile matrix sets.
func (s *Service) serveTMSList(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	type entry struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		URI   string `json:"uri,omitempty"`
		CRS   string `json:"crs"`
		Links []link `json:"links"`
	}
	doc := struct {
		TileMatrixSets []entry `json:"tileMatrixSets"`
	}{}
	for _, t := range s.tmsList {
		doc.TileMatrixSets = append(doc.TileMatrixSets, entry{ID: t.ID, Title: t.Title, URI: t.URI, CRS: t.CRS,
			Links: []link{{Href: base + "/tileMatrixSets/" + t.ID, Rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
				Type: "application/json", Title: t.Title}}})
	}
	writeJSON(w, r, "application/json", doc)
}

// serveTMS serves /tileMatrixSets/{tms}, the set's definition.
func (s *Service) serveTMS(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["tms"]
	t, ok := s.tms[id]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "unknown tile matrix set "+strconv.Quote(id)+"; /tileMatrixSets lists them")
		return
	}
	doc := t.Document().(tmsDocument)
	doc.Links = []link{{Href: s.baseURL(r) + "/tileMatrixSets/" + t.ID, Rel: "self", Type: "application/json"}}
	writeJSON(w, r, "application/json", doc)
}
