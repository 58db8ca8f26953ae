package wms

import (
	"bytes"
	"context"
	"embed"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"text/template"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/ows"
)

//go:embed templates/*.xml
var templateFS embed.FS

var capabilitiesTemplates = template.Must(template.New("").Funcs(template.FuncMap{"x": ows.EscapeXML}).ParseFS(templateFS, "templates/*.xml"))

// infoFormats are the GetFeatureInfo formats.
var infoFormats = []string{"text/plain", "text/html", "application/json", "application/vnd.ogc.gml", "application/vnd.ogc.gml/3.1.1", "text/xml"}

// capabilities is the data of the capabilities templates.
type capabilities struct {
	Version          string
	URL              string
	Service          config.Service
	MaxWidth         int
	MaxHeight        int
	MaxLayers        int
	MapFormats       []string
	InfoFormats      []string
	ExceptionFormats []string
	Root             *capsLayer
}

type capsLayer struct {
	Name, Title, Abstract string
	Keywords              []string
	Queryable             bool
	CRS                   []string
	Geo                   *geoBox
	BBoxes                []capsBBox
	Styles                []capsStyle
	MinScale, MaxScale    string
	ScaleHint             *scaleHint
	Children              []*capsLayer
}

type geoBox struct{ West, East, South, North string }

type capsBBox struct {
	CRS                    string
	MinX, MinY, MaxX, MaxY string
}

type capsStyle struct {
	Name, Title, Abstract     string
	LegendURL                 string
	LegendWidth, LegendHeight int
}

type scaleHint struct{ Min, Max string }

// getCapabilities writes the capabilities of the negotiated version, listing only the
// layers the client may see.
func (s *Service) getCapabilities(w http.ResponseWriter, r *http.Request, req *request) error {
	base := s.baseURL(r)
	c := &capabilities{
		Version: req.version, URL: base, Service: s.cfg.Service,
		MaxWidth: s.cfg.WMS.MaxWidth, MaxHeight: s.cfg.WMS.MaxHeight, MaxLayers: s.cfg.WMS.MaxLayers,
		MapFormats: mapFormats, InfoFormats: infoFormats, ExceptionFormats: exceptionFormats130,
	}
	name, contentType := "capabilities_130.xml", "text/xml; charset=UTF-8"
	if req.version == V111 {
		c.ExceptionFormats = exceptionFormats111
		name, contentType = "capabilities_111.xml", "application/vnd.ogc.wms_xml; charset=UTF-8"
	}
	root, _, err := s.capsLayer(r.Context(), r, s.tree.root, req.version, base)
	if err != nil {
		return err
	}
	root.CRS = s.crsNames(req.version)
	c.Root = root

	var buf bytes.Buffer
	if err := capabilitiesTemplates.ExecuteTemplate(&buf, name, c); err != nil {
		return ows.Internal(err)
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// crsNames lists the offered CRSs: EPSG:n for each configured code, and CRS:84 in
// WMS 1.3.0.
func (s *Service) crsNames(version string) []string {
	var out []string
	for _, code := range s.crsCodes {
		out = append(out, "EPSG:"+strconv.Itoa(code))
	}
	if version == V130 {
		out = append(out, "CRS:84")
	}
	return out
}

// capsLayer describes a layer and its visible children; it returns nil for a layer the
// client may not see.
func (s *Service) capsLayer(ctx context.Context, r *http.Request, l *Layer, version, base string) (*capsLayer, cachedExtents, error) {
	if l != s.tree.root && !s.layerVisible(r, l) {
		return nil, cachedExtents{}, nil
	}
	out := &capsLayer{Name: l.Name, Title: l.Title, Abstract: l.Abstract, Keywords: l.Keywords, Queryable: l.Name != ""}
	var extents []cachedExtents
	for _, c := range l.Children {
		child, e, err := s.capsLayer(ctx, r, c, version, base)
		if err != nil {
			return nil, cachedExtents{}, err
		}
		if child != nil {
			out.Children = append(out.Children, child)
			extents = append(extents, e)
		}
	}
	for _, src := range l.Sources {
		if !s.canSee(r, src.Layer.Name) {
			continue
		}
		e, err := s.layerExtents(ctx, src.Layer)
		if err != nil {
			return nil, cachedExtents{}, ows.Internal(err)
		}
		extents = append(extents, e)
	}
	ext := unionExtents(extents)
	s.describeExtent(out, ext, version)
	for _, st := range l.Styles {
		out.Styles = append(out.Styles, capsStyle{Name: st.Name, Title: st.Title, Abstract: st.Abstract,
			LegendURL: legendURL(base, version, l.Name, st.Name), LegendWidth: st.legendWidth, LegendHeight: st.legendHeight})
	}
	if len(l.Styles) > 0 {
		s.describeScales(out, l.Styles[0], version)
	}
	return out, ext, nil
}

func legendURL(base, version, layer, style string) string {
	q := url.Values{}
	q.Set("SERVICE", "WMS")
	q.Set("VERSION", version)
	q.Set("REQUEST", "GetLegendGraphic")
	q.Set("FORMAT", "image/png")
	q.Set("LAYER", layer)
	q.Set("STYLE", style)
	if version == V130 {
		q.Set("SLD_VERSION", "1.1.0")
	}
	return base + "?" + q.Encode()
}

// describeExtent writes the geographic box and a box per offered CRS. In WMS 1.3.0 the
// values of each box follow the axis order of its CRS: latitude first for EPSG:4326.
// Boxes are rounded outwards, so that they still hold the data.
func (s *Service) describeExtent(out *capsLayer, e cachedExtents, version string) {
	if !e.ok {
		return
	}
	out.Geo = &geoBox{West: floorTo(math.Max(e.geo.Min[0], -180), 6), East: ceilTo(math.Min(e.geo.Max[0], 180), 6),
		South: floorTo(math.Max(e.geo.Min[1], -90), 6), North: ceilTo(math.Min(e.geo.Max[1], 90), 6)}
	for _, code := range s.crsCodes {
		b, ok := e.byCRS[code]
		if !ok {
			continue
		}
		info, known, err := s.crs.Lookup(code)
		if err != nil || !known {
			continue
		}
		decimals := 2
		if info.Geographic {
			decimals = 6
		}
		bb := capsBBox{CRS: "EPSG:" + strconv.Itoa(code),
			MinX: floorTo(b.Min[0], decimals), MinY: floorTo(b.Min[1], decimals),
			MaxX: ceilTo(b.Max[0], decimals), MaxY: ceilTo(b.Max[1], decimals)}
		if version == V130 && info.NorthingFirst {
			bb.MinX, bb.MinY, bb.MaxX, bb.MaxY = bb.MinY, bb.MinX, bb.MaxY, bb.MaxX
		}
		out.BBoxes = append(out.BBoxes, bb)
	}
	if version == V130 {
		out.BBoxes = append(out.BBoxes, capsBBox{CRS: "CRS:84", MinX: out.Geo.West, MinY: out.Geo.South, MaxX: out.Geo.East, MaxY: out.Geo.North})
	}
}

// describeScales writes the scale range of the default style: the scale denominators
// in 1.3.0, the ScaleHint of 1.1.1 (the diagonal of a pixel on the ground, for the
// standard 0.28 mm pixel).
func (s *Service) describeScales(out *capsLayer, st *LayerStyle, version string) {
	lo, hi := math.Inf(1), 0.0
	for _, bs := range st.BySource {
		a, b := bs.ScaleRange()
		lo, hi = math.Min(lo, a), math.Max(hi, b)
	}
	if math.IsInf(lo, 1) {
		return
	}
	if version == V130 {
		if lo > 0 {
			out.MinScale = strconv.FormatFloat(lo, 'f', -1, 64)
		}
		if !math.IsInf(hi, 1) {
			out.MaxScale = strconv.FormatFloat(hi, 'f', -1, 64)
		}
		return
	}
	if lo == 0 && math.IsInf(hi, 1) {
		return
	}
	const pixelDiagonal = 0.00028 * math.Sqrt2
	h := &scaleHint{Min: strconv.FormatFloat(lo*pixelDiagonal, 'f', -1, 64), Max: "1e+12"}
	if !math.IsInf(hi, 1) {
		h.Max = strconv.FormatFloat(hi*pixelDiagonal, 'f', -1, 64)
	}
	out.ScaleHint = h
}

func floorTo(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Floor(v*p)/p, 'f', -1, 64)
}

func ceilTo(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Ceil(v*p)/p, 'f', -1, 64)
}
