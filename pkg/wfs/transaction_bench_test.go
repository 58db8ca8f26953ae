package wfs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
)

// benchDucts returns a Transaction inserting n ducts with the attributes of an as-built
// delivery, in one Insert.
func benchDucts(n int) string {
	var b strings.Builder
	b.Grow(n * 900)
	b.WriteString(`<wfs:Transaction service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"` +
		` xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:net="http://fourreau.org/net"><wfs:Insert handle="bench">`)
	for i := 0; i < n; i++ {
		x, y := 450000+(i%100)*100, 6899000+(i/100)*60
		fmt.Fprintf(&b, `<net:duct><net:code>WFSTBENCH-%06d</net:code><net:network_category>COM</net:network_category>`+
			`<net:lifecycle_status>functional</net:lifecycle_status><net:condition>OK</net:condition><net:precision_xy>A</net:precision_xy>`+
			`<net:geoloc_mode>LTRO</net:geoloc_mode><net:built_on>2024-05-%02d</net:built_on><net:in_service_on>2024-06-%02d</net:in_service_on>`+
			`<net:duct_type>PE</net:duct_type><net:inner_diameter_mm>38</net:inner_diameter_mm><net:outer_diameter_mm>45</net:outer_diameter_mm>`+
			`<net:colour>orange</net:colour><net:cable_count>%d</net:cable_count><net:occupancy_class>1.1</net:occupancy_class>`+
			`<net:occupancy_pct>%d</net:occupancy_pct><net:comment>livraison de récolement %d</net:comment>`+
			`<net:geom><gml:LineString srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList>%d %d %d %d %d %d</gml:posList></gml:LineString></net:geom></net:duct>`,
			i, 1+i%28, 1+i%28, i%4, (i*7)%100, i/100, x, y, x+40, y+15, x+80, y+10)
	}
	b.WriteString(`</wfs:Insert></wfs:Transaction>`)
	return b.String()
}

// BenchmarkTransaction_Insert posts one Transaction of 1,000 and of 10,000 ducts through
// HTTP to a server over the test database, and reports features per second. The
// inserted ducts are deleted between iterations, outside the timer.
func BenchmarkTransaction_Insert(b *testing.B) {
	testdb.MigratedPool(b)
	srv := testserver.Start(b, withTransactions)
	clean := func() {
		_, err := srv.Pool.Exec(context.Background(), `WITH gone AS (DELETE FROM netdata.duct WHERE code LIKE 'WFSTBENCH-%' RETURNING id)
			DELETE FROM netdata.feature_history h USING gone WHERE h.table_name = 'netdata.duct' AND h.feature_id = gone.id`)
		if err != nil {
			b.Fatalf("clean: %v", err)
		}
	}
	clean()
	b.Cleanup(clean)
	client := &http.Client{Timeout: 10 * time.Minute}
	for _, n := range []int{1000, 10000} {
		body := benchDucts(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				res, err := client.Post(srv.URL+"/wfs", "text/xml", strings.NewReader(body))
				if err != nil {
					b.Fatalf("post: %v", err)
				}
				reply, err := io.ReadAll(res.Body)
				res.Body.Close()
				elapsed += time.Since(start)
				if err != nil {
					b.Fatalf("read response: %v", err)
				}
				if res.StatusCode != http.StatusOK || !strings.Contains(string(reply), "totalInserted>"+strconv.Itoa(n)+"<") {
					b.Fatalf("HTTP %d: %s", res.StatusCode, clip(reply))
				}
				b.StopTimer()
				clean()
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "features/s")
		})
	}
}
