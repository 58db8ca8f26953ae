package wfs_test

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/pkg/config"
)

// A client that stops reading a large response is disconnected after the stall
// timeout, and its database connection goes back to the pool.
func TestGetFeature_StalledClientReleased(t *testing.T) {
	srv := start(t, func(c *config.Config) { c.Server.StallTimeout = time.Second })
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	names := strings.TrimSuffix(strings.Repeat("duct,", 60), ",")
	req := "GET /wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=" + names + " HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}

	busy := false
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n := srv.Pool.Stat().AcquiredConns()
		if n > 0 {
			busy = true
		}
		if busy && n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !busy {
		t.Fatal("the request never took a database connection")
	}
	t.Fatalf("the stalled request still holds %d database connections after 20 s", srv.Pool.Stat().AcquiredConns())
}
