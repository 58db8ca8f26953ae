package wfs

import (
	"slices"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// isGMLGeometry reports whether e is a GML geometry element of any GML version.
func isGMLGeometry(e *ows.Element) bool {
	return (e.Space == nsGML || e.Space == nsGML32) && gml.IsGeometry(e)
}

// readGeometry reads a GML geometry written for layer l and shapes it to the layer's
// geometry type. A single geometry sent to a multi column becomes a one-member multi,
// and a one-member multi sent to a single column becomes its member. Any other mismatch
// is an InvalidValue. The CRS must be the layer's or one of wfs.other_crs, the CRSs
// capabilities list; PostGIS reprojects it to the layer CRS when the feature is written.
func (s *Service) readGeometry(e *ows.Element, l *feature.Layer, def crs.Name) (*feature.Geometry, error) {
	g, err := gml.Read(e, def, s.crs)
	if err != nil {
		if ex, ok := err.(*ows.Exception); ok && ex.Code == ows.InvalidParameterValue {
			out := *ex
			out.Code = ows.InvalidValue
			return nil, &out
		}
		return nil, err
	}
	if g.SRID != l.SRID && !slices.Contains(s.cfg.WFS.OtherCRS, g.SRID) {
		return nil, ows.Errorf(ows.InvalidValue, "", "geometries in EPSG:%d are not accepted for %s; use EPSG:%d or one of the CRSs that capabilities list",
			g.SRID, l.Name, l.SRID)
	}
	shaped, err := conform(g, l)
	if err != nil {
		return nil, err
	}
	return &feature.Geometry{WKB: shaped.EWKB(), SRID: shaped.SRID, HasZ: shaped.HasZ}, nil
}

// conform returns g with the type the layer's geometry column holds.
func conform(g gml.Geometry, l *feature.Layer) (gml.Geometry, error) {
	want, ok := geometryTypes[l.GeometryType]
	if !ok {
		return g, nil // a Geometry column holds any type
	}
	// A MultiGeometry whose members share one simple type is the matching Multi type.
	if g.Type == geom.GeometryCollection && len(g.Parts) > 0 {
		t := g.Parts[0].Type
		same := multiOf[t] != 0
		for _, p := range g.Parts {
			same = same && p.Type == t
		}
		if same {
			g.Type = multiOf[t]
		}
	}
	switch {
	case g.Type == want:
		return g, nil
	case multiOf[g.Type] == want:
		parts := []gml.Geometry{g}
		parts[0].SRID = 0
		return gml.Geometry{Type: want, SRID: g.SRID, HasZ: g.HasZ, Parts: parts}, nil
	case multiOf[want] == g.Type && len(g.Parts) == 1:
		part := g.Parts[0]
		part.SRID = g.SRID
		return part, nil
	case multiOf[want] == g.Type:
		return gml.Geometry{}, ows.Errorf(ows.InvalidValue, "", "a %s of %d members cannot be stored in %s, whose geometry is a single %s; send one feature per member",
			typeName(g.Type), len(g.Parts), l.Name, l.GeometryType)
	}
	return gml.Geometry{}, ows.Errorf(ows.InvalidValue, "", "a %s cannot be stored in %s, whose geometry is a %s", typeName(g.Type), l.Name, l.GeometryType)
}

var geometryTypes = map[string]geom.Type{
	"Point": geom.Point, "LineString": geom.LineString, "Polygon": geom.Polygon,
	"MultiPoint": geom.MultiPoint, "MultiLineString": geom.MultiLineString, "MultiPolygon": geom.MultiPolygon,
}

// multiOf maps a simple type to its Multi type.
var multiOf = map[geom.Type]geom.Type{geom.Point: geom.MultiPoint, geom.LineString: geom.MultiLineString, geom.Polygon: geom.MultiPolygon}

func typeName(t geom.Type) string {
	for name, v := range geometryTypes {
		if v == t {
			return name
		}
	}
	switch t {
	case geom.GeometryCollection:
		return "MultiGeometry"
	case geom.Ring:
		return "LinearRing"
	}
	return "geometry"
}
