package filter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/ows"
)

// seeds adds the files of testdata/<dir> to the corpus of f.
func seeds(f *testing.F, dir, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, pattern))
	if err != nil {
		f.Fatal(err)
	}
	if len(files) == 0 {
		f.Fatalf("no seed files in testdata/%s", dir)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzParseXML feeds arbitrary documents to the FES and Filter 1.x parser: it must return
// a tree or an exception, never panic. The SQL side of the same inputs is fuzzed in
// package postgis.
func FuzzParseXML(f *testing.F) {
	seeds(f, "fes", "*.xml")
	env := CRSResolver(testRegistry(), 2154, false)
	f.Fuzz(func(t *testing.T, doc string) {
		e, err := ows.ParseXML(strings.NewReader(doc))
		if err != nil {
			return
		}
		n, err := ParseXML(e, env)
		if err == nil && n == nil {
			t.Fatal("ParseXML returned neither a tree nor an error")
		}
		if err != nil {
			if _, ok := err.(*ows.Exception); !ok {
				t.Fatalf("ParseXML returned %T, want *ows.Exception: %v", err, err)
			}
		}
	})
}

// FuzzParseCQL feeds arbitrary text to the CQL2 parser: it must return a tree or an
// exception, never panic.
func FuzzParseCQL(f *testing.F) {
	seeds(f, "cql", "*.txt")
	opts := CQLOptions{SRID: 2154, CRS: CRSResolver(testRegistry(), 2154, false)}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := ParseCQL(text, opts)
		if err == nil && n == nil {
			t.Fatal("ParseCQL returned neither a tree nor an error")
		}
		if err != nil {
			if _, ok := err.(*ows.Exception); !ok {
				t.Fatalf("ParseCQL returned %T, want *ows.Exception: %v", err, err)
			}
		}
	})
}
