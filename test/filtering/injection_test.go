package filtering

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// injectionSchema holds the copy of the network sections that the injection test
// attacks; other test packages write the netdata tables while this one runs.
const injectionSchema = "filtering_injection"

// checksums returns the row count and a digest of every row of the attacked table and
// of the stored queries, and whether each netdata table still exists.
func (e *env) checksums(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{injectionSchema + ".links", "public.wfs_stored_query"} {
		var s string
		err := e.pool.QueryRow(context.Background(),
			"SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM "+table+" AS t").Scan(&s)
		if err != nil {
			t.Fatalf("checksum of %s: %v", table, err)
		}
		out[table] = s
	}
	for _, table := range []string{"netdata.network_link", "netdata.duct", "netdata.planned_works", "osm.power_tower"} {
		var exists bool
		if err := e.pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		out[table] = strconv.FormatBool(exists)
	}
	return out
}

// payloads are SQL fragments that would change data if they reached a statement as
// text.
var payloads = []string{
	`'; DELETE FROM filtering_injection.links; --`,
	`x'); DELETE FROM filtering_injection.links; --`,
	`'; DROP TABLE netdata.network_link; --`,
	`x' OR '1'='1`,
	`1; DROP TABLE netdata.duct`,
	`"; DELETE FROM netdata.duct; --`,
	`code"" OR 1=1; DELETE FROM netdata.duct; --`,
	`$$; DELETE FROM netdata.duct; $$`,
	`1) OR (1=1`,
	`\'; DELETE FROM netdata.duct; --`,
	`%'; DELETE FROM netdata.duct; --`,
}

func TestInjection_DataUnchanged(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for _, stmt := range []string{
		"DROP SCHEMA IF EXISTS " + injectionSchema + " CASCADE",
		"CREATE SCHEMA " + injectionSchema,
		`CREATE TABLE ` + injectionSchema + `.links AS SELECT id, code, network_category, capacity, nominal_size_mm, project_phase, built_on, geom
			FROM netdata.network_link`,
		`ALTER TABLE ` + injectionSchema + `.links ADD PRIMARY KEY (id)`,
	} {
		if _, err := e.pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { e.pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+injectionSchema+" CASCADE") })
	e.srv = testserver.Start(t, testserver.WithLayers(config.LayerConfig{Name: "links", Table: injectionSchema + ".links",
		Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "LineString"}))

	before := e.checksums(t)
	total := len(e.sqlIDs(t, "links", injectionSchema+".links", "TRUE"))
	// The copy is published: an ordinary filter selects its row.
	if got := e.getFeatureIDs(t, "2.0.0", "net:links", "CQL_FILTER", "code = 'TR-ELEC-00001'"); len(got) != 1 {
		t.Fatalf("code = 'TR-ELEC-00001' selects %v on the copy; the test needs a working layer", got)
	}

	type attempt struct{ name, param, value string }
	var attempts []attempt
	for _, p := range payloads {
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(p)
		cq := strings.ReplaceAll(p, "'", "''")
		dq := strings.ReplaceAll(p, `"`, `""`)
		attempts = append(attempts,
			attempt{"FES literal", "FILTER", fes20(`<P:PropertyIsEqualTo><VR>code</VR><P:Literal>` + esc + `</P:Literal></P:PropertyIsEqualTo>`)},
			attempt{"FES integer literal", "FILTER", fes20(`<P:PropertyIsEqualTo><VR>capacity</VR><P:Literal>` + esc + `</P:Literal></P:PropertyIsEqualTo>`)},
			attempt{"FES property name", "FILTER", fes20(`<P:PropertyIsEqualTo><VR>` + esc + `</VR><P:Literal>1</P:Literal></P:PropertyIsEqualTo>`)},
			attempt{"FES function name", "FILTER", fes20(`<P:PropertyIsEqualTo><P:Function name="` + strings.ReplaceAll(esc, `"`, "&quot;") + `"><VR>code</VR></P:Function><P:Literal>1</P:Literal></P:PropertyIsEqualTo>`)},
			attempt{"FES LIKE pattern", "FILTER", fes20(`<P:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><VR>code</VR><P:Literal>` + esc + `</P:Literal></P:PropertyIsLike>`)},
			attempt{"FES LIKE wildcard", "FILTER", fes20(`<P:PropertyIsLike wildCard="` + strings.ReplaceAll(esc, `"`, "&quot;") + `" singleChar="." escapeChar="!"><VR>code</VR><P:Literal>x</P:Literal></P:PropertyIsLike>`)},
			attempt{"FES srsName", "FILTER", fes20(`<P:Intersects><VR>geom</VR><gml:Point srsName="` + strings.ReplaceAll(esc, `"`, "&quot;") + `"><gml:pos>1 2</gml:pos></gml:Point></P:Intersects>`)},
			attempt{"FES distance unit", "FILTER", fes20(`<P:DWithin><VR>geom</VR><gml:Point><gml:pos>1 2</gml:pos></gml:Point><P:Distance UOM="` + strings.ReplaceAll(esc, `"`, "&quot;") + `">1</P:Distance></P:DWithin>`)},
			attempt{"FES time", "FILTER", fes20(`<P:After><VR>built_on</VR><P:Literal>` + esc + `</P:Literal></P:After>`)},
			attempt{"CQL literal", "CQL_FILTER", `code = '` + cq + `'`},
			attempt{"CQL quoted property", "CQL_FILTER", `"` + dq + `" = 1`},
			attempt{"CQL raw text", "CQL_FILTER", p},
			attempt{"CQL LIKE", "CQL_FILTER", `code LIKE '` + cq + `'`},
			attempt{"CQL function", "CQL_FILTER", `lower('` + cq + `') = code`},
			attempt{"CQL BBOX CRS", "CQL_FILTER", `BBOX(geom, 0, 0, 1, 1, '` + cq + `')`},
			attempt{"SORTBY", "SORTBY", p},
			attempt{"SORTBY order", "SORTBY", "code " + p},
			attempt{"PROPERTYNAME", "PROPERTYNAME", p},
			attempt{"SRSNAME", "SRSNAME", p},
			attempt{"BBOX CRS", "BBOX", "0,0,1,1," + p},
			attempt{"RESOURCEID", "RESOURCEID", "links." + p},
		)
	}
	answered := 0
	for _, a := range attempts {
		p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:links"},
			"OUTPUTFORMAT": {"application/json"}, a.param: {a.value}}
		r := e.get(t, p)
		switch r.status {
		case http.StatusOK:
			answered++
			// A payload that reached SQL as text could select every row; as a bound
			// value it selects what equals it, which is nothing.
			var fc struct {
				Features []json.RawMessage `json:"features"`
			}
			if err := json.Unmarshal(r.body, &fc); err != nil {
				t.Errorf("%s %q: response is not GeoJSON: %s", a.name, a.value, clip(r.body))
				continue
			}
			if len(fc.Features) == total && a.param != "SORTBY" && a.param != "PROPERTYNAME" && a.param != "SRSNAME" {
				t.Errorf("%s %q selects every feature", a.name, a.value)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotImplemented:
		default:
			t.Errorf("%s %q: status %d: %s", a.name, a.value, r.status, clip(r.body))
		}
	}

	// A payload in a text literal, a LIKE pattern or a function argument (five entry
	// points) is a value that selects nothing, not an error: those must have reached
	// the SQL side.
	if answered < 5*len(payloads) {
		t.Errorf("only %d of %d attempts ran a query", answered, len(attempts))
	}
	t.Logf("%d of %d attempts ran a query, the others were rejected", answered, len(attempts))

	// Stored query parameters and GetPropertyValue's valueReference.
	for _, v := range payloads {
		for _, p := range []url.Values{
			{"STOREDQUERY_ID": {"urn:fourreau:query:NetworkLinksNear"}, "GEOMETRY": {"POINT(1 2)"}, "DISTANCE": {"10"}, "CATEGORY": {v}},
			{"STOREDQUERY_ID": {"urn:fourreau:query:NetworkLinksNear"}, "GEOMETRY": {v}, "DISTANCE": {"10"}},
			{"STOREDQUERY_ID": {v}},
			{"REQUEST": {"GetPropertyValue"}, "TYPENAMES": {"net:links"}, "VALUEREFERENCE": {v}},
			{"REQUEST": {"DropStoredQuery"}, "STOREDQUERY_ID": {v}},
		} {
			q := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}}
			for k, val := range p {
				q[k] = val
			}
			r := e.get(t, q)
			if r.status >= 500 {
				t.Errorf("%v: status %d: %s", p, r.status, clip(r.body))
			}
		}
	}

	after := e.checksums(t)
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("%s changed: %s before, %s after", table, sum, after[table])
		}
	}
}
