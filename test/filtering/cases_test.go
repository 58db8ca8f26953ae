package filtering

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// testSchema holds the tables these tests create; it is dropped and created again by
// each test that needs it.
const testSchema = "filtering_test"

// createTables creates the tables of the interoperability cases: coded (LIKE patterns)
// and réseau (accented and digit-led column names), and returns the server options
// that publish them.
func createTables(t *testing.T, e *env) []testserver.Option {
	t.Helper()
	ctx := context.Background()
	stmts := []string{
		"DROP SCHEMA IF EXISTS " + testSchema + " CASCADE",
		"CREATE SCHEMA " + testSchema,
		`CREATE TABLE ` + testSchema + `.coded (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text, geom geometry(Point, 2154) NOT NULL)`,
		`INSERT INTO ` + testSchema + `.coded (code, geom) SELECT c, ST_SetSRID(ST_MakePoint(652000 + n, 6862000), 2154)
			FROM unnest(ARRAY['DN_50', 'DNX50', '50%A', '500']) WITH ORDINALITY AS u(c, n)`,
		`CREATE TABLE ` + testSchema + `."réseau" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "diamètre" integer, "2024_état" text, "nom voie" text, geom geometry(Point, 2154) NOT NULL)`,
		`INSERT INTO ` + testSchema + `."réseau" ("diamètre", "2024_état", "nom voie", geom) VALUES
			(40, 'bon', 'Câble Été', ST_SetSRID(ST_MakePoint(652000, 6862000), 2154)),
			(60, 'usé', 'Cable Ete', ST_SetSRID(ST_MakePoint(652100, 6862000), 2154))`,
	}
	for _, s := range stmts {
		if _, err := e.pool.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() { e.pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+testSchema+" CASCADE") })
	return []testserver.Option{testserver.WithLayers(
		config.LayerConfig{Name: "coded", Table: testSchema + ".coded", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "Point"},
		config.LayerConfig{Name: "réseau", Table: testSchema + ".réseau", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "Point"},
	)}
}

// setupCases starts a server that also publishes the tables of createTables.
func setupCases(t *testing.T) *env {
	t.Helper()
	e := setup(t)
	opts := createTables(t, e)
	e.srv = testserver.Start(t, opts...)
	return e
}

func TestLike_CustomWildcards(t *testing.T) {
	e := setupCases(t)
	codes := func(t *testing.T, param, value string) []string {
		t.Helper()
		ids := e.getFeatureIDs(t, "2.0.0", "net:coded", param, value)
		var out []string
		for _, id := range ids {
			n, _ := strconv.Atoi(id[len("coded."):])
			out = append(out, []string{"", "DN_50", "DNX50", "50%A", "500"}[n])
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name, param, value string
		want               []string
	}{
		{"escaped single character", "FILTER", fes20(`<P:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\"><VR>code</VR><P:Literal>DN\_5%</P:Literal></P:PropertyIsLike>`), []string{"DN_50"}},
		{"percent is plain", "FILTER", fes20(`<P:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><VR>code</VR><P:Literal>50%*</P:Literal></P:PropertyIsLike>`), []string{"50%A"}},
		{"Filter 1.1", "FILTER", filter11(`<P:PropertyIsLike wildCard="*" singleChar="#" escapeChar="!"><VR>code</VR><P:Literal>DN#5*</P:Literal></P:PropertyIsLike>`), []string{"DNX50", "DN_50"}},
		{"CQL escaped underscore", "CQL_FILTER", `code LIKE 'DN\_5%'`, []string{"DN_50"}},
		{"CQL percent escaped", "CQL_FILTER", `code LIKE '50\%%'`, []string{"50%A"}},
		{"CQL underscore wildcard", "CQL_FILTER", `code LIKE 'DN_5%'`, []string{"DNX50", "DN_50"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(t, c.param, c.value); !slices.Equal(got, c.want) {
				t.Errorf("codes = %q, want %q", got, c.want)
			}
		})
	}
}

func TestBBox_ValueReference(t *testing.T) {
	e := setup(t)
	f := loadFixtures(t, e)
	x0, y0, x1, y1 := f.midX-2000, f.midY-2000, f.midX+2000, f.midY+2000
	envelope := fmt.Sprintf(`<gml:Envelope srsName="urn:ogc:def:crs:EPSG::2154"><gml:lowerCorner>%v %v</gml:lowerCorner><gml:upperCorner>%v %v</gml:upperCorner></gml:Envelope>`, x0, y0, x1, y1)
	agree(t, func() string {
		kvpBox := e.getFeatureIDs(t, "2.0.0", "net:network_link", "BBOX", fmt.Sprintf("%v,%v,%v,%v,urn:ogc:def:crs:EPSG::2154", x0, y0, x1, y1))
		if len(kvpBox) == 0 {
			t.Fatal("the KVP BBOX selects nothing; the case needs features in the box")
		}
		without := e.getFeatureIDs(t, "2.0.0", "net:network_link", "FILTER", fes20(`<P:BBOX>`+envelope+`</P:BBOX>`))
		if !slices.Equal(without, kvpBox) {
			return fmt.Sprintf("BBOX without a property: %d features, KVP BBOX %d", len(without), len(kvpBox))
		}
		with := e.getFeatureIDs(t, "2.0.0", "net:network_link", "FILTER", fes20(`<P:BBOX><VR>geom</VR>`+envelope+`</P:BBOX>`))
		if !slices.Equal(with, kvpBox) {
			return fmt.Sprintf("BBOX on geom: %d features, KVP BBOX %d", len(with), len(kvpBox))
		}
		return ""
	})

	// The envelope without srsName is in the query's CRS: latitude first in the URN
	// spelling of EPSG:4326.
	var lat0, lon0, lat1, lon1 float64
	err := e.pool.QueryRow(context.Background(), `SELECT ST_YMin(b), ST_XMin(b), ST_YMax(b), ST_XMax(b)
		FROM ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 2154), 4326) AS b`, x0, y0, x1, y1).Scan(&lat0, &lon0, &lat1, &lon1)
	if err != nil {
		t.Fatal(err)
	}
	bare := fmt.Sprintf(`<gml:Envelope><gml:lowerCorner>%v %v</gml:lowerCorner><gml:upperCorner>%v %v</gml:upperCorner></gml:Envelope>`, lat0, lon0, lat1, lon1)
	agree(t, func() string {
		inQueryCRS := e.getFeatureIDs(t, "2.0.0", "net:network_link", "SRSNAME", "urn:ogc:def:crs:EPSG::4326", "FILTER", fes20(`<P:BBOX>`+bare+`</P:BBOX>`))
		want := e.sqlIDs(t, "network_link", "netdata.network_link",
			"ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope($2, $3, $4, $5, 4326), $6), 2154))", lon0, lat0, lon1, lat1, max(lon1-lon0, lat1-lat0)/32)
		if !slices.Equal(inQueryCRS, want) {
			return fmt.Sprintf("envelope in the query CRS: %d features, SQL %d: %s", len(inQueryCRS), len(want), diff(inQueryCRS, want))
		}
		return ""
	})

	for _, version := range []string{"2.0.0", "1.1.0"} {
		t.Run("non-geometry property "+version, func(t *testing.T) {
			p := url.Values{"SERVICE": {"WFS"}, "VERSION": {version}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:network_link"},
				"TYPENAME": {"net:network_link"}, "FILTER": {fes20(`<P:BBOX><VR>code</VR>` + envelope + `</P:BBOX>`)}}
			x := expectException(t, e.get(t, p), http.StatusBadRequest, "InvalidParameterValue")
			if x.locator != "filter" {
				t.Errorf("locator %q, want filter", x.locator)
			}
		})
	}
}

func TestSortBy_PagesAndKeys(t *testing.T) {
	e := setup(t)
	cases := []struct {
		name, sortBy, orderBy string
	}{
		{"one key", "network_category", "network_category, id"},
		{"descending", "network_category DESC", "network_category DESC, id"},
		{"several keys", "network_category ASC,capacity DESC", "network_category, capacity DESC, id"},
		{"WFS 1.1 letters", "net:network_category D,code A", "network_category DESC, code, id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			agree(t, func() string {
				want := e.sqlStrings(t, "SELECT 'network_link.' || id FROM netdata.network_link ORDER BY "+c.orderBy)
				// Pages of 40 put together give every feature once, in the SQL order.
				var got []string
				for start := 0; start < len(want)+40; start += 40 {
					p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:network_link"},
						"OUTPUTFORMAT": {"application/json"}, "SORTBY": {c.sortBy}, "COUNT": {"40"}, "STARTINDEX": {strconv.Itoa(start)}}
					got = append(got, featureIDsInOrder(t, e.get(t, p))...)
				}
				if !slices.Equal(got, want) {
					return fmt.Sprintf("paged order differs from SQL ORDER BY %s: %d features, want %d; %s", c.orderBy, len(got), len(want), diff(got, want))
				}
				return ""
			})
		})
	}
	for _, bad := range []string{"nope", "geom", "code SIDEWAYS", "code; DROP TABLE netdata.duct"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:network_link"}, "SORTBY": {bad}}
			x := expectException(t, e.get(t, p), http.StatusBadRequest, "InvalidParameterValue")
			if x.locator != "sortBy" {
				t.Errorf("locator %q, want sortBy", x.locator)
			}
		})
	}
}

func TestFilterLiteral_UTF8Names(t *testing.T) {
	e := setupCases(t)
	cases := []struct{ name, param, value string }{
		{"FES 2.0 element name", "FILTER", fes20(`<P:PropertyIsEqualTo><VR>nom_voie</VR><P:Literal>Câble Été</P:Literal></P:PropertyIsEqualTo>`)},
		{"Filter 1.1 column name", "FILTER", filter11(`<P:PropertyIsEqualTo><VR>nom voie</VR><P:Literal>Câble Été</P:Literal></P:PropertyIsEqualTo>`)},
		{"CQL quoted column", "CQL_FILTER", `"nom voie" = 'Câble Été'`},
		{"CQL accented and digit-led names", "CQL_FILTER", `diamètre < 50 AND _2024_état = 'bon'`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			version := "2.0.0"
			if c.name == "Filter 1.1 column name" {
				version = "1.1.0"
			}
			got := e.getFeatureIDs(t, version, "net:réseau", c.param, c.value)
			if !slices.Equal(got, []string{"réseau.1"}) {
				t.Errorf("features %v, want [réseau.1]", got)
			}
		})
	}
}
