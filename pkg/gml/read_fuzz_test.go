package gml

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

// FuzzRead feeds arbitrary documents to the GML reader: it must return a geometry or an
// error, never panic, and every geometry it returns must pass Validate and encode to
// extended WKB that the decoder of package geom reads back. The seeds are the files of
// testdata/geometries.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "geometries", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	reg := testRegistry()
	def := crs.Name{SRID: 2154, Form: crs.FormURN}
	f.Fuzz(func(t *testing.T, doc string) {
		e, err := ows.ParseXML(strings.NewReader(doc))
		if err != nil {
			return
		}
		g, err := Read(e, def, reg)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("Read returned a geometry that fails Validate: %v", err)
		}
		var d geom.Decoder
		if err := d.Decode(g.EWKB()); err != nil {
			t.Fatalf("EWKB of %s does not decode: %v", g.String(), err)
		}
	})
}
