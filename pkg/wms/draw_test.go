package wms_test

import (
	"image/color"
	"testing"
)

// The three fixture points lie 100 m apart on one row, in key order ELEC, COM, GAZ.
// Drawn as 140 px circles on a map of 1 m per pixel, each overlaps the next by 40 px.
// The fill is a Recode of the category, so that one symbolizer paints red, blue, then
// red again. The label makes the rows come in key order. Drawn point by point, each
// circle covers the one before it, whatever its colour. Drawn paint by paint, one colour
// would cover the other in both overlaps.
func TestGetMap_MarksInFeatureOrder(t *testing.T) {
	srv := startServer(t)
	sld := `<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc">
  <NamedLayer><Name>test_points</Name><UserStyle><Name>overlap</Name><FeatureTypeStyle><Rule>
    <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName>
      <Fill><CssParameter name="fill"><ogc:Function name="Recode">
        <ogc:PropertyName>network_category</ogc:PropertyName>
        <ogc:Literal>ELEC</ogc:Literal><ogc:Literal>#FF0000</ogc:Literal>
        <ogc:Literal>COM</ogc:Literal><ogc:Literal>#0000FF</ogc:Literal>
        <ogc:Literal>GAZ</ogc:Literal><ogc:Literal>#FF0000</ogc:Literal>
      </ogc:Function></CssParameter></Fill>
      <Stroke><CssParameter name="stroke">#000000</CssParameter><CssParameter name="stroke-width">4</CssParameter></Stroke>
    </Mark><Size>140</Size></Graphic></PointSymbolizer>
    <TextSymbolizer><Label><ogc:PropertyName>code</ogc:PropertyName></Label>
      <Font><CssParameter name="font-size">1</CssParameter></Font></TextSymbolizer>
  </Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>`
	// Points at x = 700100, 700200 and 700300, y = 6600030: pixel columns 50, 150 and
	// 250 of row 150.
	v := view{minX: 700050, minY: 6599880, maxX: 700350, maxY: 6600180, w: 300, h: 300}
	img := decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "test_points", "SLD_BODY": sld})))

	red, blue := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}
	cases := []struct {
		place string
		x     int
		want  color.NRGBA
	}{
		{"centre of the first point", 40, red},
		{"overlap of the first and second points", 100, blue},
		{"outline of the first point, inside the second", 120, blue},
		{"overlap of the second and third points", 200, red},
		{"outline of the second point, inside the third", 220, red},
	}
	for _, c := range cases {
		if got := nrgba(img, c.x, 150); !closeTo(got, c.want, 8) {
			t.Errorf("%s (column %d): %v, want %v", c.place, c.x, got, c.want)
		}
	}
}
