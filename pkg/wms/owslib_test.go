package wms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// systemPython is the interpreter Debian's python3-owslib installs its module for.
const systemPython = "/usr/bin/python3"

// TestOWSLib loads the capabilities of both versions with OWSLib, draws a map and
// queries the feature under a pixel.
func TestOWSLib(t *testing.T) {
	srv := startServer(t)
	if _, err := os.Stat(systemPython); err != nil {
		requireTool(t, "%s not found: %v", systemPython, err)
	}
	if out, err := exec.Command(systemPython, "-c", "import owslib.wms").CombinedOutput(); err != nil {
		requireTool(t, "%s cannot import owslib (Debian package python3-owslib): %v\n%s", systemPython, err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "owslib_wms.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, systemPython, script, srv.URL+"/wms", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("OWSLib: %v\n%s", err, stderr.String())
	}
	var summary map[string]struct {
		Version    string   `json:"version"`
		Layers     []string `json:"layers"`
		CRS        []string `json:"crs"`
		Styles     []string `json:"styles"`
		Operations []string `json:"operations"`
		Image      string   `json:"image"`
		Info       infoJSON `json:"info"`
	}
	if err := json.Unmarshal(out, &summary); err != nil {
		t.Fatalf("OWSLib output: %v\n%s", err, out)
	}
	for _, version := range []string{"1.3.0", "1.1.1"} {
		s, ok := summary[version]
		if !ok {
			t.Errorf("no summary for %s", version)
			continue
		}
		if s.Version != version {
			t.Errorf("%s: OWSLib read version %q", version, s.Version)
		}
		for _, name := range []string{"test_lines", "networks.ELEC", "duct"} {
			if !contains(s.Layers, name) {
				t.Errorf("%s: OWSLib does not list layer %s", version, name)
			}
		}
		for _, crs := range []string{"EPSG:2154", "EPSG:3857", "EPSG:4326"} {
			if !contains(s.CRS, crs) {
				t.Errorf("%s: OWSLib does not list %s for test_lines: %v", version, crs, s.CRS)
			}
		}
		if !contains(s.Styles, "default") || !contains(s.Styles, "thick") {
			t.Errorf("%s: styles %v", version, s.Styles)
		}
		for _, op := range []string{"GetCapabilities", "GetMap", "GetFeatureInfo"} {
			if !contains(s.Operations, op) {
				t.Errorf("%s: operation %s missing from %v", version, op, s.Operations)
			}
		}
		data, err := os.ReadFile(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != 256 || blank(img) {
			t.Errorf("%s: the map OWSLib fetched is not a 256x256 map: %v", version, err)
		}
		if got := codes(s.Info); len(got) != 1 || got[0] != "L-ELEC" {
			t.Errorf("%s: feature info %v, want L-ELEC", version, got)
		}
	}
}
