package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadShippedFile(t *testing.T) {
	cfg, err := Load([]string{"--config", "../../config/fourreau.yaml"})
	if err != nil {
		t.Fatalf("load shipped configuration: %v", err)
	}
	if !reflect.DeepEqual(cfg.Layers, DefaultLayers()) {
		t.Errorf("config/fourreau.yaml layers differ from DefaultLayers():\nfile:    %+v\ndefault: %+v", cfg.Layers, DefaultLayers())
	}
	if cfg.Server.Listen != "127.0.0.1:8080" {
		t.Errorf("server.listen = %q, want 127.0.0.1:8080", cfg.Server.Listen)
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("server:\n  listen: 127.0.0.1:9000\nlog:\n  level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FOURREAU_LOG_LEVEL", "debug")
	t.Setenv("FOURREAU_DATABASE_URL", "")
	t.Setenv("DATABASE_URL", "postgres://u@127.0.0.1:1/db")
	cfg, err := Load([]string{"--config", file, "--listen", "127.0.0.1:9100"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "127.0.0.1:9100" {
		t.Errorf("flag did not win over the file: listen = %q", cfg.Server.Listen)
	}
	if cfg.Log.Level != "debug" {
		t.Errorf("environment did not win over the file: log.level = %q", cfg.Log.Level)
	}
	if cfg.Database.URL != "postgres://u@127.0.0.1:1/db" {
		t.Errorf("DATABASE_URL not used when database.url is empty: %q", cfg.Database.URL)
	}
	if len(cfg.Layers) != len(DefaultLayers()) {
		t.Errorf("a file without layers should keep the default layers, got %d", len(cfg.Layers))
	}
}

func TestValidateReportsAllErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	body := `server:
  listen: nowhere
log:
  level: loud
wfs:
  count_default: -3
layers:
  - name: "2bad"
    table: ""
    key: id
    geometry: geom
  - name: dup
    table: a.b
    key: id
    geometry: geom
  - name: dup
    table: a.c
    key: ""
    geometry: geom
`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load([]string{"--config", file})
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{"server.listen", "log.level", "wfs.count_default", "not a valid XML name", "table is missing", "used twice", "key is missing"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestLoadMissingExplicitFile(t *testing.T) {
	if _, err := Load([]string{"--config", filepath.Join(t.TempDir(), "none.yaml")}); err == nil {
		t.Fatal("a missing --config file was accepted")
	}
}
