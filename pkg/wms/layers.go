package wms

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/style"
)

// categoryGroup is the name of the group of network-category layers; each category
// layer is named categoryGroup + "." + code, such as networks.ELEC.
const categoryGroup = "networks"

// Layer is a WMS layer: a group of layers, or a leaf that draws one or more sources.
type Layer struct {
	Name     string
	Title    string
	Abstract string
	Keywords []string
	Children []*Layer
	// Sources are the feature layers a leaf draws, in drawing order.
	Sources []*Source
	// Styles are the named styles of a leaf; the first is the default.
	Styles []*LayerStyle
	// category is the network category code of a category layer.
	category string
}

// Source is a feature layer drawn by a WMS layer, possibly restricted by a filter.
type Source struct {
	Layer  *feature.Layer
	Filter filter.Node
}

// LayerStyle is a named style of a WMS layer: one style per source.
type LayerStyle struct {
	Name     string
	Title    string
	Abstract string
	BySource []*style.Style
	// legendWidth and legendHeight are the size of the legend image, for LegendURL.
	legendWidth, legendHeight int
}

// tree is the layer hierarchy of capabilities.
type tree struct {
	root   *Layer
	byName map[string]*Layer
}

// isGroup reports whether the layer has children.
func (l *Layer) isGroup() bool { return len(l.Children) > 0 }

// leaves returns the leaf layers under l (l itself for a leaf), in order.
func (l *Layer) leaves() []*Layer {
	if !l.isGroup() {
		return []*Layer{l}
	}
	var out []*Layer
	for _, c := range l.Children {
		out = append(out, c.leaves()...)
	}
	return out
}

// style returns the named style of a leaf; "" or "default" is the first one.
func (l *Layer) style(name string) (*LayerStyle, bool) {
	if len(l.Styles) == 0 {
		return nil, false
	}
	if name == "" || strings.EqualFold(name, style.DefaultName) {
		return l.Styles[0], true
	}
	for _, st := range l.Styles {
		if st.Name == name {
			return st, true
		}
	}
	return nil, false
}

// fileStyle is a style read from an SLD file.
type fileStyle struct {
	style     *style.Style
	isDefault bool
	file      string
}

// loadStyleFiles reads every *.sld file of dir. Styles for unknown layers are logged and
// skipped. A style that cannot be parsed, or that reads properties its layer does not
// have, stops the start-up with an error naming the file.
func (s *Service) loadStyleFiles(dir string) (map[string][]fileStyle, error) {
	out := map[string][]fileStyle{}
	if dir == "" {
		return out, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.sld"))
	if err != nil {
		return nil, fmt.Errorf("wms: styles_dir %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		s.log.Info("no style files loaded: wms.styles_dir is not readable", "dir", dir, "err", err)
		return out, nil
	}
	sort.Strings(paths)
	for _, path := range paths {
		if err := s.loadStyleFile(path, out); err != nil {
			return nil, fmt.Errorf("wms: style file %s: %w", path, err)
		}
	}
	return out, nil
}

func (s *Service) loadStyleFile(path string, out map[string][]fileStyle) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	layers, err := style.ParseSLD(f, s.envelopeCRS)
	if err != nil {
		return err
	}
	for _, ls := range layers {
		l, ok := s.catalog.Layer(ls.Layer)
		if !ok {
			s.log.Warn("style file names a layer that is not published; its styles are skipped", "file", path, "layer", ls.Layer)
			continue
		}
		for i, st := range ls.Styles {
			if st.Name == "" {
				st.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			}
			if err := checkStyle(st, l); err != nil {
				return err
			}
			out[l.Name] = append(out[l.Name], fileStyle{style: st, isDefault: i == ls.Default, file: path})
		}
		s.log.Info("styles loaded", "file", path, "layer", l.Name, "styles", len(ls.Styles))
	}
	return nil
}

// envelopeCRS reads the envelopes of BBOX filters in a style for a layer: in the
// layer's CRS when the envelope has no srsName.
func (s *Service) envelopeCRS(layer string) filter.EnvelopeCRS {
	srid := 0
	if l, ok := s.catalog.Layer(layer); ok {
		srid = l.SRID
	}
	return filter.CRSResolver(s.crs, srid, false)
}

// checkStyle reports properties that the style reads and the layer does not have.
func checkStyle(st *style.Style, l *feature.Layer) error {
	for _, p := range st.Properties() {
		if _, ok := l.Field(p); !ok {
			return fmt.Errorf("style %q reads property %q, which layer %s does not have", st.Name, p, l.Name)
		}
	}
	for _, fts := range st.FeatureTypeStyles {
		for _, r := range fts.Rules {
			for _, p := range filterProperties(r.Filter) {
				if !l.IsGeometry(p) {
					if _, ok := l.Field(p); !ok {
						return fmt.Errorf("style %q: rule %q filters on property %q, which layer %s does not have", st.Name, r.Name, p, l.Name)
					}
				}
			}
		}
	}
	return nil
}

// filterProperties lists the property names a filter reads, without prefixes.
func filterProperties(n filter.Node) []string {
	var out []string
	var walk func(filter.Node)
	add := func(p string) {
		if p == "" {
			return
		}
		if i := strings.LastIndexByte(p, ':'); i >= 0 {
			p = p[i+1:]
		}
		out = append(out, p)
	}
	walk = func(n filter.Node) {
		switch n := n.(type) {
		case filter.And:
			for _, c := range n.Children {
				walk(c)
			}
		case filter.Or:
			for _, c := range n.Children {
				walk(c)
			}
		case filter.Not:
			walk(n.Child)
		case filter.Compare:
			add(n.Property)
		case filter.Like:
			add(n.Property)
		case filter.IsNull:
			add(n.Property)
		case filter.Between:
			add(n.Property)
		case filter.BBox:
			add(n.Property)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// buildTree lays out the layers: the group of network categories, then one layer per
// published feature layer.
func (s *Service) buildTree(files map[string][]fileStyle) (*tree, error) {
	t := &tree{byName: map[string]*Layer{}}
	root := &Layer{Title: s.cfg.Service.Title, Abstract: s.cfg.Service.Abstract, Keywords: s.cfg.Service.Keywords}
	t.root = root

	catalogStyles := map[string][]*style.Style{}
	for _, fl := range s.catalog.Layers {
		catalogStyles[fl.Name] = s.layerStyles(fl, files[fl.Name])
	}
	if g := s.categoryGroup(catalogStyles); g != nil {
		root.Children = append(root.Children, g)
	}
	for _, fl := range s.catalog.Layers {
		leaf := &Layer{Name: fl.Name, Title: fl.Title, Abstract: fl.Abstract, Keywords: fl.Keywords,
			Sources: []*Source{{Layer: fl}}}
		for _, st := range catalogStyles[fl.Name] {
			leaf.Styles = append(leaf.Styles, &LayerStyle{Name: st.Name, Title: st.Title, Abstract: st.Abstract, BySource: []*style.Style{st}})
		}
		root.Children = append(root.Children, leaf)
	}

	var index func(l *Layer) error
	index = func(l *Layer) error {
		if l.Name != "" {
			if _, dup := t.byName[l.Name]; dup {
				return fmt.Errorf("wms: two layers are named %q", l.Name)
			}
			t.byName[l.Name] = l
		}
		for _, st := range l.Styles {
			st.legendWidth, st.legendHeight = s.legendSize(l, st, legendOptions{iconWidth: 20, iconHeight: 20})
		}
		for _, c := range l.Children {
			if err := index(c); err != nil {
				return err
			}
		}
		return nil
	}
	return t, index(root)
}

// layerStyles orders the styles of a feature layer: a file style marked IsDefault
// first, then the style derived from the data model (unless a file style has its
// name), then the other file styles.
func (s *Service) layerStyles(fl *feature.Layer, files []fileStyle) []*style.Style {
	derived := style.Default(style.LayerShape{GeometryType: fl.GeometryType, Has: func(c string) bool {
		_, ok := fl.Field(c)
		return ok
	}}, s.model)
	var first, rest []*style.Style
	replaced := false
	for _, f := range files {
		if f.style.Name == style.DefaultName {
			replaced = true
		}
		if f.isDefault && first == nil {
			first = append(first, f.style)
			continue
		}
		rest = append(rest, f.style)
	}
	out := first
	if !replaced {
		out = append(out, derived)
	}
	return append(out, rest...)
}

// categoryGroup builds one layer per network category, drawing the feature layers of
// wms.category_layers that have a network_category column, restricted to that
// category. Polygon layers are drawn first, then lines, then points. It returns nil
// when the data model has no categories or no listed layer has the column.
func (s *Service) categoryGroup(catalogStyles map[string][]*style.Style) *Layer {
	var sources []*feature.Layer
	for _, name := range s.cfg.WMS.CategoryLayers {
		fl, ok := s.catalog.Layer(name)
		if !ok {
			continue
		}
		if _, ok := fl.Field(style.ColumnCategory); ok {
			sources = append(sources, fl)
		}
	}
	if len(sources) == 0 || len(s.model.Categories) == 0 {
		return nil
	}
	sort.SliceStable(sources, func(i, j int) bool { return geometryDimension(sources[i]) > geometryDimension(sources[j]) })
	var titles []string
	for _, fl := range sources {
		titles = append(titles, fl.Title)
	}
	group := &Layer{Name: categoryGroup, Title: "Réseaux par catégorie (networks by category)",
		Abstract: "One layer per network category (NF P 98-332 colours), each drawing: " + strings.Join(titles, ", ") + "."}
	for _, c := range s.model.Categories {
		leaf := &Layer{Name: categoryGroup + "." + c.Code, Title: c.Label, category: c.Code,
			Abstract: fmt.Sprintf("Features of network category %s (%s).", c.Code, c.Label)}
		if c.LabelEN != "" && c.LabelEN != c.Label {
			leaf.Title = c.Label + " (" + c.LabelEN + ")"
		}
		ls := &LayerStyle{Name: style.DefaultName, Title: "Network colours (NF P 98-332)"}
		for _, fl := range sources {
			leaf.Sources = append(leaf.Sources, &Source{Layer: fl, Filter: categoryFilter(c.Code)})
			ls.BySource = append(ls.BySource, catalogStyles[fl.Name][0])
		}
		leaf.Styles = []*LayerStyle{ls}
		group.Children = append(group.Children, leaf)
	}
	return group
}

func categoryFilter(codes ...string) filter.Node {
	var nodes []filter.Node
	for _, c := range codes {
		nodes = append(nodes, filter.Compare{Op: filter.EqualTo, Property: style.ColumnCategory, Literal: c, MatchCase: true})
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return filter.Or{Children: nodes}
}

// geometryDimension orders layers for drawing: 2 for polygons, 1 for lines, 0 for points.
func geometryDimension(l *feature.Layer) int {
	t := strings.TrimPrefix(strings.ToLower(l.GeometryType), "multi")
	switch t {
	case "polygon", "geometry":
		return 2
	case "linestring":
		return 1
	}
	return 0
}

// lookup returns the layer called name, which the locator parameter of the request
// named, when the request's client may see it: else LayerNotDefined for an unknown
// layer, or the access decision for a hidden one. Names may carry the namespace
// prefix of the WFS (net:duct).
func (s *Service) lookup(r *http.Request, name, locator string) (*Layer, error) {
	l, ok := s.tree.byName[name]
	if !ok {
		if prefix, local, found := strings.Cut(name, ":"); found && prefix == s.cfg.Service.NamespacePrefix {
			l, ok = s.tree.byName[local]
		}
	}
	if !ok {
		return nil, ows.Errorf(codeLayerNotDefined, locator, "layer %q is not defined; capabilities list the layers", name)
	}
	if !s.layerVisible(r, l) {
		return nil, s.accessError(r, l, locator)
	}
	return l, nil
}

// accessError returns the decision that hides a layer, from its first feature layer.
func (s *Service) accessError(r *http.Request, l *Layer, locator string) error {
	for _, leaf := range l.leaves() {
		for _, src := range leaf.Sources {
			err := s.access(r, src.Layer.Name)
			var e *ows.Exception
			if errors.As(err, &e) {
				c := *e
				c.Locator = locator
				return &c
			}
			if err != nil {
				return err
			}
		}
	}
	return ows.Errorf(codeLayerNotDefined, locator, "layer %q is not defined; capabilities list the layers", l.Name)
}

// layerVisible reports whether a layer is shown to the request's client: a leaf when
// the client may read one of its feature layers, a group when one of its children is
// shown.
func (s *Service) layerVisible(r *http.Request, l *Layer) bool {
	if l.isGroup() {
		for _, c := range l.Children {
			if s.layerVisible(r, c) {
				return true
			}
		}
		return false
	}
	for _, src := range l.Sources {
		if s.canSee(r, src.Layer.Name) {
			return true
		}
	}
	return false
}
