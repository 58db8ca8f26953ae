package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fourreau/fourreau/pkg/feature"
)

// DenseArea returns, in EPSG:4326 longitude and latitude, the centre of the grid cell
// of cellDegrees that holds the most features among the first sampleRows rows of the
// layer's table. It reads at most sampleRows rows in storage order, whatever the size
// of the table, so the cell is a place with data rather than the densest one. ok is
// false when the table has no geometry.
func (s *Store) DenseArea(ctx context.Context, l *feature.Layer, sampleRows int, cellDegrees float64) (lon, lat float64, ok bool, err error) {
	sql := fmt.Sprintf(`SELECT ST_X(centre), ST_Y(centre) FROM (
		SELECT ST_Centroid(ST_Collect(p)) AS centre, count(*) AS n
		FROM (SELECT ST_Transform(ST_PointOnSurface(%s), 4326) AS p
		      FROM %s WHERE %[1]s IS NOT NULL AND NOT ST_IsEmpty(%[1]s) LIMIT $1) AS sample
		GROUP BY floor(ST_X(p) / $2), floor(ST_Y(p) / $2)
		ORDER BY n DESC LIMIT 1) AS cell`, ident(l.Geometry), tableOf(l))
	err = s.pool.QueryRow(ctx, sql, sampleRows, cellDegrees).Scan(&lon, &lat)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("postgis: dense area of %s: %w", l.Name, err)
	}
	return lon, lat, true, nil
}
