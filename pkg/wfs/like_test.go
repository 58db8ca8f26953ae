package wfs_test

import (
	"slices"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

func TestLike_WildcardsAndEscape(t *testing.T) {
	// The request's own wildcard, single-character and escape characters apply, and the
	// SQL LIKE metacharacters % and _ in the pattern are ordinary characters unless the
	// request declares them.
	pool := testdb.MigratedPool(t)
	createTable(t, pool, "coded", "code text, geom geometry(Point, 2154) NOT NULL",
		`(code, geom) SELECT c, ST_SetSRID(ST_MakePoint(652000, 6862000), 2154)
			FROM unnest(ARRAY['DN_50', 'DNX50', '50%A', '500', 'dn_50', 'A\B']) AS c`)
	layer := config.LayerConfig{Name: "coded", Table: testSchema + ".coded", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "Point"}
	srv := start(t, testserver.WithLayers(layer))

	codes := func(t *testing.T, filter string) []string {
		t.Helper()
		root := expectOK(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature",
			"TYPENAMES", "net:coded", "PROPERTYNAME", "code", "FILTER", filter)))
		var out []string
		for _, f := range root.all(nsNet, "coded") {
			if c := f.child(nsNet, "code"); c != nil {
				out = append(out, c.Text)
			}
		}
		slices.Sort(out)
		return out
	}
	fes := func(attrs, pattern string) string {
		return `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsLike ` + attrs +
			`><fes:ValueReference>code</fes:ValueReference><fes:Literal>` + pattern + `</fes:Literal></fes:PropertyIsLike></fes:Filter>`
	}
	cases := []struct {
		name, filter string
		want         []string
	}{
		{"escaped underscore", fes(`wildCard="%" singleChar="_" escapeChar="\"`, `DN\_5%`), []string{"DN_50"}},
		{"percent is plain", fes(`wildCard="*" singleChar="." escapeChar="!"`, `50%*`), []string{"50%A"}},
		{"single character", fes(`wildCard="*" singleChar="." escapeChar="!"`, `DN.50`), []string{"DNX50", "DN_50"}},
		{"escaped wildcard", fes(`wildCard="*" singleChar="." escapeChar="!"`, `50!*`), nil},
		{"backslash is plain", fes(`wildCard="*" singleChar="." escapeChar="!"`, `A\B`), []string{`A\B`}},
		{"case-insensitive", fes(`wildCard="*" singleChar="." escapeChar="!" matchCase="false"`, `dn_*`), []string{"DN_50", "dn_50"}},
		{"Filter 1.1", `<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyIsLike wildCard="*" singleChar="#" escapeChar="!">` +
			`<ogc:PropertyName>code</ogc:PropertyName><ogc:Literal>DN_5*</ogc:Literal></ogc:PropertyIsLike></ogc:Filter>`, []string{"DN_50"}},
		{"Filter 1.0 escape", `<Filter><PropertyIsLike wildCard="*" singleChar="#" escape="!">` +
			`<PropertyName>code</PropertyName><Literal>50!#*</Literal></PropertyIsLike></Filter>`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(t, c.filter); !slices.Equal(got, c.want) {
				t.Errorf("codes = %q, want %q", got, c.want)
			}
		})
	}
}
