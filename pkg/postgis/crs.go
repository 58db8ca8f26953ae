package postgis

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var firstAxis = regexp.MustCompile(`(?i)AXIS\["[^"]*",\s*(north|south|east|west|up|down)`)

// CRSLookup returns a function that describes an EPSG code from the spatial_ref_sys table.
// The axis order comes from the EPSG definition: every geographic CRS there lists
// latitude first, and for projected CRSs the first AXIS of the WKT decides. PostGIS 3.3
// leaves AXIS out of some projected definitions (EPSG:3035), so for those the PROJ
// command-line tool projinfo is asked when it is installed.
func CRSLookup(pool *pgxpool.Pool) func(srid int) (crs.Info, bool, error) {
	return func(srid int) (crs.Info, bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var srtext string
		err := pool.QueryRow(ctx,
			"SELECT srtext FROM spatial_ref_sys WHERE srid = $1 AND auth_name = 'EPSG'", srid).Scan(&srtext)
		if err == pgx.ErrNoRows {
			return crs.Info{}, false, nil
		}
		if err != nil {
			return crs.Info{}, false, err
		}
		info := crs.Info{SRID: srid}
		switch {
		case strings.HasPrefix(srtext, "GEOGCS"):
			info.Geographic = true
			info.NorthingFirst = true
		case firstAxis.MatchString(srtext):
			m := firstAxis.FindStringSubmatch(srtext)
			info.NorthingFirst = isNorthSouth(m[1])
		default:
			info.NorthingFirst = projinfoNorthingFirst(ctx, srid)
		}
		return info, true, nil
	}
}

func isNorthSouth(dir string) bool {
	d := strings.ToLower(dir)
	return d == "north" || d == "south"
}

// projinfoNorthingFirst asks PROJ for the WKT2 definition of EPSG:srid and reads the
// direction of its first axis; false when the tool is missing or fails.
func projinfoNorthingFirst(ctx context.Context, srid int) bool {
	path, err := exec.LookPath("projinfo")
	if err != nil {
		return false
	}
	out, err := exec.CommandContext(ctx, path, "-q", "-o", "WKT2:2019", "EPSG:"+strconv.Itoa(srid)).Output()
	if err != nil {
		return false
	}
	m := regexp.MustCompile(`(?i)AXIS\["[^"]*",\s*(north|south|east|west)`).FindSubmatch(out)
	return m != nil && isNorthSouth(string(m[1]))
}
