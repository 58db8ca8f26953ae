package style

import (
	"image/color"
	"os"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/filter"
)

func parseFile(t *testing.T, path string) []LayerStyles {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	layers, err := ParseSLD(f, nil)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return layers
}

func TestParseSLD_Version10(t *testing.T) {
	layers := parseFile(t, "testdata/sld10.sld")
	if len(layers) != 1 || layers[0].Layer != "duct" {
		t.Fatalf("layers = %+v, want one for duct", layers)
	}
	st := layers[0].Styles[0]
	if st.Name != "by_material" || st.Title != "Ducts by material" {
		t.Errorf("style name/title = %q/%q", st.Name, st.Title)
	}
	rules := st.FeatureTypeStyles[0].Rules
	if len(rules) != 2 {
		t.Fatalf("%d rules, want 2", len(rules))
	}
	pvc := rules[0]
	cmp, ok := pvc.Filter.(filter.Compare)
	if !ok || cmp.Property != "duct_type" || cmp.Literal != "PVC" || cmp.Op != filter.EqualTo {
		t.Errorf("filter = %#v", pvc.Filter)
	}
	if pvc.MaxScale != 50000 || !pvc.AppliesAt(49999) || pvc.AppliesAt(50000) {
		t.Errorf("MaxScale = %g; the rule must apply below 50000 only", pvc.MaxScale)
	}
	line := pvc.Symbolizers[0].(*LineSymbolizer)
	if line.Stroke.Color.Literal != "#FF8800" || line.Stroke.Width.Literal != "3" || line.Stroke.LineCap != "round" {
		t.Errorf("stroke = %+v", line.Stroke)
	}
	if len(line.Stroke.DashArray) != 2 || line.Stroke.DashArray[0] != 6 || line.Stroke.DashArray[1] != 3 {
		t.Errorf("dash array = %v, want [6 3]", line.Stroke.DashArray)
	}
	other := rules[1]
	if !other.ElseFilter || other.Filter != nil {
		t.Errorf("second rule: ElseFilter=%v Filter=%v", other.ElseFilter, other.Filter)
	}
	if op := other.Symbolizers[0].(*LineSymbolizer).Stroke.Opacity.Literal; op != "0.5" {
		t.Errorf("stroke-opacity = %q", op)
	}
	text := other.Symbolizers[1].(*TextSymbolizer)
	if text.Label.Property != "code" || !text.LinePlacement || !text.Font.Bold || text.Font.Size.Literal != "9" {
		t.Errorf("text symbolizer = %+v", text)
	}
	if text.Halo == nil || text.Halo.Radius.Literal != "2" {
		t.Errorf("halo = %+v", text.Halo)
	}
	if got := strings.Join(st.Properties(), ","); got != "code" {
		t.Errorf("properties = %q, want code", got)
	}
}

func TestParseSLD_SE11Recode(t *testing.T) {
	layers := parseFile(t, "testdata/se11.sld")
	ls := layers[0]
	if ls.Layer != "technical_point" || ls.Default != 0 {
		t.Fatalf("layer %q default %d", ls.Layer, ls.Default)
	}
	st := ls.Styles[0]
	if st.Title != "Points by kind" {
		t.Errorf("title from se:Description = %q", st.Title)
	}
	r := st.FeatureTypeStyles[0].Rules[0]
	if r.Title != "Poles" || r.MinScale != 100 {
		t.Errorf("rule title %q, MinScale %g", r.Title, r.MinScale)
	}
	and, ok := r.Filter.(filter.And)
	if !ok || len(and.Children) != 2 {
		t.Fatalf("filter = %#v, want an And of two", r.Filter)
	}
	if _, ok := and.Children[1].(filter.Not); !ok {
		t.Errorf("second operand = %#v, want Not", and.Children[1])
	}
	ps := r.Symbolizers[0].(*PointSymbolizer)
	if ps.Graphic.Mark.WellKnownName != "circle" || ps.Graphic.Size.Literal != "10" {
		t.Errorf("graphic = %+v", ps.Graphic)
	}
	fill := ps.Graphic.Mark.Fill.Color
	for value, want := range map[string]string{"ELEC": "#FF0000", "COM": "#00FF00", "GAZ": "#828282"} {
		got := fill.Eval(func(p string) (string, bool) { return value, p == "network_category" })
		if got != want {
			t.Errorf("Recode(%s) = %s, want %s", value, got, want)
		}
	}
	if got := fill.Eval(func(string) (string, bool) { return "", false }); got != "#828282" {
		t.Errorf("Recode of NULL = %s, want the fallback", got)
	}
}

func TestParseSLD_RejectsWhatCannotBeDrawn(t *testing.T) {
	wrap := func(symbolizer string) string {
		return `<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld"><NamedLayer><Name>duct</Name><UserStyle><Name>s</Name><FeatureTypeStyle><Rule>` +
			symbolizer + `</Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>`
	}
	cases := map[string]string{
		"ExternalGraphic":    `<PointSymbolizer><Graphic><ExternalGraphic/></Graphic></PointSymbolizer>`,
		"RasterSymbolizer":   `<RasterSymbolizer/>`,
		"unit of measure":    `<LineSymbolizer uom="http://www.opengeospatial.org/se/units/metre"><Stroke/></LineSymbolizer>`,
		"GraphicFill":        `<PolygonSymbolizer><Fill><GraphicFill/></Fill></PolygonSymbolizer>`,
		"PerpendicularOffs":  `<LineSymbolizer><Stroke/><PerpendicularOffset>3</PerpendicularOffset></LineSymbolizer>`,
		"WellKnownName":      `<PointSymbolizer><Graphic><Mark><WellKnownName>shape://vertline</WellKnownName></Mark></Graphic></PointSymbolizer>`,
		"not a non-negative": `<MinScaleDenominator>-5</MinScaleDenominator>`,
	}
	for want, sym := range cases {
		_, err := ParseSLD(strings.NewReader(wrap(sym)), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want one mentioning %q", sym, err, want)
		}
	}
}

func testModel() Model {
	return Model{
		Categories: []Category{{Code: "ELEC", Label: "Électricité", Colour: "#FF0000"}, {Code: "GAZ", Label: "Gaz", Colour: "#FFFF00"}},
		PointKinds: []Code{{Code: "chamber", Label: "Chambre"}, {Code: "pole", Label: "Appui"}},
	}
}

func has(cols ...string) func(string) bool {
	return func(c string) bool {
		for _, x := range cols {
			if x == c {
				return true
			}
		}
		return false
	}
}

func TestDefault_NetworkLines(t *testing.T) {
	st := Default(LayerShape{GeometryType: "LineString", Has: has(ColumnCategory, ColumnStatus, ColumnPrecision)}, testModel())
	rules := st.FeatureTypeStyles[0].Rules
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ","); got != "abandoned,uncertain,network" {
		t.Fatalf("rules = %s", got)
	}
	colour := func(r Rule, category string) string {
		ls := r.Symbolizers[len(r.Symbolizers)-1].(*LineSymbolizer)
		return ls.Stroke.Color.Eval(func(string) (string, bool) { return category, true })
	}
	if got := colour(rules[2], "ELEC"); got != "#FF0000" {
		t.Errorf("ELEC colour = %s", got)
	}
	if got := colour(rules[2], "UNKNOWN"); got != "#828282" {
		t.Errorf("unknown category colour = %s, want the grey of undefined networks", got)
	}
	dashed := rules[1].Symbolizers[1].(*LineSymbolizer)
	if len(dashed.Stroke.DashArray) == 0 {
		t.Error("projected or class C lines are not dashed")
	}
	if len(rules[2].Symbolizers[1].(*LineSymbolizer).Stroke.DashArray) != 0 {
		t.Error("lines in place are dashed")
	}
	casing := rules[2].Symbolizers[0].(*LineSymbolizer)
	for category, want := range map[string]string{"GAZ": "1", "ELEC": "0"} {
		got := casing.Stroke.Opacity.Eval(func(string) (string, bool) { return category, true })
		if got != want {
			t.Errorf("casing opacity of %s = %s, want %s (only light colours get a dark casing)", category, got, want)
		}
	}
	if w := rules[0].Symbolizers[0].(*LineSymbolizer).Stroke; w.Width.Literal != "1" || w.Color.Literal != abandonedColour {
		t.Errorf("abandoned stroke = %+v, want thin grey", w)
	}
}

func TestDefault_TechnicalPoints(t *testing.T) {
	st := Default(LayerShape{GeometryType: "Point", Has: has(ColumnCategory, ColumnPointKind, ColumnStatus, ColumnCode)}, testModel())
	shapes := map[string]string{}
	for _, r := range st.FeatureTypeStyles[0].Rules {
		for _, sym := range r.Symbolizers {
			if ps, ok := sym.(*PointSymbolizer); ok {
				shapes[r.Name] = ps.Graphic.Mark.WellKnownName
			}
		}
	}
	for kind, want := range map[string]string{"chamber": "square", "pole": "circle", "unlisted": "circle"} {
		if shapes[kind] != want {
			t.Errorf("%s is drawn as %q, want %q", kind, shapes[kind], want)
		}
	}
	lo, hi := st.ScaleRange()
	if lo != 0 || hi != pointMaxScale {
		t.Errorf("scale range = %g..%g, want 0..%d", lo, hi, pointMaxScale)
	}
}

func TestDefault_PlainLayer(t *testing.T) {
	st := Default(LayerShape{GeometryType: "Point"}, Model{})
	r := st.FeatureTypeStyles[0].Rules[0]
	if _, ok := r.Symbolizers[0].(*PointSymbolizer); !ok || r.Filter != nil {
		t.Errorf("plain point style = %+v", r)
	}
}

func TestParseColor(t *testing.T) {
	cases := map[string]color.NRGBA{
		"#FF8800":   {255, 136, 0, 255},
		"0x336699":  {0x33, 0x66, 0x99, 255},
		"#abc":      {0xaa, 0xbb, 0xcc, 255},
		"#11223344": {0x11, 0x22, 0x33, 0x44},
	}
	for in, want := range cases {
		got, err := ParseColor(in)
		if err != nil || got != want {
			t.Errorf("ParseColor(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"red", "#12", "#GGGGGG", ""} {
		if _, err := ParseColor(bad); err == nil {
			t.Errorf("ParseColor(%q) accepted", bad)
		}
	}
}
