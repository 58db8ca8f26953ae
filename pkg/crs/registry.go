package crs

import (
	"fmt"
	"sync"
)

// Info describes one CRS as the database defines it.
type Info struct {
	SRID int
	// NorthingFirst is true when the EPSG definition lists latitude or northing as the
	// first axis (EPSG:4326, EPSG:4258, EPSG:3035...).
	NorthingFirst bool
	// Geographic is true for CRSs whose units are degrees.
	Geographic bool
}

// Registry holds the CRSs the server can reproject to, keyed by SRID. A Lookup function
// loads unknown codes on demand (from the PostGIS spatial_ref_sys table in production).
type Registry struct {
	mu     sync.RWMutex
	known  map[int]Info
	lookup func(srid int) (Info, bool, error)
}

// NewRegistry returns a registry that asks lookup for codes it has not seen yet.
func NewRegistry(lookup func(srid int) (Info, bool, error)) *Registry {
	return &Registry{known: make(map[int]Info), lookup: lookup}
}

// Lookup returns the definition of srid, or ok=false when the code is unknown.
func (r *Registry) Lookup(srid int) (Info, bool, error) {
	r.mu.RLock()
	info, ok := r.known[srid]
	r.mu.RUnlock()
	if ok {
		return info, true, nil
	}
	if r.lookup == nil {
		return Info{}, false, nil
	}
	info, ok, err := r.lookup(srid)
	if err != nil {
		return Info{}, false, fmt.Errorf("crs: look up EPSG:%d: %w", srid, err)
	}
	if ok {
		r.mu.Lock()
		r.known[srid] = info
		r.mu.Unlock()
	}
	return info, ok, nil
}

// Swap reports whether coordinates in this spelling are written northing (or latitude)
// first, so that the x/y values PostGIS returns must be swapped on output and on input.
func (r *Registry) Swap(n Name) (bool, error) {
	if !n.UsesAuthorityOrder() {
		return false, nil
	}
	info, ok, err := r.Lookup(n.SRID)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, fmt.Errorf("crs: unknown CRS EPSG:%d", n.SRID)
	}
	return info.NorthingFirst, nil
}
