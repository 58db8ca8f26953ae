package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

func testRegistry() *crs.Registry {
	return crs.NewRegistry(func(srid int) (crs.Info, bool, error) {
		switch srid {
		case 4326:
			return crs.Info{SRID: 4326, NorthingFirst: true, Geographic: true}, true, nil
		case 2154:
			return crs.Info{SRID: 2154}, true, nil
		}
		return crs.Info{}, false, nil
	})
}

func parseXMLString(t *testing.T, doc string) (Node, error) {
	t.Helper()
	e, err := ows.ParseXML(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return ParseXML(e, CRSResolver(testRegistry(), 2154, false))
}

const (
	fes = `xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"`
	ogc = `xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml"`
)

func point(srid int, x, y float64) geom.Geometry {
	return geom.Geometry{Type: geom.Point, SRID: srid, Coords: []float64{x, y}}
}

func TestParseXML_Trees(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		doc  string
		want Node
	}{
		{"literal first flips the operator", `<fes:Filter ` + fes + `><fes:PropertyIsLessThan><fes:Literal>5</fes:Literal><fes:ValueReference>n</fes:ValueReference></fes:PropertyIsLessThan></fes:Filter>`,
			Compare{Op: GreaterThan, Property: "n", Literal: "5", MatchCase: true}},
		{"matchCase false", `<fes:Filter ` + fes + `><fes:PropertyIsEqualTo matchCase="false"><fes:ValueReference>n</fes:ValueReference><fes:Literal>A</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`,
			Compare{Op: EqualTo, Property: "n", Literal: "A", MatchCase: false}},
		{"function operand", `<fes:Filter ` + fes + `><fes:PropertyIsEqualTo><fes:Function name="lower"><fes:ValueReference>n</fes:ValueReference></fes:Function><fes:Literal>a</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`,
			CompareExpr{Op: EqualTo, Left: Function{Name: "lower", Args: []Expr{Property{"n"}}}, Right: Literal{"a"}, MatchCase: true}},
		{"Filter 1.1 arithmetic", `<ogc:Filter ` + ogc + `><ogc:PropertyIsGreaterThan><ogc:Add><ogc:PropertyName>a</ogc:PropertyName><ogc:Literal>1</ogc:Literal></ogc:Add><ogc:Literal>3</ogc:Literal></ogc:PropertyIsGreaterThan></ogc:Filter>`,
			CompareExpr{Op: GreaterThan, Left: Arithmetic{Op: Add, Left: Property{"a"}, Right: Literal{"1"}}, Right: Literal{"3"}, MatchCase: true}},
		{"between literals", `<fes:Filter ` + fes + `><fes:PropertyIsBetween><fes:ValueReference>n</fes:ValueReference><fes:LowerBoundary><fes:Literal>1</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>2</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween></fes:Filter>`,
			Between{Property: "n", Lower: "1", Upper: "2"}},
		{"nil", `<fes:Filter ` + fes + `><fes:PropertyIsNil><fes:ValueReference>n</fes:ValueReference></fes:PropertyIsNil></fes:Filter>`,
			IsNull{Property: "n"}},
		{"nested identifiers", `<fes:Filter ` + fes + `><fes:Or><fes:ResourceId rid="duct.1"/><fes:ResourceId rid="duct.2"/><fes:PropertyIsNull><fes:ValueReference>n</fes:ValueReference></fes:PropertyIsNull></fes:Or></fes:Filter>`,
			nil},
		{"intersects point latitude first", `<fes:Filter ` + fes + `><fes:Intersects><fes:ValueReference>geom</fes:ValueReference><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>48 2</gml:pos></gml:Point></fes:Intersects></fes:Filter>`,
			Spatial{Op: Intersects, Property: "geom", Geometry: point(4326, 2, 48)}},
		{"within without property", `<fes:Filter ` + fes + `><fes:Within><gml:Point><gml:pos>1 2</gml:pos></gml:Point></fes:Within></fes:Filter>`,
			Spatial{Op: Within, Geometry: point(2154, 1, 2)}},
		{"dwithin km", `<fes:Filter ` + fes + `><fes:DWithin><fes:ValueReference>geom</fes:ValueReference><gml:Point><gml:pos>1 2</gml:pos></gml:Point><fes:Distance uom="km">1.5</fes:Distance></fes:DWithin></fes:Filter>`,
			Distance{Property: "geom", Geometry: point(2154, 1, 2), Value: 1500, Unit: UnitMetre}},
		{"beyond EPSG uom", `<ogc:Filter ` + ogc + `><ogc:Beyond><ogc:PropertyName>geom</ogc:PropertyName><gml:Point><gml:coordinates>1,2</gml:coordinates></gml:Point><ogc:Distance units="urn:ogc:def:uom:EPSG::9001">10</ogc:Distance></ogc:Beyond></ogc:Filter>`,
			Distance{Beyond: true, Property: "geom", Geometry: point(2154, 1, 2), Value: 10, Unit: UnitMetre}},
		{"after instant", `<fes:Filter ` + fes + `><fes:After><fes:ValueReference>d</fes:ValueReference><gml:TimeInstant gml:id="t1"><gml:timePosition>2024-05-01</gml:timePosition></gml:TimeInstant></fes:After></fes:Filter>`,
			Temporal{Op: After, Property: "d", Begin: day}},
		{"during period", `<fes:Filter ` + fes + `><fes:During><fes:ValueReference>d</fes:ValueReference><gml:TimePeriod gml:id="p"><gml:beginPosition>2024-05-01</gml:beginPosition><gml:endPosition>2024-05-02T00:00:00Z</gml:endPosition></gml:TimePeriod></fes:During></fes:Filter>`,
			Temporal{Op: During, Property: "d", Begin: day, End: day.AddDate(0, 0, 1), Period: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseXMLString(t, c.doc)
			if err != nil {
				t.Fatalf("ParseXML: %v", err)
			}
			if c.want == nil {
				or, ok := got.(Or)
				if !ok || len(or.Children) != 2 {
					t.Fatalf("ParseXML = %#v, want an Or of the identifiers and the IsNull", got)
				}
				if ids, ok := or.Children[0].(ResourceID); !ok || !reflect.DeepEqual(ids.IDs, []string{"duct.1", "duct.2"}) {
					t.Errorf("first operand = %#v, want ResourceID duct.1, duct.2", or.Children[0])
				}
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseXML =\n %#v\nwant\n %#v", got, c.want)
			}
		})
	}
}

func TestParseXML_Rejects(t *testing.T) {
	cases := []struct{ name, doc, text string }{
		{"unknown operator", `<fes:Filter ` + fes + `><fes:PropertyIsSimilar><fes:ValueReference>n</fes:ValueReference></fes:PropertyIsSimilar></fes:Filter>`, "not supported"},
		{"unknown function", `<fes:Filter ` + fes + `><fes:PropertyIsEqualTo><fes:Function name="pg_sleep"><fes:Literal>1</fes:Literal></fes:Function><fes:Literal>a</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`, "function \"pg_sleep\" is not supported"},
		{"arithmetic in FES 2.0", `<fes:Filter ` + fes + `><fes:PropertyIsEqualTo><fes:Add><fes:Literal>1</fes:Literal><fes:Literal>1</fes:Literal></fes:Add><fes:Literal>2</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`, "not part of FES 2.0"},
		{"temporal in Filter 1.1", `<ogc:Filter ` + ogc + `><ogc:After><ogc:PropertyName>d</ogc:PropertyName><ogc:Literal>2024-01-01</ogc:Literal></ogc:After></ogc:Filter>`, "not part of Filter 1.x"},
		{"period operator", `<fes:Filter ` + fes + `><fes:Meets><fes:ValueReference>d</fes:ValueReference><fes:Literal>2024-01-01</fes:Literal></fes:Meets></fes:Filter>`, "relates two periods"},
		{"during instant", `<fes:Filter ` + fes + `><fes:During><fes:ValueReference>d</fes:ValueReference><fes:Literal>2024-01-01</fes:Literal></fes:During></fes:Filter>`, "needs a time period"},
		{"bad unit", `<fes:Filter ` + fes + `><fes:DWithin><gml:Point><gml:pos>1 2</gml:pos></gml:Point><fes:Distance uom="furlong">1</fes:Distance></fes:DWithin></fes:Filter>`, "unit of measure"},
		{"negative distance", `<fes:Filter ` + fes + `><fes:DWithin><gml:Point><gml:pos>1 2</gml:pos></gml:Point><fes:Distance uom="m">-1</fes:Distance></fes:DWithin></fes:Filter>`, "non-negative"},
		{"spatial without geometry", `<fes:Filter ` + fes + `><fes:Intersects><fes:ValueReference>geom</fes:ValueReference></fes:Intersects></fes:Filter>`, "needs a GML geometry"},
		{"comparison with one operand", `<fes:Filter ` + fes + `><fes:PropertyIsEqualTo><fes:ValueReference>n</fes:ValueReference></fes:PropertyIsEqualTo></fes:Filter>`, "two operands"},
		{"foreign namespace", `<fes:Filter ` + fes + ` xmlns:x="urn:x"><x:PropertyIsEqualTo/></fes:Filter>`, "is not a filter operator"},
		{"two operators", `<fes:Filter ` + fes + `><fes:PropertyIsNull><fes:ValueReference>a</fes:ValueReference></fes:PropertyIsNull><fes:PropertyIsNull><fes:ValueReference>b</fes:ValueReference></fes:PropertyIsNull></fes:Filter>`, "one operator"},
		{"empty", `<fes:Filter ` + fes + `/>`, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseXMLString(t, c.doc)
			var e *ows.Exception
			if !errors.As(err, &e) {
				t.Fatalf("ParseXML error = %v, want an exception", err)
			}
			if e.Code != ows.InvalidParameterValue {
				t.Errorf("code = %s, want InvalidParameterValue", e.Code)
			}
			if !strings.Contains(e.Text, c.text) {
				t.Errorf("text = %q, want it to mention %q", e.Text, c.text)
			}
		})
	}
}

func TestParseCQL_Trees(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	opts := CQLOptions{SRID: 2154, CRS: CRSResolver(testRegistry(), 2154, false)}
	cases := []struct {
		text string
		want Node
	}{
		{"code = 'A'", Compare{Op: EqualTo, Property: "code", Literal: "A", MatchCase: true}},
		{"5 < n", Compare{Op: GreaterThan, Property: "n", Literal: "5", MatchCase: true}},
		{"n <> -2.5", Compare{Op: NotEqualTo, Property: "n", Literal: "-2.5", MatchCase: true}},
		{`"nom voie" = 'Câble Été'`, Compare{Op: EqualTo, Property: "nom voie", Literal: "Câble Été", MatchCase: true}},
		{"name = 'it''s'", Compare{Op: EqualTo, Property: "name", Literal: "it's", MatchCase: true}},
		{"a = 1 AND (b = 2 OR NOT c IS NULL)", And{Children: []Node{
			Compare{Op: EqualTo, Property: "a", Literal: "1", MatchCase: true},
			Or{Children: []Node{Compare{Op: EqualTo, Property: "b", Literal: "2", MatchCase: true}, Not{Child: IsNull{Property: "c"}}}},
		}}},
		{"c IS NOT NULL", Not{Child: IsNull{Property: "c"}}},
		{"code LIKE 'DN\\_5%'", Like{Property: "code", Pattern: `DN\_5%`, WildCard: "%", SingleChar: "_", EscapeChar: `\`, MatchCase: true}},
		{"code ILIKE 'dn%'", Like{Property: "code", Pattern: "dn%", WildCard: "%", SingleChar: "_", EscapeChar: `\`, MatchCase: false}},
		{"code NOT LIKE 'x%'", Not{Child: Like{Property: "code", Pattern: "x%", WildCard: "%", SingleChar: "_", EscapeChar: `\`, MatchCase: true}}},
		{"n BETWEEN 1 AND 5", Between{Property: "n", Lower: "1", Upper: "5"}},
		{"c IN ('a', 'b')", Or{Children: []Node{Compare{Op: EqualTo, Property: "c", Literal: "a", MatchCase: true}, Compare{Op: EqualTo, Property: "c", Literal: "b", MatchCase: true}}}},
		{"IN ('duct.1', 'duct.2')", ResourceID{IDs: []string{"duct.1", "duct.2"}}},
		{"strLength(code) > 3", CompareExpr{Op: GreaterThan, Left: Function{Name: "strLength", Args: []Expr{Property{"code"}}}, Right: Literal{"3"}, MatchCase: true}},
		{"a + 2 * b >= 10", CompareExpr{Op: GreaterThanOrEqualTo, Left: Arithmetic{Op: Add, Left: Property{"a"}, Right: Arithmetic{Op: Mul, Left: Literal{"2"}, Right: Property{"b"}}}, Right: Literal{"10"}, MatchCase: true}},
		{"(a + 2) * b = 1", CompareExpr{Op: EqualTo, Left: Arithmetic{Op: Mul, Left: Arithmetic{Op: Add, Left: Property{"a"}, Right: Literal{"2"}}, Right: Property{"b"}}, Right: Literal{"1"}, MatchCase: true}},
		{"S_INTERSECTS(geom, POINT(1 2))", Spatial{Op: Intersects, Property: "geom", Geometry: point(2154, 1, 2)}},
		{"S_WITHIN(POINT(1 2), geom)", Spatial{Op: Contains, Property: "geom", Geometry: point(2154, 1, 2)}},
		{"INTERSECTS(geom, SRID=4326;POINT(2 48))", Spatial{Op: Intersects, Property: "geom", Geometry: point(4326, 2, 48)}},
		{"BBOX(geom, 1, 2, 3, 4)", BBox{Property: "geom", MinX: 1, MinY: 2, MaxX: 3, MaxY: 4, SRID: 2154}},
		{"BBOX(geom, 48, 2, 49, 3, 'urn:ogc:def:crs:EPSG::4326')", BBox{Property: "geom", MinX: 2, MinY: 48, MaxX: 3, MaxY: 49, SRID: 4326}},
		{"DWITHIN(geom, POINT(1 2), 50, meters)", Distance{Property: "geom", Geometry: point(2154, 1, 2), Value: 50, Unit: UnitMetre}},
		{"BEYOND(geom, POINT(1 2), 2, kilometers)", Distance{Beyond: true, Property: "geom", Geometry: point(2154, 1, 2), Value: 2000, Unit: UnitMetre}},
		{"T_AFTER(d, DATE('2024-05-01'))", Temporal{Op: After, Property: "d", Begin: day}},
		{"T_DURING(d, INTERVAL('2024-05-01', '2024-05-02'))", Temporal{Op: During, Property: "d", Begin: day, End: day.AddDate(0, 0, 1), Period: true}},
		{"d AFTER 2024-05-01T00:00:00Z", Temporal{Op: After, Property: "d", Begin: day}},
		{"d DURING 2024-05-01/2024-05-02", Temporal{Op: During, Property: "d", Begin: day, End: day.AddDate(0, 0, 1), Period: true}},
		{"INCLUDE", Include{}},
		{"TRUE", Include{}},
		{"flag = TRUE", Compare{Op: EqualTo, Property: "flag", Literal: "true", MatchCase: true}},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			got, err := ParseCQL(c.text, opts)
			if err != nil {
				t.Fatalf("ParseCQL: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseCQL =\n %#v\nwant\n %#v", got, c.want)
			}
		})
	}
}

func TestParseCQL_Rejects(t *testing.T) {
	opts := CQLOptions{SRID: 2154}
	cases := []struct{ text, msg string }{
		{"", "ends too early"},
		{"code =", "ends too early"},
		{"code = 'A", "not closed"},
		{"code", "not a condition"},
		{"a = 1 b = 2", "unexpected"},
		{"pg_sleep(10) = 1", "not supported"},
		{"a = 1; DROP TABLE x", "unexpected"},
		{"S_INTERSECTS(geom, POINT(1))", "expected a coordinate"},
		{"S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 1)))", "not closed"},
		{"DWITHIN(geom, POINT(1 2), 5, furlongs)", "unit of measure"},
		{"T_DURING(d, DATE('2024-01-01'))", "needs a time period"},
		{strings.Repeat("(", 200) + "a = 1" + strings.Repeat(")", 200), "nested deeper"},
		{"a = 1 AND", "ends too early"},
		{"a @ 1", "unexpected character"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			_, err := ParseCQL(c.text, opts)
			var e *ows.Exception
			if !errors.As(err, &e) {
				t.Fatalf("ParseCQL error = %v, want an exception", err)
			}
			if e.Code != ows.InvalidParameterValue {
				t.Errorf("code = %s, want InvalidParameterValue", e.Code)
			}
			if !strings.Contains(e.Text, c.msg) {
				t.Errorf("text = %q, want it to mention %q", e.Text, c.msg)
			}
		})
	}
}

func TestParseWKT_Types(t *testing.T) {
	for _, text := range []string{
		"POINT (1 2)", "POINT Z (1 2 3)", "LINESTRING (0 0,1 1)", "POLYGON ((0 0,1 0,1 1,0 0))",
		"MULTIPOINT ((0 0),(1 1))", "MULTILINESTRING ((0 0,1 1),(2 2,3 3))",
		"MULTIPOLYGON (((0 0,1 0,1 1,0 0)))", "GEOMETRYCOLLECTION (POINT (0 0),LINESTRING (0 0,1 1))",
	} {
		g, err := ParseWKT(text, 2154)
		if err != nil {
			t.Errorf("ParseWKT(%s): %v", text, err)
			continue
		}
		if got := g.String(); got != "SRID=2154;"+text {
			t.Errorf("ParseWKT(%s) = %s", text, got)
		}
	}
	g, err := ParseWKT("MULTIPOINT (0 0, -1 1)", 2154)
	if err != nil || g.String() != "SRID=2154;MULTIPOINT ((0 0),(-1 1))" {
		t.Errorf("ParseWKT of bare MULTIPOINT members = %s, %v", g.String(), err)
	}
}
