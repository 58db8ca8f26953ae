package postgis

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const columnsSQL = `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, NOT a.attnotnull
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`

const geometryColumnSQL = `
SELECT type, srid, coord_dimension
  FROM geometry_columns
 WHERE f_table_schema = $1 AND f_table_name = $2 AND f_geometry_column = $3`

// LoadCatalog reads the definition of every configured layer from the database. Problems
// with several layers are reported together.
func LoadCatalog(ctx context.Context, pool *pgxpool.Pool, layers []config.LayerConfig) (*feature.Catalog, error) {
	var out []*feature.Layer
	var errs []error
	for _, lc := range layers {
		l, err := loadLayer(ctx, pool, lc)
		if err != nil {
			errs = append(errs, fmt.Errorf("layer %s: %w", lc.Name, err))
			continue
		}
		out = append(out, l)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return feature.NewCatalog(out), nil
}

func loadLayer(ctx context.Context, pool *pgxpool.Pool, lc config.LayerConfig) (*feature.Layer, error) {
	schema, table := "public", lc.Table
	if i := strings.IndexByte(lc.Table, '.'); i >= 0 {
		schema, table = lc.Table[:i], lc.Table[i+1:]
	}
	qualified := pgx.Identifier{schema, table}.Sanitize()
	rows, err := pool.Query(ctx, columnsSQL, qualified)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", lc.Table, err)
	}
	type column struct {
		name, typ, typname string
		nullable           bool
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.typ, &c.typname, &c.nullable)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", lc.Table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table or view %s not found (run `fourreau migrate` for the default model)", lc.Table)
	}

	l := &feature.Layer{
		Name: lc.Name, Title: lc.Title, Abstract: lc.Abstract, Keywords: lc.Keywords,
		Schema: schema, Table: table, Key: lc.Key, Geometry: lc.Geometry,
		GeomElement: feature.ElementName(lc.Geometry), SRID: lc.SRID, GeometryType: lc.GeometryType,
	}
	if l.Title == "" {
		l.Title = lc.Name
	}
	byName := map[string]column{}
	for _, c := range cols {
		byName[c.name] = c
	}
	key, ok := byName[lc.Key]
	if !ok {
		return nil, fmt.Errorf("key column %q not found in %s", lc.Key, lc.Table)
	}
	switch key.typname {
	case "int2", "int4", "int8":
	default:
		return nil, fmt.Errorf("key column %q is %s; an integer column is required", lc.Key, key.typ)
	}
	geom, ok := byName[lc.Geometry]
	if !ok || geom.typname != "geometry" {
		return nil, fmt.Errorf("geometry column %q not found in %s", lc.Geometry, lc.Table)
	}
	if err := readGeometryColumn(ctx, pool, l, schema, table); err != nil {
		return nil, err
	}
	if err := readCRSUnit(ctx, pool, l); err != nil {
		return nil, err
	}

	wanted := lc.Fields
	if len(wanted) == 0 {
		for _, c := range cols {
			if c.name != lc.Key && c.typname != "geometry" && c.typname != "geography" {
				wanted = append(wanted, c.name)
			}
		}
	}
	seen := map[string]string{}
	for _, name := range wanted {
		c, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("field %q not found in %s", name, lc.Table)
		}
		f := feature.Field{Column: c.name, XMLName: feature.ElementName(c.name), Kind: kindOf(c.typname), DBType: c.typ, Nullable: c.nullable}
		if other, dup := seen[f.XMLName]; dup {
			return nil, fmt.Errorf("fields %q and %q map to the same XML name %q; list fields explicitly", other, name, f.XMLName)
		}
		seen[f.XMLName] = name
		l.Fields = append(l.Fields, f)
	}
	return l, nil
}

func readGeometryColumn(ctx context.Context, pool *pgxpool.Pool, l *feature.Layer, schema, table string) error {
	var typ string
	var srid, dim int
	err := pool.QueryRow(ctx, geometryColumnSQL, schema, table, l.Geometry).Scan(&typ, &srid, &dim)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read geometry_columns: %w", err)
	}
	if l.SRID == 0 {
		l.SRID = srid
	}
	if l.SRID == 0 {
		return fmt.Errorf("geometry column %q has no SRID constraint; set srid in the layer configuration", l.Geometry)
	}
	if l.GeometryType == "" {
		l.GeometryType = normaliseGeometryType(typ)
	}
	l.HasZ = dim >= 3 && !strings.HasSuffix(strings.ToUpper(typ), "M")
	return nil
}

func normaliseGeometryType(t string) string {
	u := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(t), "M"), "Z")
	for _, name := range []string{"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"} {
		if strings.ToUpper(name) == u {
			return name
		}
	}
	return "Geometry"
}

func kindOf(typname string) feature.Kind {
	switch typname {
	case "int2", "int4":
		return feature.KindInt
	case "int8":
		return feature.KindLong
	case "numeric":
		return feature.KindDecimal
	case "float4", "float8":
		return feature.KindFloat
	case "bool":
		return feature.KindBool
	case "date":
		return feature.KindDate
	case "timestamp", "timestamptz":
		return feature.KindDateTime
	default:
		// NOTE: json and jsonb columns are strings too, so GeoJSON writes their value as
		// a JSON string rather than as a nested object.
		return feature.KindString
	}
}

// unitPattern matches the UNIT clauses of a WKT 1 definition, with their length in metres
// (or radians for an angular unit).
var unitPattern = regexp.MustCompile(`UNIT\["[^"]*",\s*([0-9.eE+-]+)`)

// readCRSUnit records whether the layer's CRS is geographic and, for a projected CRS,
// the length of its unit in metres, from the definition in spatial_ref_sys.
func readCRSUnit(ctx context.Context, pool *pgxpool.Pool, l *feature.Layer) error {
	var srtext string
	err := pool.QueryRow(ctx, "SELECT srtext FROM spatial_ref_sys WHERE srid = $1", l.SRID).Scan(&srtext)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("SRID %d is not in spatial_ref_sys", l.SRID)
	}
	if err != nil {
		return fmt.Errorf("read spatial_ref_sys: %w", err)
	}
	if strings.HasPrefix(srtext, "GEOGCS") {
		l.Geographic = true
		return nil
	}
	// The linear unit of a PROJCS is its last UNIT clause: the earlier one belongs to
	// the base geographic CRS.
	units := unitPattern.FindAllStringSubmatch(srtext, -1)
	if strings.HasPrefix(srtext, "PROJCS") && len(units) > 0 {
		if v, err := strconv.ParseFloat(units[len(units)-1][1], 64); err == nil && v > 0 {
			l.UnitMetres = v
		}
	}
	return nil
}
