package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/pkg/feature"
)

// dbValues returns the published fields of the rows whose key expression is in keys
// (every row when keys is nil), as text, keyed by the key expression's text. A NULL
// is a nil pointer.
func dbValues(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, keyColumn string, keys []string) map[string][]*string {
	t.Helper()
	cols := make([]string, 0, len(l.Fields)+1)
	cols = append(cols, pgx.Identifier{keyColumn}.Sanitize()+"::text")
	for i := range l.Fields {
		cols = append(cols, textExpr(&l.Fields[i]))
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + table(l)
	var args []any
	if keys != nil {
		query += " WHERE " + pgx.Identifier{keyColumn}.Sanitize() + "::text = ANY($1)"
		args = append(args, keys)
	}
	rows, err := pool.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()

	out := map[string][]*string{}
	for rows.Next() {
		values := make([]*string, len(cols))
		dest := make([]any, len(cols))
		for i := range values {
			dest[i] = &values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		out[*values[0]] = values[1:]
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// textExpr reads a field as text: date-times in UTC without a zone, everything else
// with PostgreSQL's text output.
func textExpr(f *feature.Field) string {
	col := pgx.Identifier{f.Column}.Sanitize()
	if f.Kind != feature.KindDateTime {
		return col + "::text"
	}
	if strings.HasPrefix(f.DBType, "timestamp with time zone") {
		col += " AT TIME ZONE 'UTC'"
	}
	return "to_char(" + col + `, 'YYYY-MM-DD"T"HH24:MI:SS.US')`
}

// valueMismatch compares a value read by a client with the database text of the same
// field, and returns why they differ, or "" when they are equal. Client values are
// JSON values decoded with UseNumber: nil, string, json.Number, bool, or an object or
// array for JSON text that the client parsed.
func valueMismatch(f *feature.Field, db *string, got any) string {
	if db == nil {
		if got != nil {
			return fmt.Sprintf("got %#v, database has NULL", got)
		}
		return ""
	}
	if got == nil {
		return fmt.Sprintf("got NULL, database has %q", *db)
	}
	want := *db
	switch f.Kind {
	case feature.KindInt, feature.KindLong:
		return compareInteger(want, got)
	case feature.KindDecimal, feature.KindFloat:
		return compareNumber(want, got)
	case feature.KindBool:
		return compareBool(want, got)
	case feature.KindDate:
		s, ok := got.(string)
		if !ok || strings.ReplaceAll(s, "/", "-") != want {
			return fmt.Sprintf("got %#v, database has date %s", got, want)
		}
		return ""
	case feature.KindDateTime:
		return compareDateTime(want, got)
	default:
		return compareString(want, got)
	}
}

func compareInteger(want string, got any) string {
	w, err := strconv.ParseInt(want, 10, 64)
	if err != nil {
		return fmt.Sprintf("database integer %q: %v", want, err)
	}
	n, ok := got.(json.Number)
	if !ok {
		return fmt.Sprintf("got %#v, database has integer %d", got, w)
	}
	g, err := n.Int64()
	if err != nil || g != w {
		return fmt.Sprintf("got %s, database has %d", n, w)
	}
	return ""
}

func compareNumber(want string, got any) string {
	w, err := strconv.ParseFloat(want, 64)
	if err != nil {
		return fmt.Sprintf("database number %q: %v", want, err)
	}
	n, ok := got.(json.Number)
	if !ok {
		return fmt.Sprintf("got %#v, database has number %s", got, want)
	}
	g, err := n.Float64()
	if err != nil || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
		return fmt.Sprintf("got %s, database has %s", n, want)
	}
	return ""
}

// compareBool accepts JSON true/false, 1/0 (GDAL's Integer(Boolean)) and the text
// "true"/"false" (QGIS 3.22 reads xsd:boolean fields as text).
func compareBool(want string, got any) string {
	w := want == "true"
	switch g := got.(type) {
	case bool:
		if g == w {
			return ""
		}
	case json.Number:
		if (g == "1") == w && (g == "1" || g == "0") {
			return ""
		}
	case string:
		if g == want {
			return ""
		}
	}
	return fmt.Sprintf("got %#v, database has boolean %s", got, want)
}

// compareDateTime allows one millisecond, the precision GDAL and QGIS keep.
func compareDateTime(want string, got any) string {
	w, err := time.Parse("2006-01-02T15:04:05.999999", want)
	if err != nil {
		return fmt.Sprintf("database date-time %q: %v", want, err)
	}
	s, ok := got.(string)
	if !ok {
		return fmt.Sprintf("got %#v, database has date-time %s", got, want)
	}
	g, err := parseClientDateTime(s)
	if err != nil {
		return fmt.Sprintf("got date-time %q: %v", s, err)
	}
	if d := g.Sub(w).Abs(); d > time.Millisecond {
		return fmt.Sprintf("got %s, database has %sZ (%s apart)", s, want, d)
	}
	return ""
}

// parseClientDateTime reads the date-time forms that the clients write, in UTC when
// they carry no zone.
func parseClientDateTime(s string) (time.Time, error) {
	layouts := []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006/01/02 15:04:05.999999999Z07",
		"2006/01/02 15:04:05.999999999",
	}
	var firstErr error
	for _, layout := range layouts {
		v, err := time.Parse(layout, s)
		if err == nil {
			return v.UTC(), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, firstErr
}

// compareString compares text. GDAL's GeoJSON writer turns text that holds JSON into
// an object or array, which is compared with the database text parsed as JSON.
func compareString(want string, got any) string {
	switch g := got.(type) {
	case string:
		if g != want {
			return fmt.Sprintf("got %q, database has %q", g, want)
		}
		return ""
	case map[string]any, []any:
		var w any
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			return fmt.Sprintf("got JSON %v, database text %q is not JSON", g, want)
		}
		var gotPlain any
		raw, _ := json.Marshal(g)
		_ = json.Unmarshal(raw, &gotPlain)
		if !reflect.DeepEqual(gotPlain, w) {
			return fmt.Sprintf("got JSON %s, database has %s", raw, want)
		}
		return ""
	default:
		return fmt.Sprintf("got %#v, database has text %q", got, want)
	}
}

// mismatchLog collects value differences and keeps the first few for the report.
type mismatchLog struct {
	count int
	first []string
}

func (m *mismatchLog) add(format string, args ...any) {
	m.count++
	if len(m.first) < 15 {
		m.first = append(m.first, fmt.Sprintf(format, args...))
	}
}

func (m *mismatchLog) report(t *testing.T, label string) {
	t.Helper()
	if m.count > 0 {
		t.Errorf("%s: %d values differ from the database, first ones:\n  %s", label, m.count, strings.Join(m.first, "\n  "))
	}
}
