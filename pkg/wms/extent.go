package wms

import (
	"context"
	"fmt"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
)

// extentTTL is how long the extents of a layer in every offered CRS are reused.
const extentTTL = time.Minute

// cachedExtents are the bounding boxes of a feature layer.
type cachedExtents struct {
	at time.Time
	ok bool
	// geo is longitude/latitude (EPSG:4326, x/y order).
	geo feature.Extent
	// byCRS holds the box in each offered CRS that can hold it, x/y order.
	byCRS map[int]feature.Extent
}

// layerExtents returns the bounding boxes of a feature layer; ok is false for an empty
// layer.
func (s *Service) layerExtents(ctx context.Context, fl *feature.Layer) (cachedExtents, error) {
	s.extentMu.Lock()
	c, hit := s.extents[fl.Name]
	s.extentMu.Unlock()
	if hit && time.Since(c.at) < extentTTL {
		return c, nil
	}
	geo, ok, err := s.store.Extent(ctx, fl)
	if err != nil {
		return cachedExtents{}, err
	}
	c = cachedExtents{at: time.Now(), ok: ok, geo: geo}
	if ok {
		c.byCRS, err = s.store.TransformExtent(ctx, geo, 4326, s.crsCodes)
		if err != nil {
			return cachedExtents{}, fmt.Errorf("wms: extents of %s: %w", fl.Name, err)
		}
	}
	s.extentMu.Lock()
	s.extents[fl.Name] = c
	s.extentMu.Unlock()
	return c, nil
}

// unionExtents merges the extents of several layers.
func unionExtents(all []cachedExtents) cachedExtents {
	out := cachedExtents{byCRS: map[int]feature.Extent{}}
	for _, e := range all {
		if !e.ok {
			continue
		}
		if !out.ok {
			out.ok, out.geo = true, e.geo
		} else {
			out.geo = out.geo.Union(e.geo)
		}
		for code, b := range e.byCRS {
			if prev, seen := out.byCRS[code]; seen {
				out.byCRS[code] = prev.Union(b)
			} else {
				out.byCRS[code] = b
			}
		}
	}
	return out
}
