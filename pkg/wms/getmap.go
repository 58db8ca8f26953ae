package wms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/render"
	"github.com/fourreau/fourreau/pkg/style"
)

// drawStep draws one feature layer in one style.
type drawStep struct {
	layer  *feature.Layer
	filter filter.Node
	style  *style.Style
}

// getMap draws the requested layers and writes the image.
func (s *Service) getMap(w http.ResponseWriter, r *http.Request, req *request) error {
	v, err := s.parseView(req)
	if err != nil {
		return err
	}
	steps, err := s.mapPlan(r, req, v)
	if err != nil {
		return err
	}
	c := render.NewCanvas(v.width, v.height)
	clearBackground(c, v)
	labels := render.NewLabeller(s.fonts)
	err = s.store.ReadMap(r.Context(), func(mr feature.MapReader) error {
		for _, st := range steps {
			if err := s.drawStep(r.Context(), mr, c, labels, v, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, feature.ErrTooManyFeatures) {
			return &ows.Exception{Code: ows.InvalidParameterValue, Locator: "BBOX", Cause: err,
				Text: fmt.Sprintf("the map would draw more than %d features of one layer; zoom in or draw fewer layers", s.cfg.WMS.MaxFeatures)}
		}
		return err
	}
	labels.Draw(c)
	return s.writeImage(w, c, v)
}

// clearBackground paints the background: transparent with TRANSPARENT=TRUE (except in
// JPEG, which has no alpha), else BGCOLOR.
func clearBackground(c *render.Canvas, v *mapView) {
	bg := v.bgcolor
	if v.transparent && v.format != formatJPEG {
		bg.A = 0
	}
	c.Clear(bg)
}

// writeImage encodes the canvas in the view's format.
func (s *Service) writeImage(w http.ResponseWriter, c *render.Canvas, v *mapView) error {
	var buf bytes.Buffer
	var err error
	opt := render.PNGOptions{Compression: pngCompression(s.cfg.WMS.PNGCompression)}
	switch v.format {
	case formatJPEG:
		err = render.EncodeJPEG(&buf, c.Image, s.cfg.WMS.JPEGQuality, v.bgcolor)
	case formatPNG8:
		err = render.EncodePNG8(&buf, c.Image, opt)
	default:
		err = render.EncodePNG(&buf, c.Image, opt)
	}
	if err != nil {
		return ows.Internal(fmt.Errorf("wms: encode %s: %w", v.format.mimeType(), err))
	}
	w.Header().Set("Content-Type", v.format.contentType())
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	return nil
}

func pngCompression(name string) png.CompressionLevel {
	switch strings.ToLower(name) {
	case "none":
		return png.NoCompression
	case "best":
		return png.BestCompression
	case "default":
		return png.DefaultCompression
	}
	return png.BestSpeed
}

// mapPlan resolves the requested layers and styles into drawing steps.
func (s *Service) mapPlan(r *http.Request, req *request, v *mapView) ([]drawStep, error) {
	leaves, err := s.resolveLeaves(r, v)
	if err != nil {
		return nil, err
	}
	return s.stepsOf(r, leaves), nil
}

// resolveLeaves resolves the requested layers into leaves with their styles.
func (s *Service) resolveLeaves(r *http.Request, v *mapView) ([]resolvedLeaf, error) {
	sld, err := s.parseSLDBody(v.sldBody)
	if err != nil {
		return nil, err
	}
	names, styles := v.layers, v.styles
	if len(names) == 0 {
		// A request with SLD_BODY and no LAYERS draws the layers the document names.
		for _, ls := range sld.order {
			names = append(names, ls)
			styles = append(styles, "")
		}
	}
	if max := s.cfg.WMS.MaxLayers; max > 0 && len(names) > max {
		return nil, ows.Errorf(ows.InvalidParameterValue, "LAYERS", "LAYERS lists %d layers; the limit is %d", len(names), max)
	}
	var leaves []resolvedLeaf
	for i, name := range names {
		l, err := s.lookup(r, name, "LAYERS")
		if err != nil {
			return nil, err
		}
		styleName := ""
		if i < len(styles) {
			styleName = styles[i]
		}
		resolved, err := s.resolveStyles(l, styleName, sld)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, resolved...)
	}
	return leaves, nil
}

// resolvedLeaf is a leaf layer with the style of each of its sources.
type resolvedLeaf struct {
	layer    *Layer
	bySource []*style.Style
	// isDefault is true when the leaf uses its default style.
	isDefault bool
}

// resolveStyles picks the style of a requested layer: a style of SLD_BODY for that
// layer, else a named style of the server. A group layer is drawn by drawing its
// leaves in their default styles.
func (s *Service) resolveStyles(l *Layer, name string, sld sldStyles) ([]resolvedLeaf, error) {
	if l.isGroup() {
		if name != "" && !strings.EqualFold(name, style.DefaultName) {
			return nil, ows.Errorf(codeStyleNotDefined, "STYLES", "group layer %q has no style %q; use the default style", l.Name, name)
		}
		var out []resolvedLeaf
		for _, leaf := range l.leaves() {
			out = append(out, resolvedLeaf{layer: leaf, bySource: leaf.Styles[0].BySource, isDefault: true})
		}
		return out, nil
	}
	if st, ok, err := sld.pick(l, name); err != nil || ok {
		if err != nil {
			return nil, err
		}
		bySource := make([]*style.Style, len(l.Sources))
		for i, src := range l.Sources {
			if err := checkStyle(st, src.Layer); err != nil {
				return nil, ows.Errorf(codeStyleNotDefined, "SLD_BODY", "%v", err)
			}
			bySource[i] = st
		}
		return []resolvedLeaf{{layer: l, bySource: bySource}}, nil
	}
	ls, ok := l.style(name)
	if !ok {
		return nil, ows.Errorf(codeStyleNotDefined, "STYLES", "layer %q has no style %q; capabilities list its styles", l.Name, name)
	}
	return []resolvedLeaf{{layer: l, bySource: ls.BySource, isDefault: ls == l.Styles[0]}}, nil
}

// stepsOf turns leaves into drawing steps. Adjacent category layers in their default
// style are drawn together: one step per feature layer with the union of their
// categories, rather than one step per category and feature layer.
func (s *Service) stepsOf(r *http.Request, leaves []resolvedLeaf) []drawStep {
	var steps []drawStep
	for i := 0; i < len(leaves); {
		leaf := leaves[i]
		if leaf.layer.category == "" || !leaf.isDefault {
			for j, src := range leaf.layer.Sources {
				if s.canSee(r, src.Layer.Name) {
					steps = append(steps, drawStep{layer: src.Layer, filter: src.Filter, style: leaf.bySource[j]})
				}
			}
			i++
			continue
		}
		var codes []string
		j := i
		for ; j < len(leaves) && leaves[j].layer.category != "" && leaves[j].isDefault; j++ {
			codes = append(codes, leaves[j].layer.category)
		}
		for k, src := range leaf.layer.Sources {
			if s.canSee(r, src.Layer.Name) {
				steps = append(steps, drawStep{layer: src.Layer, filter: categoryFilter(codes...), style: leaf.bySource[k]})
			}
		}
		i = j
	}
	return steps
}

// sldStyles are the styles of an SLD_BODY, by layer name.
type sldStyles struct {
	byLayer map[string]style.LayerStyles
	order   []string
}

func (s *Service) parseSLDBody(body string) (sldStyles, error) {
	out := sldStyles{byLayer: map[string]style.LayerStyles{}}
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	layers, err := style.ParseSLD(strings.NewReader(body), s.envelopeCRS)
	if err != nil {
		var e *ows.Exception
		if errors.As(err, &e) {
			e.Locator = "SLD_BODY"
			return out, e
		}
		return out, ows.Errorf(ows.InvalidParameterValue, "SLD_BODY", "%v", err)
	}
	for _, ls := range layers {
		if _, dup := out.byLayer[ls.Layer]; !dup {
			out.order = append(out.order, ls.Layer)
		}
		out.byLayer[ls.Layer] = ls
	}
	return out, nil
}

// pick returns the SLD_BODY style for a layer: the named one, or the document's default
// (or first) style when name is empty. ok is false when the document has nothing for
// the layer, or when it only names a style of the server (NamedStyle).
func (sld sldStyles) pick(l *Layer, name string) (*style.Style, bool, error) {
	ls, found := sld.byLayer[l.Name]
	if !found {
		return nil, false, nil
	}
	if name == "" {
		if len(ls.Styles) == 0 {
			return nil, false, nil
		}
		if ls.Default >= 0 {
			return ls.Styles[ls.Default], true, nil
		}
		return ls.Styles[0], true, nil
	}
	for _, st := range ls.Styles {
		if st.Name == name {
			return st, true, nil
		}
	}
	return nil, false, nil
}

// drawStep reads the features of one step and draws them.
func (s *Service) drawStep(ctx context.Context, mr feature.MapReader, c *render.Canvas, labels *render.Labeller, v *mapView, st drawStep) error {
	p, q, err := s.preparePainter(c, labels, v, st)
	if err != nil || p == nil {
		return err
	}
	err = mr.MapFeatures(ctx, q, func(row *feature.MapRow) error {
		p.feature(row)
		return nil
	})
	if err != nil {
		return err
	}
	p.flush()
	return nil
}

// preparePainter selects the rules active at the map's scale and builds the query. It
// returns a nil painter when no rule applies.
func (s *Service) preparePainter(c *render.Canvas, labels *render.Labeller, v *mapView, st drawStep) (*painter, *feature.MapQuery, error) {
	scale := v.scale()
	p := newPainter(c, labels, v, st.style, scale)
	if len(p.rules) == 0 {
		return nil, nil, nil
	}
	q := &feature.MapQuery{Layer: st.layer, Filter: st.filter, Limit: s.cfg.WMS.MaxFeatures}
	dx, dy := v.pixelSize()
	margin := 24 * v.symbolFactor()
	q.BBox = filter.BBox{MinX: v.minX - margin*dx, MinY: v.minY - margin*dy, MaxX: v.maxX + margin*dx, MaxY: v.maxY + margin*dy, SRID: v.srid}
	q.Tolerance = min(dx, dy) / 2
	q.Merge = s.cfg.WMS.MergeAboveScale > 0 && scale > s.cfg.WMS.MergeAboveScale
	q.Ordered = p.hasLabels
	allFiltered := true
	for _, r := range p.rules {
		if r.rule.ElseFilter {
			allFiltered = false
			continue
		}
		r.queryIndex = len(q.Rules)
		q.Rules = append(q.Rules, r.rule.Filter)
		if r.rule.Filter == nil {
			allFiltered = false
		}
	}
	q.MatchAnyRule = allFiltered
	for _, name := range st.style.Properties() {
		f, ok := st.layer.Field(name)
		if !ok {
			return nil, nil, ows.Errorf(codeStyleNotDefined, "STYLES", "style %q reads property %q, which layer %s does not have", st.style.Name, name, st.layer.Name)
		}
		p.fieldIndex[name] = len(q.Fields)
		q.Fields = append(q.Fields, f)
	}
	return p, q, nil
}
