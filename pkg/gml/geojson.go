package gml

import "github.com/fourreau/fourreau/pkg/geom"

// AppendGeoJSON writes the root geometry of d as a GeoJSON geometry object, x before y
// as RFC 7946 requires.
func AppendGeoJSON(buf []byte, d *geom.Decoder, decimals int) []byte {
	return geoJSONNode(buf, d, 0, decimals)
}

func geoJSONNode(buf []byte, d *geom.Decoder, i, decimals int) []byte {
	n := d.Nodes[i]
	if n.Type == geom.GeometryCollection {
		buf = append(buf, `{"type":"GeometryCollection","geometries":[`...)
		for c := 0; c < n.Count; c++ {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = geoJSONNode(buf, d, n.First+c, decimals)
		}
		return append(buf, "]}"...)
	}
	buf = append(buf, `{"type":"`...)
	buf = append(buf, typeName(n.Type)...)
	buf = append(buf, `","coordinates":`...)
	buf = geoJSONCoords(buf, d, i, decimals)
	return append(buf, '}')
}

func geoJSONCoords(buf []byte, d *geom.Decoder, i, decimals int) []byte {
	n := d.Nodes[i]
	switch n.Type {
	case geom.Point:
		if n.End == n.Start {
			return append(buf, "[]"...)
		}
		return geoJSONPosition(buf, d, n.Start, decimals)
	case geom.LineString, geom.Ring:
		buf = append(buf, '[')
		for p := n.Start; p < n.End; p += d.Dim {
			if p > n.Start {
				buf = append(buf, ',')
			}
			buf = geoJSONPosition(buf, d, p, decimals)
		}
		return append(buf, ']')
	default:
		buf = append(buf, '[')
		for c := 0; c < n.Count; c++ {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = geoJSONCoords(buf, d, n.First+c, decimals)
		}
		return append(buf, ']')
	}
}

func geoJSONPosition(buf []byte, d *geom.Decoder, p, decimals int) []byte {
	buf = append(buf, '[')
	buf = AppendNumber(buf, d.Coords[p], decimals)
	buf = append(buf, ',')
	buf = AppendNumber(buf, d.Coords[p+1], decimals)
	if d.Dim == 3 {
		buf = append(buf, ',')
		buf = AppendNumber(buf, d.Coords[p+2], decimals)
	}
	return append(buf, ']')
}

func typeName(t geom.Type) string {
	switch t {
	case geom.Point:
		return "Point"
	case geom.LineString:
		return "LineString"
	case geom.Polygon:
		return "Polygon"
	case geom.MultiPoint:
		return "MultiPoint"
	case geom.MultiLineString:
		return "MultiLineString"
	case geom.MultiPolygon:
		return "MultiPolygon"
	default:
		return "GeometryCollection"
	}
}
