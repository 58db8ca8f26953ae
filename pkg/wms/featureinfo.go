package wms

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/style"
)

// infoLayer is the answer of one queried layer.
type infoLayer struct {
	name     string
	title    string
	features []infoFeature
}

// infoFeature is one feature found near the point.
type infoFeature struct {
	layer  *feature.Layer
	key    string
	values []*string // nil for NULL, in the order of layer.Fields
	wkb    []byte
}

// infoPoint is the position queried: the centre of the clicked pixel in the map's CRS,
// and the search radius.
type infoPoint struct {
	x, y, radius float64
}

// getFeatureInfo returns the features drawn near a pixel of a map.
func (s *Service) getFeatureInfo(w http.ResponseWriter, r *http.Request, req *request) error {
	v, err := s.parseView(req)
	if err != nil {
		return err
	}
	format, err := parseInfoFormat(req.kvp.Value("INFO_FORMAT"))
	if err != nil {
		return err
	}
	pt, err := s.infoPoint(req, v)
	if err != nil {
		return err
	}
	count, err := s.featureCount(req)
	if err != nil {
		return err
	}
	names := ows.SplitList(req.kvp.Value("QUERY_LAYERS"))
	if len(names) == 0 {
		return ows.Errorf(ows.MissingParameterValue, "QUERY_LAYERS", "QUERY_LAYERS is missing; list the layers to query")
	}
	leaves, err := s.resolveLeaves(r, v)
	if err != nil {
		return err
	}
	var answers []infoLayer
	err = s.store.ReadMap(r.Context(), func(mr feature.MapReader) error {
		for _, name := range names {
			l, err := s.lookup(r, name, "QUERY_LAYERS")
			if err != nil {
				return err
			}
			for _, leaf := range l.leaves() {
				a, err := s.queryLeaf(r.Context(), mr, r, leaf, stylesOf(leaves, leaf), v, pt, count)
				if err != nil {
					return err
				}
				answers = append(answers, a)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeInfo(w, format, req, v, answers)
}

// infoPoint computes the centre of the pixel (I, J) in WMS 1.3.0, or (X, Y) in 1.1.1.
// Columns count from the left edge and rows from the top edge, starting at 0. The
// centre of pixel (i, j) therefore lies at minx + (i + 0.5) * pixel width and maxy -
// (j + 0.5) * pixel height. Both spellings are accepted in both versions.
func (s *Service) infoPoint(req *request, v *mapView) (infoPoint, error) {
	iKey, jKey := "I", "J"
	if _, ok := req.kvp.Get("I"); !ok {
		if _, ok := req.kvp.Get("X"); ok || req.version == V111 {
			iKey, jKey = "X", "Y"
		}
	}
	code := codeInvalidPoint
	if req.version == V111 {
		code = ows.InvalidParameterValue
	}
	i, err := pixelIndex(req.kvp, iKey, v.width, code)
	if err != nil {
		return infoPoint{}, err
	}
	j, err := pixelIndex(req.kvp, jKey, v.height, code)
	if err != nil {
		return infoPoint{}, err
	}
	dx, dy := v.pixelSize()
	tolerance := s.cfg.WMS.InfoTolerance
	if b := req.kvp.Value("BUFFER"); b != "" {
		t, err := strconv.ParseFloat(b, 64)
		if err != nil || t < 0 || t > 100 {
			return infoPoint{}, ows.Errorf(ows.InvalidParameterValue, "BUFFER", "BUFFER is %q; give a number of pixels between 0 and 100", b)
		}
		tolerance = t
	}
	// The radius reaches the corners of the clicked pixel at least (half its diagonal),
	// so that a feature inside the pixel is found even with no tolerance.
	radius := math.Max(tolerance*v.symbolFactor(), math.Sqrt2/2) * math.Max(dx, dy)
	return infoPoint{x: v.minX + (float64(i)+0.5)*dx, y: v.maxY - (float64(j)+0.5)*dy, radius: radius}, nil
}

func pixelIndex(kvp ows.KVP, key string, size int, code string) (int, error) {
	raw, ok := kvp.Get(key)
	if !ok {
		return 0, ows.Errorf(ows.MissingParameterValue, key, "%s is missing: give the pixel column and row", key)
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 0 || n >= size {
		return 0, ows.Errorf(code, key, "%s is %q; it must be a pixel index from 0 to %d", key, raw, size-1)
	}
	return n, nil
}

func (s *Service) featureCount(req *request) (int, error) {
	raw := req.kvp.Value("FEATURE_COUNT")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 {
		return 0, ows.Errorf(ows.InvalidParameterValue, "FEATURE_COUNT", "FEATURE_COUNT is %q; it must be a positive integer", raw)
	}
	return min(n, s.cfg.WMS.MaxFeatureCount), nil
}

// queryLeaf finds the features of one leaf near the point, at most count of them. The
// features found are those its style draws at the map's scale: a feature that no
// active rule selects is not on the map, so it is not reported.
func (s *Service) queryLeaf(ctx context.Context, mr feature.MapReader, r *http.Request, leaf *Layer, bySource []*style.Style, v *mapView, pt infoPoint, count int) (infoLayer, error) {
	out := infoLayer{name: leaf.Name, title: leaf.Title}
	// Points are drawn last, so they are on top: query the sources in reverse.
	for i := len(leaf.Sources) - 1; i >= 0 && len(out.features) < count; i-- {
		src := leaf.Sources[i]
		if !s.canSee(r, src.Layer.Name) {
			continue
		}
		rules, drawn := ruleFilter(bySource[i], v.scale())
		if !drawn {
			continue
		}
		q := &feature.InfoQuery{Layer: src.Layer, X: pt.x, Y: pt.y, SRID: v.srid, Radius: pt.radius,
			Filter: filter.Conjoin(src.Filter, rules), Limit: count - len(out.features)}
		err := mr.FeatureInfo(ctx, q, func(row *feature.Row) error {
			f := infoFeature{layer: src.Layer, key: string(row.Key), wkb: bytes.Clone(row.Geometry)}
			for _, val := range row.Values {
				if val == nil {
					f.values = append(f.values, nil)
				} else {
					s := string(val)
					f.values = append(f.values, &s)
				}
			}
			out.features = append(out.features, f)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// stylesOf returns the styles the map request gives to the sources of a leaf, or its
// default styles when the request does not draw it.
func stylesOf(leaves []resolvedLeaf, leaf *Layer) []*style.Style {
	for _, rl := range leaves {
		if rl.layer == leaf {
			return rl.bySource
		}
	}
	return leaf.Styles[0].BySource
}

// ruleFilter returns the filter of the features the style draws at the scale (nil for
// all of them), and drawn=false when it draws none.
func ruleFilter(st *style.Style, scale float64) (n filter.Node, drawn bool) {
	if st == nil {
		return nil, true
	}
	var any []filter.Node
	for _, fts := range st.FeatureTypeStyles {
		for i := range fts.Rules {
			r := &fts.Rules[i]
			if !r.AppliesAt(scale) || !drawsGeometry(r) {
				continue
			}
			drawn = true
			if r.Filter == nil || r.ElseFilter {
				return nil, true
			}
			any = append(any, r.Filter)
		}
	}
	if !drawn {
		return nil, false
	}
	if len(any) == 1 {
		return any[0], true
	}
	return filter.Or{Children: any}, true
}

// drawsGeometry reports whether a rule draws more than labels.
func drawsGeometry(r *style.Rule) bool {
	for _, sym := range r.Symbolizers {
		if _, text := sym.(*style.TextSymbolizer); !text {
			return true
		}
	}
	return false
}
