package tiles

import (
	"fmt"
	"strings"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
)

// tileLayer is a published layer with its tile settings resolved against its fields.
type tileLayer struct {
	layer        *feature.Layer
	minZoom      int
	maxZoom      int
	completeZoom int
	fields       []*feature.Field
	buffer       int
	clip         bool
	reduce       []reduction
	// watched reports that the layer's table sends change notifications, so that its
	// tiles can be cached.
	watched bool
}

// reduction is a config.TileReduction with its fields resolved.
type reduction struct {
	maxZoom    int
	fields     []*feature.Field
	simplifyPx float64
	minSizePx  float64
}

// newTileLayer resolves the tile settings tc of layer l; tc is nil when the
// configuration has none for it.
func newTileLayer(l *feature.Layer, tc *config.TileLayer, defaultBuffer int) (*tileLayer, error) {
	tl := &tileLayer{layer: l, maxZoom: config.DefaultTileMaxZoom, buffer: defaultBuffer, clip: true}
	if tc == nil {
		for i := range l.Fields {
			tl.fields = append(tl.fields, &l.Fields[i])
		}
		return tl, nil
	}
	tl.minZoom = tc.MinZoom
	if tc.MaxZoom != 0 {
		tl.maxZoom = tc.MaxZoom
	}
	tl.completeZoom = max(tc.CompleteZoom, tc.MinZoom)
	if tc.Buffer != nil {
		tl.buffer = *tc.Buffer
	}
	if tc.Clip != nil {
		tl.clip = *tc.Clip
	}
	var err error
	if len(tc.Fields) == 0 {
		for i := range l.Fields {
			tl.fields = append(tl.fields, &l.Fields[i])
		}
	} else if tl.fields, err = resolveFields(l, tc.Fields); err != nil {
		return nil, err
	}
	for _, r := range tc.Reduce {
		fields, err := resolveFields(l, r.Fields)
		if err != nil {
			return nil, err
		}
		tl.reduce = append(tl.reduce, reduction{maxZoom: r.MaxZoom, fields: fields, simplifyPx: r.SimplifyPx, minSizePx: r.MinSizePx})
	}
	return tl, nil
}

func resolveFields(l *feature.Layer, names []string) ([]*feature.Field, error) {
	out := make([]*feature.Field, 0, len(names))
	for _, name := range names {
		f, ok := l.Field(name)
		if !ok {
			return nil, fmt.Errorf("tiles.layers (%s): field %q is not a published field of the layer", l.Name, name)
		}
		out = append(out, f)
	}
	return out, nil
}

// inZoom reports whether tiles of WebMercatorQuad zoom hold the layer.
func (tl *tileLayer) inZoom(zoom int) bool { return zoom >= tl.minZoom && zoom <= tl.maxZoom }

// query returns how the layer is written in a tile of WebMercatorQuad zoom.
func (tl *tileLayer) query(zoom int) feature.TileLayer {
	q := feature.TileLayer{
		Layer: tl.layer, Name: tl.layer.Name, Fields: tl.fields, Buffer: tl.buffer, Clip: tl.clip,
		Complete: zoom >= tl.completeZoom,
	}
	if q.Complete {
		return q
	}
	for _, r := range tl.reduce {
		if zoom <= r.maxZoom {
			q.Fields, q.SimplifyPx, q.MinSizePx = r.fields, r.simplifyPx, r.minSizePx
			break
		}
	}
	return q
}

// layerSet is the set of layers that a tile URL names: one layer, a configured group or
// a comma list.
type layerSet struct {
	// id names the set in cache keys: the layer or group name, or the comma list of
	// layer names.
	id string
	// label names the set in metrics: the layer or group name, or "(list)" for a comma
	// list, so that the number of label values stays bounded.
	label  string
	title  string
	layers []*tileLayer
	// cacheable reports that every layer is watched and the name fits a cache key.
	cacheable bool
}

// listLabel is the metrics label of every comma list of layers.
const listLabel = "(list)"

// maxListLayers bounds the layers of a comma list.
const maxListLayers = 32

// resolveSet returns the layer set that name designates: a group, a layer, or a
// comma-separated list of layers. Layer names may carry the namespace prefix, as
// net:duct or net.duct.
func (s *Service) resolveSet(name string) (*layerSet, error) {
	if set, ok := s.sets[name]; ok {
		return set, nil
	}
	parts := strings.Split(name, ",")
	if len(parts) > maxListLayers {
		return nil, fmt.Errorf("too many layers: at most %d may be listed", maxListLayers)
	}
	set := &layerSet{label: listLabel, cacheable: true}
	seen := map[string]bool{}
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		tl, ok := s.layer(p)
		if !ok {
			return nil, fmt.Errorf("unknown layer %q", p)
		}
		if seen[tl.layer.Name] {
			return nil, fmt.Errorf("layer %q is listed twice", tl.layer.Name)
		}
		seen[tl.layer.Name] = true
		names = append(names, tl.layer.Name)
		set.layers = append(set.layers, tl)
		set.cacheable = set.cacheable && tl.watched
	}
	set.id = strings.Join(names, ",")
	set.title = strings.Join(names, ", ")
	if len(set.layers) == 1 {
		set.label = set.id
	}
	set.cacheable = set.cacheable && len(set.id) <= maxSetNameBytes
	return set, nil
}

// layer returns the tile layer called name, with or without the namespace prefix.
func (s *Service) layer(name string) (*tileLayer, bool) {
	if tl, ok := s.layers[name]; ok {
		return tl, true
	}
	for _, sep := range []string{":", "."} {
		if rest, ok := strings.CutPrefix(name, s.prefix+sep); ok {
			if tl, ok := s.layers[rest]; ok {
				return tl, true
			}
		}
	}
	return nil, false
}

// setContains reports whether the cached layer set named id holds layer.
func (s *Service) setContains(id, layer string) bool {
	if set, ok := s.sets[id]; ok {
		for _, tl := range set.layers {
			if tl.layer.Name == layer {
				return true
			}
		}
		return false
	}
	for _, name := range strings.Split(id, ",") {
		if name == layer {
			return true
		}
	}
	return false
}
