package postgis

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/paulmach/orb"
)

// crsArea is the area where a CRS is valid, as a polygon in that CRS.
type crsArea struct {
	name string
	ewkb []byte
	// ring is the boundary of the polygon, and bound its box, for checks made in Go.
	ring  orb.Ring
	bound orb.Bound
}

// contains reports whether every position of an extended WKB geometry lies inside the
// area. The geometry must be in the area's CRS.
func (a *crsArea) contains(d *geom.Decoder, ewkb []byte) (bool, error) {
	if err := d.Decode(ewkb); err != nil {
		return false, err
	}
	for i := 0; i+1 < len(d.Coords); i += d.Dim {
		p := orb.Point{d.Coords[i], d.Coords[i+1]}
		if !a.bound.Contains(p) || !ringContains(a.ring, p) {
			return false, nil
		}
	}
	return true, nil
}

// usageBox matches the area of use of a CRS in PROJ's WKT2 output:
// AREA["France - onshore..."], BBOX[south,west,north,east].
var (
	usageArea = regexp.MustCompile(`AREA\["([^"]*)"\]`)
	usageBox  = regexp.MustCompile(`BBOX\[(-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)\]`)
)

// area returns the area of use of EPSG:srid from the EPSG database that PROJ's projinfo
// reads, turned into a polygon in that CRS by PostGIS. It returns nil, and writes are
// not checked against an area, when projinfo is not installed or names no area.
func (s *Store) area(ctx context.Context, srid int) (*crsArea, error) {
	s.writeMu.Lock()
	a, ok := s.areas[srid]
	s.writeMu.Unlock()
	if ok {
		return a, nil
	}
	a, err := s.loadArea(ctx, srid)
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	s.areas[srid] = a
	s.writeMu.Unlock()
	return a, nil
}

func (s *Store) loadArea(ctx context.Context, srid int) (*crsArea, error) {
	path, err := exec.LookPath("projinfo")
	if err != nil {
		return nil, nil
	}
	runCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(runCtx, path, "-q", "-o", "WKT2:2019", "EPSG:"+strconv.Itoa(srid)).Output()
	if err != nil {
		return nil, nil
	}
	m := usageBox.FindSubmatch(out)
	if m == nil {
		return nil, nil
	}
	var b [4]float64
	for i := range b {
		b[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
	}
	south, west, north, east := b[0], b[1], b[2], b[3]
	if west > east {
		// An area crossing the antimeridian: its longitudes are not checked.
		west, east = -180, 180
	}
	a := &crsArea{name: fmt.Sprintf("longitude %g to %g, latitude %g to %g", west, east, south, north)}
	if n := usageArea.FindSubmatch(out); n != nil {
		a.name = string(n[1]) + ": " + a.name
	}
	// The box is densified before reprojection so that its edges keep their course. A
	// margin of 0.01° (about 1 km) absorbs the rounding of the published box.
	err = s.pool.QueryRow(ctx, `SELECT ST_AsEWKB(ST_Transform(ST_Segmentize(
			ST_MakeEnvelope($1::float8 - 0.01, $2::float8 - 0.01, $3::float8 + 0.01, $4::float8 + 0.01, 4326), 0.25), $5::integer))`,
		west, max(south, -90.0+0.01), east, min(north, 90.0-0.01), srid).Scan(&a.ewkb)
	if err != nil {
		return nil, fmt.Errorf("postgis: area of EPSG:%d: %w", srid, err)
	}
	var d geom.Decoder
	if err := d.Decode(a.ewkb); err != nil || len(d.Nodes) < 2 {
		return nil, fmt.Errorf("postgis: area of EPSG:%d: decode the polygon: %v", srid, err)
	}
	outer := d.Nodes[d.Nodes[0].First]
	for i := outer.Start; i+1 < outer.End; i += d.Dim {
		a.ring = append(a.ring, orb.Point{d.Coords[i], d.Coords[i+1]})
	}
	a.bound = a.ring.Bound()
	return a, nil
}

// ringContains reports whether p lies inside the closed ring r, by counting the edges a
// ray from p crosses. planar.RingContains of orb computes the ring's bounds on every
// call, which made the check of 10,000 ducts several times slower.
func ringContains(r orb.Ring, p orb.Point) bool {
	inside := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			inside = !inside
		}
	}
	return inside
}
