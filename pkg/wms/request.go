package wms

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/style"
)

// WMS exception codes (WMS 1.3.0 annex A.3, WMS 1.1.1 annex A.3). InvalidCRS is written
// InvalidSRS in 1.1.1.
const (
	codeInvalidFormat     = "InvalidFormat"
	codeInvalidCRS        = "InvalidCRS"
	codeLayerNotDefined   = "LayerNotDefined"
	codeStyleNotDefined   = "StyleNotDefined"
	codeLayerNotQueryable = "LayerNotQueryable"
	codeInvalidPoint      = "InvalidPoint"
)

// request holds what every operation shares.
type request struct {
	version    string
	operation  string
	kvp        ows.KVP
	exceptions exceptionFormat
	// view is set once the map part of a GetMap or GetFeatureInfo parses, so that an
	// exception can be drawn in an image of the requested size.
	view *mapView
}

// parseRequest reads SERVICE, VERSION, REQUEST and EXCEPTIONS. The version is
// negotiated as WMS 1.3.0 §6.2.4 says: a version between or above the supported ones
// gets the next lower supported one, a version below them the lowest.
func parseRequest(kvp ows.KVP) (*request, error) {
	req := &request{kvp: kvp, version: V130, exceptions: exceptionsXML, operation: kvp.Value("REQUEST")}
	v := kvp.Value("VERSION")
	if v == "" {
		v = kvp.Value("WMTVER")
	}
	if v != "" {
		nv, err := negotiate(v)
		if err != nil {
			return req, err
		}
		req.version = nv
	} else if !strings.EqualFold(req.operation, "GetCapabilities") && kvp.Value("SRS") != "" && kvp.Value("CRS") == "" {
		// A map request without VERSION that uses SRS is a 1.1.1 request.
		req.version = V111
	}
	ex, err := parseExceptions(kvp.Value("EXCEPTIONS"))
	if err != nil {
		return req, err
	}
	req.exceptions = ex
	if svc, ok := kvp.Get("SERVICE"); ok && !strings.EqualFold(svc, "WMS") {
		return req, ows.Errorf(ows.InvalidParameterValue, "SERVICE", "SERVICE is %q; this endpoint serves WMS", svc)
	}
	return req, nil
}

func negotiate(v string) (string, error) {
	parts := strings.Split(strings.TrimSpace(v), ".")
	var n [3]int
	for i := 0; i < 3 && i < len(parts); i++ {
		x, err := strconv.Atoi(parts[i])
		if err != nil || x < 0 {
			return "", ows.Errorf(ows.InvalidParameterValue, "VERSION", "VERSION %q is not a version number such as 1.3.0", v)
		}
		n[i] = x
	}
	code := n[0]*10000 + n[1]*100 + n[2]
	if code >= 10300 {
		return V130, nil
	}
	return V111, nil
}

// mapView is the map part of GetMap and GetFeatureInfo: the area, the image and how
// it is drawn.
type mapView struct {
	name crs.Name
	srid int
	// geographic is true for CRSs in degrees.
	geographic bool
	// northing is true when the EPSG definition of the CRS lists latitude or northing
	// first.
	northing bool
	// minX, minY, maxX, maxY are in the CRS, easting or longitude first.
	minX, minY, maxX, maxY float64
	width, height          int
	format                 imageFormat
	transparent            bool
	bgcolor                color.NRGBA
	// dpi is the resolution of the client's screen or print; 90.7 is the 0.28 mm pixel
	// of the standard.
	dpi     float64
	layers  []string
	styles  []string
	sldBody string
}

// standardDPI is the resolution of the 0.28 mm pixel that WMS and SLD scales assume.
const standardDPI = 25.4 / 0.28

// metresPerDegree converts degrees to metres on the equator of WGS 84, as SLD 1.1 and
// the WMTS well-known scale sets do for scales of geographic CRSs.
const metresPerDegree = 6378137 * 2 * math.Pi / 360

// pixelSize returns the size of one pixel in CRS units.
func (v *mapView) pixelSize() (dx, dy float64) {
	return (v.maxX - v.minX) / float64(v.width), (v.maxY - v.minY) / float64(v.height)
}

// scale returns the scale denominator of the map.
func (v *mapView) scale() float64 {
	dx, _ := v.pixelSize()
	metres := dx
	if v.geographic {
		metres *= metresPerDegree
	}
	return metres / (0.0254 / v.dpi)
}

// symbolFactor is how much symbol sizes grow for a higher resolution than the
// standard one, so that a print at 300 dpi keeps the line widths of the screen.
func (v *mapView) symbolFactor() float64 { return v.dpi / standardDPI }

// toPixel converts a position in the CRS to image pixels.
func (v *mapView) toPixel(x, y float64) (float64, float64) {
	sx := float64(v.width) / (v.maxX - v.minX)
	sy := float64(v.height) / (v.maxY - v.minY)
	return (x - v.minX) * sx, (v.maxY - y) * sy
}

// parseView reads the map part of a GetMap or GetFeatureInfo request.
func (s *Service) parseView(req *request) (*mapView, error) {
	kvp := req.kvp
	v := &mapView{dpi: standardDPI, bgcolor: color.NRGBA{255, 255, 255, 255}}

	// Image parameters first, so that later errors can be drawn INIMAGE.
	if err := s.parseImage(kvp, v); err != nil {
		return nil, err
	}
	req.view = v

	if err := s.parseCRS(req, v); err != nil {
		return nil, err
	}
	if err := parseBBox(req, v); err != nil {
		return nil, err
	}
	if l, ok := kvp.Get("LAYERS"); ok {
		v.layers = ows.SplitList(l)
	}
	v.sldBody = kvp.Value("SLD_BODY")
	if kvp.Value("SLD") != "" {
		return nil, ows.Errorf(ows.InvalidParameterValue, "SLD", "SLD by reference is not supported, because the server does not fetch remote documents; send the document in SLD_BODY")
	}
	if len(v.layers) == 0 && v.sldBody == "" {
		return nil, ows.Errorf(ows.MissingParameterValue, "LAYERS", "LAYERS is missing; list the layers to draw")
	}
	return v, parseStyles(kvp, v)
}

func parseStyles(kvp ows.KVP, v *mapView) error {
	raw := kvp.Value("STYLES")
	if strings.TrimSpace(raw) == "" {
		v.styles = make([]string, len(v.layers))
		return nil
	}
	// Empty items are meaningful (the default style), so the list is not compacted.
	for _, s := range strings.Split(raw, ",") {
		v.styles = append(v.styles, strings.TrimSpace(s))
	}
	if len(v.styles) != len(v.layers) && len(v.layers) > 0 {
		return ows.Errorf(codeStyleNotDefined, "STYLES", "STYLES lists %d styles for %d layers; give one per layer, or leave STYLES empty for the defaults", len(v.styles), len(v.layers))
	}
	return nil
}

func (s *Service) parseImage(kvp ows.KVP, v *mapView) error {
	var err error
	if v.width, err = dimension(kvp, "WIDTH", s.cfg.WMS.MaxWidth); err != nil {
		return err
	}
	if v.height, err = dimension(kvp, "HEIGHT", s.cfg.WMS.MaxHeight); err != nil {
		return err
	}
	if f, ok := kvp.Get("FORMAT"); ok {
		if v.format, err = parseFormat(f); err != nil {
			return err
		}
	} else {
		v.format = formatPNG
	}
	if t, ok := kvp.Get("TRANSPARENT"); ok {
		switch strings.ToUpper(strings.TrimSpace(t)) {
		case "TRUE":
			v.transparent = true
		case "FALSE", "":
		default:
			return ows.Errorf(ows.InvalidParameterValue, "TRANSPARENT", "TRANSPARENT is %q; use TRUE or FALSE", t)
		}
	}
	if bg := kvp.Value("BGCOLOR"); bg != "" {
		c, err := style.ParseColor(bg)
		if err != nil || !strings.HasPrefix(strings.ToLower(bg), "0x") || len(bg) != 8 {
			return ows.Errorf(ows.InvalidParameterValue, "BGCOLOR", "BGCOLOR is %q; write it as 0xRRGGBB", bg)
		}
		v.bgcolor = c
	}
	return parseDPI(kvp, v)
}

func dimension(kvp ows.KVP, key string, limit int) (int, error) {
	raw, ok := kvp.Get(key)
	if !ok {
		return 0, ows.Errorf(ows.MissingParameterValue, key, "%s is missing", key)
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n <= 0 {
		return 0, ows.Errorf(ows.InvalidParameterValue, key, "%s is %q; it must be a positive number of pixels", key, raw)
	}
	if limit > 0 && n > limit {
		return 0, ows.Errorf(ows.InvalidParameterValue, key, "%s is %d; the largest size this server draws is %d pixels", key, n, limit)
	}
	return n, nil
}

// parseDPI reads the resolution from DPI or MAP_RESOLUTION (sent by QGIS) or the dpi
// of FORMAT_OPTIONS (GeoServer's convention).
func parseDPI(kvp ows.KVP, v *mapView) error {
	raw, key := kvp.Value("DPI"), "DPI"
	if raw == "" {
		raw, key = kvp.Value("MAP_RESOLUTION"), "MAP_RESOLUTION"
	}
	if raw == "" {
		raw, key = formatOption(kvp.Value("FORMAT_OPTIONS"), "dpi"), "FORMAT_OPTIONS"
	}
	if raw == "" {
		return nil
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || d < 10 || d > 1200 {
		return ows.Errorf(ows.InvalidParameterValue, key, "the resolution %q is not a number of dots per inch between 10 and 1200", raw)
	}
	v.dpi = d
	return nil
}

// formatOption returns the value of key in a FORMAT_OPTIONS list (key:value;key:value).
func formatOption(options, key string) string {
	for _, kv := range strings.Split(options, ";") {
		k, val, ok := strings.Cut(kv, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// parseCRS reads CRS (1.3.0) or SRS (1.1.1); either key is accepted in both versions,
// since clients mix them up.
func (s *Service) parseCRS(req *request, v *mapView) error {
	key := "CRS"
	raw, ok := req.kvp.Get("CRS")
	if !ok || raw == "" {
		if alt, ok2 := req.kvp.Get("SRS"); ok2 {
			raw, key, ok = alt, "SRS", true
		}
	}
	if !ok || raw == "" {
		if req.version == V111 {
			key = "SRS"
		}
		return ows.Errorf(ows.MissingParameterValue, key, "%s is missing", key)
	}
	n, err := crs.Parse(raw)
	if err != nil {
		return ows.Errorf(codeInvalidCRS, key, "the CRS %q is not supported; capabilities list the offered ones", raw)
	}
	info, known, err := s.crs.Lookup(n.SRID)
	if err != nil {
		return ows.Internal(err)
	}
	if !known {
		return ows.Errorf(codeInvalidCRS, key, "the CRS %q is unknown to this server", raw)
	}
	v.name, v.srid, v.geographic, v.northing = n, n.SRID, info.Geographic, info.NorthingFirst
	return nil
}

// parseBBox reads BBOX. In WMS 1.3.0 the order of the values follows the axes of the
// CRS (WMS 1.3.0 §6.7.4): latitude first for EPSG:4326 and every other CRS whose EPSG
// definition puts latitude or northing first, as the CRS registry reads it from the
// database; CRS:84 is longitude first. WMS 1.1.1 is always x/y.
func parseBBox(req *request, v *mapView) error {
	raw, ok := req.kvp.Get("BBOX")
	if !ok {
		return ows.Errorf(ows.MissingParameterValue, "BBOX", "BBOX is missing")
	}
	parts := strings.Split(raw, ",")
	if len(parts) != 4 {
		return ows.Errorf(ows.InvalidParameterValue, "BBOX", "BBOX %q needs four numbers: minx,miny,maxx,maxy", raw)
	}
	var b [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return ows.Errorf(ows.InvalidParameterValue, "BBOX", "BBOX value %q is not a number", p)
		}
		b[i] = f
	}
	if b[0] >= b[2] || b[1] >= b[3] {
		return ows.Errorf(ows.InvalidParameterValue, "BBOX", "BBOX %q is empty: the minimum of each axis must be below its maximum", raw)
	}
	if req.version == V130 && v.name.Form != crs.FormCRS84 && v.northing {
		b[0], b[1], b[2], b[3] = b[1], b[0], b[3], b[2]
	}
	v.minX, v.minY, v.maxX, v.maxY = b[0], b[1], b[2], b[3]
	return nil
}

// imageFormat is an output image format.
type imageFormat int

const (
	formatPNG imageFormat = iota
	formatPNG8
	formatJPEG
)

func (f imageFormat) mimeType() string {
	switch f {
	case formatPNG8:
		return "image/png; mode=8bit"
	case formatJPEG:
		return "image/jpeg"
	}
	return "image/png"
}

// contentType is the Content-Type header of the image; an 8-bit PNG is still image/png.
func (f imageFormat) contentType() string {
	if f == formatJPEG {
		return "image/jpeg"
	}
	return "image/png"
}

// mapFormats are the GetMap formats listed in capabilities.
var mapFormats = []string{"image/png", "image/png; mode=8bit", "image/jpeg"}

func parseFormat(raw string) (imageFormat, error) {
	f := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(raw), " ", ""))
	switch f {
	case "image/png", "png", "image/png;mode=32bit", "image/png;mode=24bit":
		return formatPNG, nil
	case "image/png;mode=8bit", "image/png8", "png8":
		return formatPNG8, nil
	case "image/jpeg", "image/jpg", "jpeg", "jpg":
		return formatJPEG, nil
	}
	return formatPNG, ows.Errorf(codeInvalidFormat, "FORMAT", "format %q is not supported: use %s", raw, strings.Join(mapFormats, ", "))
}
