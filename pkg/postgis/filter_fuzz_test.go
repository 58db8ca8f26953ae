package postgis

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// fuzzLayer is a layer with one field of each kind, as the catalog builds it.
func fuzzLayer() *feature.Layer {
	l := &feature.Layer{Name: "duct", Schema: "netdata", Table: "duct", Key: "id", Geometry: "geom",
		GeomElement: "geom", SRID: 2154, UnitMetres: 1}
	for _, f := range []struct {
		name string
		kind feature.Kind
		db   string
	}{
		{"code", feature.KindString, "text"}, {"n", feature.KindInt, "integer"}, {"big", feature.KindLong, "bigint"},
		{"size", feature.KindDecimal, "numeric(7,1)"}, {"ratio", feature.KindFloat, "double precision"},
		{"flag", feature.KindBool, "boolean"}, {"d", feature.KindDate, "date"},
		{"at", feature.KindDateTime, "timestamp with time zone"}, {"nom voie", feature.KindString, "text"},
	} {
		l.Fields = append(l.Fields, feature.Field{Column: f.name, XMLName: feature.ElementName(f.name), Kind: f.kind, DBType: f.db})
	}
	return l
}

func fuzzRegistry() *crs.Registry {
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

// safeSQL matches the SQL the compiler may write: its keywords and functions, quoted
// identifiers of the layer, $n parameters, casts, numbers of its own and the fixed
// literals of LIKE's escape character. Anything else would be text of the request
// that reached the statement.
var (
	quotedIdent = regexp.MustCompile(`"(?:[^"]|"")*"`)
	fixedText   = regexp.MustCompile(`ESCAPE '\\'`)
	sqlWord     = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z_0-9]*(?:\[\])?|\$[0-9]+|[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?|::|[(),=<>!+*/%&|@-]+|\.)$`)
)

func checkSQL(t *testing.T, l *feature.Layer, input string, n filter.Node) {
	t.Helper()
	b := &builder{}
	err := b.where(l, n)
	if err != nil {
		if _, ok := err.(*ows.Exception); !ok {
			t.Fatalf("compile error is %T, want *ows.Exception: %v", err, err)
		}
		return
	}
	sql := b.sql.String()
	for _, id := range quotedIdent.FindAllString(sql, -1) {
		name := strings.ReplaceAll(id[1:len(id)-1], `""`, `"`)
		if _, ok := l.Field(name); !ok && name != l.Geometry && name != l.Key {
			t.Fatalf("SQL names %s, which is not a column of the layer, for input %q:\n%s", id, input, sql)
		}
	}
	rest := fixedText.ReplaceAllString(quotedIdent.ReplaceAllString(sql, " "), " ")
	for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' }) {
		for _, tok := range splitSQL(w) {
			if !sqlWord.MatchString(tok) {
				t.Fatalf("SQL holds %q, which the compiler does not write itself, for input %q:\n%s", tok, input, sql)
			}
		}
	}
	if strings.Contains(rest, "'") || strings.Contains(rest, ";") || strings.Contains(rest, "--") {
		t.Fatalf("SQL holds a quote, a semicolon or a comment outside its fixed text, for input %q:\n%s", input, sql)
	}
	if len(b.args) > maxParams {
		t.Fatalf("SQL binds %d parameters", len(b.args))
	}
}

// splitSQL separates punctuation from words so that each token can be checked.
func splitSQL(s string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case strings.ContainsRune("(),", r):
			flush()
			out = append(out, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	var split []string
	for _, w := range out {
		// A cast "x::text" is a word, "::" and a type name.
		parts := strings.Split(w, "::")
		for i, p := range parts {
			if i > 0 {
				split = append(split, "::")
			}
			if p != "" {
				split = append(split, p)
			}
		}
	}
	return split
}

func fuzzSeeds(f *testing.F, dir, pattern string) {
	files, err := filepath.Glob(filepath.Join("..", "filter", "testdata", dir, pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in ../filter/testdata/%s: %v", dir, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzCompileCQL parses arbitrary CQL text and compiles what parses: the SQL must hold
// no text of the request, only the layer's quoted columns, the compiler's own words
// and $n parameters. The seeds are the CQL corpus of package filter.
func FuzzCompileCQL(f *testing.F) {
	fuzzSeeds(f, "cql", "*.txt")
	for _, s := range []string{"code = 'x'' OR 1=1 --'", `"code"" OR 1=1 --" = 1`, "n + 1 > '1; DROP TABLE x'"} {
		f.Add(s)
	}
	l := fuzzLayer()
	opts := filter.CQLOptions{SRID: 2154, CRS: filter.CRSResolver(fuzzRegistry(), 2154, false)}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := filter.ParseCQL(text, opts)
		if err != nil {
			return
		}
		checkSQL(t, l, text, n)
	})
}

// FuzzCompileXML does the same with FES and Filter 1.x documents.
func FuzzCompileXML(f *testing.F) {
	fuzzSeeds(f, "fes", "*.xml")
	l := fuzzLayer()
	env := filter.CRSResolver(fuzzRegistry(), 2154, false)
	f.Fuzz(func(t *testing.T, doc string) {
		e, err := ows.ParseXML(strings.NewReader(doc))
		if err != nil {
			return
		}
		n, err := filter.ParseXML(e, env)
		if err != nil {
			return
		}
		checkSQL(t, l, doc, n)
	})
}
