package dataload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// stagingSchema receives the raw layers copied by ogr2ogr before the
// mapping SQL moves them into the model. It is created anew for each source
// and dropped after the last one.
const stagingSchema = "dataload_staging"

// ogr2ogr runs GDAL's ogr2ogr to copy layers into the staging schema.
type ogr2ogr struct {
	path     string
	pgSource string   // "PG:" connection string without password
	env      []string // process environment, with PGPASSWORD when needed
}

// errNoOGR2OGR reports that the ogr2ogr program is not installed.
var errNoOGR2OGR = errors.New("ogr2ogr not found in PATH: install GDAL (Debian package gdal-bin) to load real data")

// newOGR2OGR finds ogr2ogr and prepares its connection string from dsn.
func newOGR2OGR(dsn string) (*ogr2ogr, error) {
	path, err := exec.LookPath("ogr2ogr")
	if err != nil {
		return nil, errNoOGR2OGR
	}
	conninfo, password, err := splitPassword(dsn)
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return &ogr2ogr{path: path, pgSource: "PG:" + conninfo, env: env}, nil
}

// splitPassword turns a PostgreSQL URL or key=value connection string into
// a key=value string without password, and returns the password apart, so
// that it can go to ogr2ogr through PGPASSWORD rather than a command line
// that other local users can read. URLs are rewritten because GDAL appends
// its own application_name to the string, which only the key=value form
// accepts (checked with GDAL 3.6).
func splitPassword(dsn string) (conninfo, password string, err error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return urlToConninfo(dsn)
	}

	var kept []string
	for _, pair := range splitConninfo(dsn) {
		key, value, _ := strings.Cut(pair, "=")
		if strings.TrimSpace(key) == "password" {
			password = unquoteConninfo(strings.TrimSpace(value))
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(kept, " "), password, nil
}

// urlToConninfo converts a postgres:// URL to key=value pairs.
//
// NOTE: a URL listing several hosts (host1:5432,host2:5432) is not
// supported and yields a connection string libpq rejects.
func urlToConninfo(dsn string) (conninfo, password string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", fmt.Errorf("invalid database URL: %w", err)
	}
	var pairs []string
	add := func(key, value string) {
		if value != "" {
			pairs = append(pairs, key+"="+quoteConninfo(value))
		}
	}

	add("host", u.Hostname())
	add("port", u.Port())
	add("dbname", strings.TrimPrefix(u.Path, "/"))
	if u.User != nil {
		add("user", u.User.Username())
		password, _ = u.User.Password()
	}

	q := u.Query()
	keys := make([]string, 0, len(q))
	for key := range q {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if key == "password" {
			password = q.Get(key)
			continue
		}
		add(key, q.Get(key))
	}
	return strings.Join(pairs, " "), password, nil
}

// quoteConninfo quotes a value for a key=value connection string.
func quoteConninfo(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// splitConninfo splits a key=value connection string on spaces outside
// single quotes.
func splitConninfo(s string) []string {
	var parts []string
	var cur strings.Builder
	quoted, escaped := false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == '\'':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				parts = append(parts, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

func unquoteConninfo(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = v[1 : len(v)-1]
	}
	return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v)
}

// copyLayer copies one layer of a data file into stagingSchema.table,
// replacing a previous copy. layer may be empty for single-layer files;
// options holds further ogr2ogr options (-where, -nlt, -t_srs).
func (o *ogr2ogr) copyLayer(ctx context.Context, file, layer, table string, options ...string) error {
	args := []string{
		"-f", "PostgreSQL",
		"-nln", table,
		"-overwrite",
		"-lco", "SCHEMA=" + stagingSchema,
		"-lco", "GEOMETRY_NAME=geom",
		"-lco", "FID=ogc_fid",
		"-lco", "PRECISION=NO",
		"-lco", "SPATIAL_INDEX=NONE",
		"--config", "PG_USE_COPY", "YES",
	}
	args = append(args, options...)
	args = append(args, o.pgSource, file)
	if layer != "" {
		args = append(args, layer)
	}
	cmd := exec.CommandContext(ctx, o.path, args...)
	cmd.Env = o.env
	var output bytes.Buffer
	cmd.Stderr = &output
	cmd.Stdout = &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ogr2ogr %s into %s.%s: %w: %s", file, stagingSchema, table, err, strings.TrimSpace(output.String()))
	}
	return nil
}
