package tiles_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// postTransaction sends a WFS 2.0 Transaction and fails the test unless it succeeds.
func postTransaction(t *testing.T, srv *testserver.Server, actions string) {
	t.Helper()
	body := `<wfs:Transaction service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"` +
		` xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:net="http://fourreau.org/net">` + actions + `</wfs:Transaction>`
	resp, err := http.Post(srv.URL+"/wfs", "application/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), "TransactionResponse") {
		t.Fatalf("transaction failed: HTTP %d\n%s", resp.StatusCode, out)
	}
}

// An edit made through WFS-T shows in the very next tile request with the cache on.
func TestWFSTEditShowsInNextTile(t *testing.T) {
	srv := testserver.Start(t, withCache(t, "file"), func(c *config.Config) { c.WFS.Transactions = "open" })
	wmq := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(16, 1, 2)
	c := wmq.TileBounds(z, x, y).Center()
	id := insertDuct(t, srv.Pool, "WFST", mercatorWKT(orb.Point{c[0] - 40, c[1]}, orb.Point{c[0] + 40, c[1] + 10}))

	first := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
	second := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
	if !first.present || first.diameter != 33 {
		t.Fatalf("the new duct is missing or wrong: %+v", first)
	}
	if second.source != "hit" {
		t.Fatalf("second request answered from %q, want a cache hit", second.source)
	}

	postTransaction(t, srv, fmt.Sprintf(`<wfs:Update typeName="net:duct"><wfs:Property>`+
		`<wfs:ValueReference>inner_diameter_mm</wfs:ValueReference><wfs:Value>21</wfs:Value></wfs:Property>`+
		`<fes:Filter><fes:ResourceId rid="duct.%d"/></fes:Filter></wfs:Update>`, id))
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); !st.present || st.diameter != 21 {
		t.Errorf("after the WFS-T update: %+v, want the duct with diameter 21", st)
	}

	postTransaction(t, srv, fmt.Sprintf(`<wfs:Delete typeName="net:duct"><fes:Filter><fes:ResourceId rid="duct.%d"/></fes:Filter></wfs:Delete>`, id))
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.present {
		t.Errorf("after the WFS-T delete the duct is still in the tile (%s)", st.source)
	}
}
