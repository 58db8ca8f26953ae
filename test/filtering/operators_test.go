package filtering

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// opCase is one operator: its filter in each language that has a form for it, and the
// SQL condition that selects the same rows. An empty form means the language has none.
type opCase struct {
	name     string
	layer    string
	table    string
	fes      string // FES 2.0 body with the placeholders of fes20
	filter11 string // Filter 1.1 body; "same" reuses fes
	cql      string
	sql      string
	args     []any
	// someRows requires the SQL to select at least one row and not every row, so that
	// the comparison means something.
	someRows bool
}

// fixtures are geometries and values taken from the demo data, so that every spatial
// operator has features to select.
type fixtures struct {
	line               string // posList of network section 1, Lambert-93
	startX, startY     float64
	vertexX, vertexY   float64 // an interior vertex of section 1
	crossWKT, crossPos string  // a line crossing section 1 at its middle
	overlapPos         string  // a line sharing half of section 1 and leaving it
	midX, midY         float64
	midLon, midLat     float64 // the middle point in EPSG:4326
	towerLon, towerLat float64
}

func loadFixtures(t *testing.T, e *env) fixtures {
	t.Helper()
	var f fixtures
	ctx := context.Background()
	err := e.pool.QueryRow(ctx, `
		SELECT trim(both from replace(replace(replace(ST_AsText(geom), 'LINESTRING(', ''), ')', ''), ',', ' ')),
		       ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)),
		       ST_X(ST_PointN(geom, 2)), ST_Y(ST_PointN(geom, 2)),
		       ST_X(ST_LineInterpolatePoint(geom, 0.3)), ST_Y(ST_LineInterpolatePoint(geom, 0.3))
		  FROM netdata.network_link WHERE ST_NPoints(geom) >= 3 ORDER BY id LIMIT 1`).
		Scan(&f.line, &f.startX, &f.startY, &f.vertexX, &f.vertexY, &f.midX, &f.midY)
	if err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	f.crossPos = fmt.Sprintf("%v %v %v %v", f.midX-20, f.midY+20, f.midX+20, f.midY-20)
	f.crossWKT = fmt.Sprintf("LINESTRING(%v %v, %v %v)", f.midX-20, f.midY+20, f.midX+20, f.midY-20)
	// The first two vertices of the line, then a point off it: the new line shares the
	// first segment and leaves it.
	fields := strings.Fields(f.line)
	f.overlapPos = strings.Join(fields[:4], " ") + fmt.Sprintf(" %v %v", f.vertexX+30, f.vertexY+200)
	err = e.pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 2154), 4326) AS p`, f.midX, f.midY).
		Scan(&f.midLon, &f.midLat)
	if err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom) FROM osm.power_tower ORDER BY id LIMIT 1`).Scan(&f.towerLon, &f.towerLat); err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	return f
}

func operatorCases(f fixtures) []opCase {
	nl, nlT := "network_link", "netdata.network_link"
	pw, pwT := "planned_works", "netdata.planned_works"
	line := fmt.Sprintf("LINESTRING(%s)", wktPairs(f.line))
	box := fmt.Sprintf("%v %v %v %v", f.midX-3000, f.midY-3000, f.midX+3000, f.midY+3000)
	boxSQL := fmt.Sprintf("ST_MakeEnvelope(%v, %v, %v, %v, 2154)", f.midX-3000, f.midY-3000, f.midX+3000, f.midY+3000)
	gmlBox := `<gml:Envelope srsName="urn:ogc:def:crs:EPSG::2154"><gml:lowerCorner>` + strings.Join(strings.Fields(box)[:2], " ") +
		`</gml:lowerCorner><gml:upperCorner>` + strings.Join(strings.Fields(box)[2:], " ") + `</gml:upperCorner></gml:Envelope>`
	polygon := fmt.Sprintf(`<gml:Polygon srsName="urn:ogc:def:crs:EPSG::2154"><gml:exterior><gml:LinearRing><gml:posList>%v %v %v %v %v %v %v %v %v %v</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`,
		f.midX-3000, f.midY-3000, f.midX+3000, f.midY-3000, f.midX+3000, f.midY+3000, f.midX-3000, f.midY+3000, f.midX-3000, f.midY-3000)
	polygonWKT := fmt.Sprintf("POLYGON((%v %v, %v %v, %v %v, %v %v, %v %v))",
		f.midX-3000, f.midY-3000, f.midX+3000, f.midY-3000, f.midX+3000, f.midY+3000, f.midX-3000, f.midY+3000, f.midX-3000, f.midY-3000)
	pointGML := func(x, y float64) string {
		return fmt.Sprintf(`<gml:Point srsName="urn:ogc:def:crs:EPSG::2154"><gml:pos>%v %v</gml:pos></gml:Point>`, x, y)
	}
	lineGML := func(pos string) string {
		return `<gml:LineString srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList>` + pos + `</gml:posList></gml:LineString>`
	}
	g := func(wkt string) string { return "ST_GeomFromText('" + wkt + "', 2154)" }
	spatial := func(op, gmlGeom, cqlGeom, sqlFn, sqlGeom string) opCase {
		return opCase{name: op, layer: nl, table: nlT,
			fes:      `<P:` + op + `><VR>geom</VR>` + gmlGeom + `</P:` + op + `>`,
			filter11: "same",
			cql:      "S_" + strings.ToUpper(op) + "(geom, " + cqlGeom + ")",
			sql:      sqlFn + "(geom, " + sqlGeom + ")", someRows: true}
	}
	cmp := func(name, op, prop, lit, cqlOp, sqlOp string) opCase {
		return opCase{name: name, layer: nl, table: nlT,
			fes:      `<P:` + op + `><VR>` + prop + `</VR><P:Literal>` + strings.Trim(lit, "'") + `</P:Literal></P:` + op + `>`,
			filter11: "same", cql: prop + " " + cqlOp + " " + lit,
			sql: prop + " " + sqlOp + " " + lit, someRows: true}
	}
	temporal := func(op, operand, cql, sql string) opCase {
		return opCase{name: op, layer: pw, table: pwT,
			fes: `<P:` + op + `><VR>planned_start</VR>` + operand + `</P:` + op + `>`,
			cql: cql, sql: sql, someRows: true}
	}
	instant := `<gml:TimeInstant gml:id="t1"><gml:timePosition>2026-01-01</gml:timePosition></gml:TimeInstant>`
	period := `<gml:TimePeriod gml:id="p1"><gml:beginPosition>2025-06-01</gml:beginPosition><gml:endPosition>2026-06-01</gml:endPosition></gml:TimePeriod>`
	fn := func(name, fes, cql, sql string) opCase {
		return opCase{name: name, layer: nl, table: nlT, fes: fes, filter11: "same", cql: cql, sql: sql, someRows: true}
	}
	arith := func(name, op, sqlOp string) opCase {
		return opCase{name: name, layer: nl, table: nlT,
			filter11: `<P:PropertyIsGreaterThan><P:` + op + `><VR>capacity</VR><P:Literal>4</P:Literal></P:` + op + `><P:Literal>60</P:Literal></P:PropertyIsGreaterThan>`,
			cql:      "capacity " + sqlOp + " 4 > 60",
			sql:      "capacity " + sqlOp + " 4 > 60", someRows: true}
	}

	return []opCase{
		cmp("PropertyIsEqualTo", "PropertyIsEqualTo", "network_category", "'ELEC'", "=", "="),
		cmp("PropertyIsNotEqualTo", "PropertyIsNotEqualTo", "network_category", "'ELEC'", "<>", "<>"),
		cmp("PropertyIsLessThan", "PropertyIsLessThan", "capacity", "96", "<", "<"),
		cmp("PropertyIsGreaterThan", "PropertyIsGreaterThan", "capacity", "96", ">", ">"),
		cmp("PropertyIsLessThanOrEqualTo", "PropertyIsLessThanOrEqualTo", "nominal_size_mm", "100", "<=", "<="),
		cmp("PropertyIsGreaterThanOrEqualTo", "PropertyIsGreaterThanOrEqualTo", "nominal_size_mm", "100", ">=", ">="),
		{name: "literal quotes", layer: nl, table: nlT,
			fes: `<P:PropertyIsEqualTo><VR>network_category</VR><P:Literal>ELEC</P:Literal></P:PropertyIsEqualTo>`, filter11: "same",
			cql: "network_category = 'ELEC'", sql: "network_category = 'ELEC'", someRows: true},
		{name: "matchCase false", layer: nl, table: nlT,
			fes: `<P:PropertyIsEqualTo matchCase="false"><VR>network_category</VR><P:Literal>elec</P:Literal></P:PropertyIsEqualTo>`, filter11: "same",
			cql: "CASEI(network_category) = CASEI('elec')", sql: "lower(network_category) = 'elec'", someRows: true},
		{name: "matchCase true", layer: nl, table: nlT,
			fes: `<P:PropertyIsEqualTo matchCase="true"><VR>network_category</VR><P:Literal>elec</P:Literal></P:PropertyIsEqualTo>`, filter11: "same",
			cql: "network_category = 'elec'", sql: "network_category = 'elec'"},
		{name: "PropertyIsLike", layer: nl, table: nlT,
			fes: `<P:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><VR>code</VR><P:Literal>TR-ELEC.*</P:Literal></P:PropertyIsLike>`, filter11: "same",
			cql: "code LIKE 'TR-ELEC_%'", sql: "code LIKE 'TR-ELEC_%'", someRows: true},
		{name: "PropertyIsLike matchCase false", layer: nl, table: nlT,
			fes: `<P:PropertyIsLike wildCard="*" singleChar="." escapeChar="!" matchCase="false"><VR>code</VR><P:Literal>tr-gaz*</P:Literal></P:PropertyIsLike>`, filter11: "same",
			cql: "code ILIKE 'tr-gaz%'", sql: "code ILIKE 'tr-gaz%'", someRows: true},
		{name: "PropertyIsNull", layer: nl, table: nlT,
			fes: `<P:PropertyIsNull><VR>project_phase</VR></P:PropertyIsNull>`, filter11: "same",
			cql: "project_phase IS NULL", sql: "project_phase IS NULL", someRows: true},
		{name: "PropertyIsNil", layer: nl, table: nlT,
			fes: `<P:PropertyIsNil><VR>capacity</VR></P:PropertyIsNil>`,
			cql: "capacity IS NULL", sql: "capacity IS NULL", someRows: true},
		{name: "PropertyIsBetween", layer: nl, table: nlT,
			fes: `<P:PropertyIsBetween><VR>capacity</VR><P:LowerBoundary><P:Literal>24</P:Literal></P:LowerBoundary><P:UpperBoundary><P:Literal>144</P:Literal></P:UpperBoundary></P:PropertyIsBetween>`, filter11: "same",
			cql: "capacity BETWEEN 24 AND 144", sql: "capacity BETWEEN 24 AND 144", someRows: true},
		{name: "PropertyIsBetween dates", layer: nl, table: nlT,
			fes: `<P:PropertyIsBetween><VR>built_on</VR><P:LowerBoundary><P:Literal>1990-01-01</P:Literal></P:LowerBoundary><P:UpperBoundary><P:Literal>2010-12-31</P:Literal></P:UpperBoundary></P:PropertyIsBetween>`, filter11: "same",
			cql: "built_on BETWEEN DATE('1990-01-01') AND DATE('2010-12-31')", sql: "built_on BETWEEN '1990-01-01' AND '2010-12-31'", someRows: true},
		{name: "And", layer: nl, table: nlT,
			fes: `<P:And><P:PropertyIsEqualTo><VR>network_category</VR><P:Literal>ELEC</P:Literal></P:PropertyIsEqualTo><P:PropertyIsNull><VR>project_phase</VR></P:PropertyIsNull></P:And>`, filter11: "same",
			cql: "network_category = 'ELEC' AND project_phase IS NULL", sql: "network_category = 'ELEC' AND project_phase IS NULL", someRows: true},
		{name: "Or", layer: nl, table: nlT,
			fes: `<P:Or><P:PropertyIsEqualTo><VR>network_category</VR><P:Literal>ELEC</P:Literal></P:PropertyIsEqualTo><P:PropertyIsEqualTo><VR>network_category</VR><P:Literal>GAZ</P:Literal></P:PropertyIsEqualTo></P:Or>`, filter11: "same",
			cql: "network_category = 'ELEC' OR network_category IN ('GAZ')", sql: "network_category IN ('ELEC', 'GAZ')", someRows: true},
		{name: "Not", layer: nl, table: nlT,
			fes: `<P:Not><P:PropertyIsEqualTo><VR>network_category</VR><P:Literal>ELEC</P:Literal></P:PropertyIsEqualTo></P:Not>`, filter11: "same",
			cql: "NOT network_category = 'ELEC'", sql: "NOT network_category = 'ELEC'", someRows: true},
		{name: "BBOX with property", layer: nl, table: nlT,
			fes: `<P:BBOX><VR>geom</VR>` + gmlBox + `</P:BBOX>`, filter11: "same",
			cql: "BBOX(geom, " + strings.ReplaceAll(box, " ", ", ") + ")", sql: "ST_Intersects(geom, " + boxSQL + ")", someRows: true},
		{name: "BBOX without property", layer: nl, table: nlT,
			fes: `<P:BBOX>` + gmlBox + `</P:BBOX>`, filter11: "same",
			sql: "ST_Intersects(geom, " + boxSQL + ")", someRows: true},
		spatial("Intersects", polygon, polygonWKT, "ST_Intersects", g(polygonWKT)),
		spatial("Within", polygon, polygonWKT, "ST_Within", g(polygonWKT)),
		spatial("Disjoint", polygon, polygonWKT, "ST_Disjoint", g(polygonWKT)),
		spatial("Equals", lineGML(f.line), line, "ST_Equals", g(line)),
		spatial("Touches", pointGML(f.startX, f.startY), fmt.Sprintf("POINT(%v %v)", f.startX, f.startY), "ST_Touches", g(fmt.Sprintf("POINT(%v %v)", f.startX, f.startY))),
		spatial("Contains", pointGML(f.vertexX, f.vertexY), fmt.Sprintf("POINT(%v %v)", f.vertexX, f.vertexY), "ST_Contains", g(fmt.Sprintf("POINT(%v %v)", f.vertexX, f.vertexY))),
		spatial("Crosses", lineGML(f.crossPos), f.crossWKT, "ST_Crosses", g(f.crossWKT)),
		spatial("Overlaps", lineGML(f.overlapPos), fmt.Sprintf("LINESTRING(%s)", wktPairs(f.overlapPos)), "ST_Overlaps", g(fmt.Sprintf("LINESTRING(%s)", wktPairs(f.overlapPos)))),
		{name: "Intersects in EPSG:4326 latitude first", layer: nl, table: nlT,
			fes: `<P:Intersects><VR>geom</VR>` + `<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing><gml:posList>` +
				latLonRing(f) + `</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></P:Intersects>`, filter11: "same",
			cql: "S_INTERSECTS(geom, SRID=4326;POLYGON((" + lonLatRing(f) + ")))",
			sql: "ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_GeomFromText('POLYGON((" + lonLatRing(f) + "))', 4326), 0.001), 2154))", someRows: true},
		{name: "DWithin metres", layer: nl, table: nlT,
			fes: `<P:DWithin><VR>geom</VR>` + pointGML(f.midX, f.midY) + `<P:Distance UOM="m">800</P:Distance></P:DWithin>`, filter11: "same",
			cql: fmt.Sprintf("DWITHIN(geom, POINT(%v %v), 800, meters)", f.midX, f.midY),
			sql: fmt.Sprintf("ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%v, %v), 2154), 800)", f.midX, f.midY), someRows: true},
		{name: "DWithin kilometres", layer: nl, table: nlT,
			fes: `<P:DWithin><VR>geom</VR>` + pointGML(f.midX, f.midY) + `<P:Distance UOM="km">0.8</P:Distance></P:DWithin>`, filter11: "same",
			cql: fmt.Sprintf("DWITHIN(geom, POINT(%v %v), 0.8, kilometers)", f.midX, f.midY),
			sql: fmt.Sprintf("ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%v, %v), 2154), 800)", f.midX, f.midY), someRows: true},
		{name: "Beyond metres", layer: nl, table: nlT,
			fes: `<P:Beyond><VR>geom</VR>` + pointGML(f.midX, f.midY) + `<P:Distance UOM="urn:ogc:def:uom:EPSG::9001">800</P:Distance></P:Beyond>`, filter11: "same",
			cql: fmt.Sprintf("BEYOND(geom, POINT(%v %v), 800, meters)", f.midX, f.midY),
			sql: fmt.Sprintf("NOT ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%v, %v), 2154), 800)", f.midX, f.midY), someRows: true},
		{name: "DWithin metres on a layer in degrees", layer: "osm_power_tower", table: "osm.power_tower",
			fes: fmt.Sprintf(`<P:DWithin><VR>geom</VR><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>%v %v</gml:pos></gml:Point><P:Distance UOM="m">3000</P:Distance></P:DWithin>`, f.towerLat, f.towerLon), filter11: "same",
			cql: fmt.Sprintf("DWITHIN(geom, POINT(%v %v), 3, kilometers)", f.towerLon, f.towerLat),
			sql: fmt.Sprintf("ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%v, %v), 4326)::geography, 3000)", f.towerLon, f.towerLat), someRows: true},
		{name: "Beyond metres on a layer in degrees", layer: "osm_power_tower", table: "osm.power_tower",
			fes: fmt.Sprintf(`<P:Beyond><VR>geom</VR><gml:Point srsName="EPSG:4326"><gml:pos>%v %v</gml:pos></gml:Point><P:Distance UOM="m">3000</P:Distance></P:Beyond>`, f.towerLon, f.towerLat), filter11: "same",
			cql: fmt.Sprintf("BEYOND(geom, POINT(%v %v), 3000, m)", f.towerLon, f.towerLat),
			sql: fmt.Sprintf("NOT ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%v, %v), 4326)::geography, 3000)", f.towerLon, f.towerLat), someRows: true},
		{name: "DWithin degrees on a layer in degrees", layer: "osm_power_tower", table: "osm.power_tower",
			fes: fmt.Sprintf(`<P:DWithin><VR>geom</VR><gml:Point srsName="EPSG:4326"><gml:pos>%v %v</gml:pos></gml:Point><P:Distance UOM="deg">0.05</P:Distance></P:DWithin>`, f.towerLon, f.towerLat), filter11: "same",
			cql: fmt.Sprintf("DWITHIN(geom, POINT(%v %v), 0.05, degrees)", f.towerLon, f.towerLat),
			sql: fmt.Sprintf("ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%v, %v), 4326), 0.05)", f.towerLon, f.towerLat), someRows: true},
		temporal("After", instant, "T_AFTER(planned_start, DATE('2026-01-01'))", "planned_start > '2026-01-01'"),
		temporal("Before", instant, "planned_start BEFORE 2026-01-01", "planned_start < '2026-01-01'"),
		temporal("TEquals", `<gml:TimeInstant gml:id="t1"><gml:timePosition>FIRSTDATE</gml:timePosition></gml:TimeInstant>`,
			"T_EQUALS(planned_start, DATE('FIRSTDATE'))", "planned_start = 'FIRSTDATE'"),
		temporal("During", period, "T_DURING(planned_start, INTERVAL('2025-06-01', '2026-06-01'))", "planned_start > '2025-06-01' AND planned_start < '2026-06-01'"),
		temporal("AnyInteracts", period, "T_INTERSECTS(planned_start, INTERVAL('2025-06-01', '2026-06-01'))", "planned_start BETWEEN '2025-06-01' AND '2026-06-01'"),
		temporal("Begins", `<gml:TimePeriod gml:id="p1"><gml:beginPosition>FIRSTDATE</gml:beginPosition><gml:endPosition>2030-01-01</gml:endPosition></gml:TimePeriod>`,
			"T_STARTS(planned_start, INTERVAL('FIRSTDATE', '2030-01-01'))", "planned_start = 'FIRSTDATE'"),
		temporal("Ends", `<gml:TimePeriod gml:id="p1"><gml:beginPosition>2000-01-01</gml:beginPosition><gml:endPosition>FIRSTDATE</gml:endPosition></gml:TimePeriod>`,
			"T_FINISHES(planned_start, INTERVAL('2000-01-01', 'FIRSTDATE'))", "planned_start = 'FIRSTDATE'"),
		{name: "After on a timestamp", layer: pw, table: pwT,
			fes: `<P:After><VR>published_at</VR><gml:TimeInstant gml:id="t1"><gml:timePosition>2026-01-01T12:00:00Z</gml:timePosition></gml:TimeInstant></P:After>`,
			cql: "T_AFTER(published_at, TIMESTAMP('2026-01-01T12:00:00Z'))", sql: "published_at > '2026-01-01T12:00:00Z'", someRows: true},
		fn("lower", `<P:PropertyIsEqualTo><P:Function name="lower"><VR>network_category</VR></P:Function><P:Literal>gaz</P:Literal></P:PropertyIsEqualTo>`,
			"lower(network_category) = 'gaz'", "lower(network_category) = 'gaz'"),
		fn("upper", `<P:PropertyIsEqualTo><P:Function name="upper"><VR>code</VR></P:Function><P:Literal>TR-GAZ-00005</P:Literal></P:PropertyIsEqualTo>`,
			"upper(code) = 'TR-GAZ-00005'", "upper(code) = 'TR-GAZ-00005'"),
		fn("strLength", `<P:PropertyIsGreaterThan><P:Function name="strLength"><VR>code</VR></P:Function><P:Literal>14</P:Literal></P:PropertyIsGreaterThan>`,
			"strLength(code) > 14", "char_length(code) > 14"),
		fn("trim and concat", `<P:PropertyIsEqualTo><P:Function name="concat"><P:Function name="trim"><VR>network_category</VR></P:Function><P:Literal>-x</P:Literal></P:Function><P:Literal>GAZ-x</P:Literal></P:PropertyIsEqualTo>`,
			"concat(trim(network_category), '-x') = 'GAZ-x'", "btrim(network_category) || '-x' = 'GAZ-x'"),
		fn("abs floor ceil round", `<P:PropertyIsEqualTo><P:Function name="round"><VR>nominal_size_mm</VR></P:Function><P:Function name="ceil"><P:Function name="floor"><P:Function name="abs"><VR>nominal_size_mm</VR></P:Function></P:Function></P:Function></P:PropertyIsEqualTo>`,
			"round(nominal_size_mm) = ceil(floor(abs(nominal_size_mm)))", "round(nominal_size_mm::float8) = ceil(floor(abs(nominal_size_mm::float8)))"),
		fn("length", `<P:PropertyIsGreaterThan><P:Function name="length"><VR>geom</VR></P:Function><P:Literal>120</P:Literal></P:PropertyIsGreaterThan>`,
			"length(geom) > 120", "ST_Length(geom) > 120"),
		{name: "area", layer: nl, table: nlT,
			fes: `<P:PropertyIsEqualTo><P:Function name="area"><VR>geom</VR></P:Function><P:Literal>0</P:Literal></P:PropertyIsEqualTo>`, filter11: "same",
			cql: "area(geom) = 0", sql: "ST_Area(geom) = 0"},
		{name: "length on a layer in degrees", layer: "osm_power_line", table: "osm.power_line",
			fes: `<P:PropertyIsGreaterThan><P:Function name="length"><VR>geom</VR></P:Function><P:Literal>5000</P:Literal></P:PropertyIsGreaterThan>`, filter11: "same",
			cql: "length(geom) > 5000", sql: "ST_Length(geom::geography) > 5000", someRows: true},
		arith("Add", "Add", "+"),
		arith("Sub", "Sub", "-"),
		arith("Mul", "Mul", "*"),
		arith("Div", "Div", "/"),
		{name: "ResourceId", layer: nl, table: nlT,
			fes: `<P:ResourceId rid="network_link.3"/><P:ResourceId rid="network_link.7"/>`,
			cql: "IN ('network_link.3', 'network_link.7')", sql: "id IN (3, 7)", someRows: true},
		{name: "FeatureId", layer: nl, table: nlT,
			filter11: `<P:FeatureId fid="network_link.3"/><P:FeatureId fid="network_link.7"/>`, sql: "id IN (3, 7)", someRows: true},
		{name: "GmlObjectId", layer: nl, table: nlT,
			filter11: `<P:GmlObjectId gml:id="network_link.4"/>`, sql: "id = 4", someRows: true},
	}
}

// wktPairs turns "x1 y1 x2 y2" into "x1 y1, x2 y2".
func wktPairs(pos string) string {
	f := strings.Fields(pos)
	var pairs []string
	for i := 0; i+1 < len(f); i += 2 {
		pairs = append(pairs, f[i]+" "+f[i+1])
	}
	return strings.Join(pairs, ", ")
}

// lonLatRing is a box of 0.04° around the middle fixture, longitude first, and
// latLonRing the same box latitude first.
func lonLatRing(f fixtures) string {
	w, e, s, n := f.midLon-0.02, f.midLon+0.02, f.midLat-0.02, f.midLat+0.02
	return fmt.Sprintf("%v %v, %v %v, %v %v, %v %v, %v %v", w, s, e, s, e, n, w, n, w, s)
}

func latLonRing(f fixtures) string {
	w, e, s, n := f.midLon-0.02, f.midLon+0.02, f.midLat-0.02, f.midLat+0.02
	return fmt.Sprintf("%v %v %v %v %v %v %v %v %v %v", s, w, s, e, n, e, n, w, s, w)
}

func TestOperators_MatchSQL(t *testing.T) {
	e := setup(t)
	f := loadFixtures(t, e)
	var firstDate string
	if err := e.pool.QueryRow(context.Background(), "SELECT min(planned_start)::text FROM netdata.planned_works").Scan(&firstDate); err != nil {
		t.Fatal(err)
	}
	for _, c := range operatorCases(f) {
		c.fes = strings.ReplaceAll(c.fes, "FIRSTDATE", firstDate)
		c.cql = strings.ReplaceAll(c.cql, "FIRSTDATE", firstDate)
		c.sql = strings.ReplaceAll(c.sql, "FIRSTDATE", firstDate)
		t.Run(c.name, func(t *testing.T) {
			if c.someRows {
				want := e.sqlIDs(t, c.layer, c.table, c.sql, c.args...)
				all := e.sqlIDs(t, c.layer, c.table, "TRUE")
				if len(want) == 0 || len(want) == len(all) {
					t.Fatalf("direct SQL selects %d of %d rows; the case needs a condition that selects some", len(want), len(all))
				}
			}
			check := func(form string, fetch func() []string) {
				agree(t, func() string {
					want := e.sqlIDs(t, c.layer, c.table, c.sql, c.args...)
					if got := fetch(); !slices.Equal(got, want) {
						return fmt.Sprintf("%s: %d features, SQL %d: %v", form, len(got), len(want), diff(got, want))
					}
					return ""
				})
			}
			if c.fes != "" {
				check("FES 2.0", func() []string { return e.getFeatureIDs(t, "2.0.0", "net:"+c.layer, "FILTER", fes20(c.fes)) })
				body := `<wfs:GetFeature service="WFS" version="2.0.0" outputFormat="application/json" ` + wfs20NS + ` ` + netNS + `>` +
					`<wfs:Query typeNames="net:` + c.layer + `">` + fes20(c.fes) + `</wfs:Query></wfs:GetFeature>`
				check("FES 2.0 in an XML GetFeature", func() []string { return featureIDs(t, e.post(t, body)) })
			}
			body11 := c.filter11
			if body11 == "same" {
				body11 = c.fes
			}
			if body11 != "" {
				check("Filter 1.1", func() []string { return e.getFeatureIDs(t, "1.1.0", "net:"+c.layer, "FILTER", filter11(body11)) })
				// WFS 1.0 reads the same ogc:Filter elements (Filter 1.0 shares them).
				if !strings.Contains(c.name, "latitude first") {
					check("WFS 1.0 ogc:Filter", func() []string { return e.getFeatureIDs(t, "1.0.0", "net:"+c.layer, "FILTER", filter11(body11)) })
				}
			}
			if c.cql != "" {
				check("CQL2 "+c.cql, func() []string { return e.getFeatureIDs(t, "2.0.0", "net:"+c.layer, "CQL_FILTER", c.cql) })
			}
		})
	}
}

// diff describes the first identifiers that only one side has.
func diff(got, want []string) string {
	var extra, missing []string
	for _, id := range got {
		if !slices.Contains(want, id) && len(extra) < 5 {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) && len(missing) < 5 {
			missing = append(missing, id)
		}
	}
	return fmt.Sprintf("extra %v, missing %v", extra, missing)
}
