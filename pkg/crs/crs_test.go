package crs

import "testing"

func TestParseSpellings(t *testing.T) {
	cases := []struct {
		in        string
		srid      int
		form      Form
		authority bool
	}{
		{"EPSG:4326", 4326, FormShort, false},
		{"epsg:2154", 2154, FormShort, false},
		{"urn:ogc:def:crs:EPSG::4326", 4326, FormURN, true},
		{"urn:ogc:def:crs:EPSG:6.6:4326", 4326, FormURN, true},
		{"urn:x-ogc:def:crs:EPSG:4326", 4326, FormURNX, true},
		{"http://www.opengis.net/def/crs/EPSG/0/3035", 3035, FormHTTP, true},
		{"http://www.opengis.net/gml/srs/epsg.xml#4326", 4326, FormGMLHTTP, false},
		{"CRS:84", 4326, FormCRS84, false},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 4326, FormCRS84, false},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, FormCRS84, false},
	}
	for _, c := range cases {
		n, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if n.SRID != c.srid || n.Form != c.form {
			t.Errorf("Parse(%q) = %+v, want srid %d form %d", c.in, n, c.srid, c.form)
		}
		if n.UsesAuthorityOrder() != c.authority {
			t.Errorf("Parse(%q).UsesAuthorityOrder() = %v, want %v", c.in, n.UsesAuthorityOrder(), c.authority)
		}
		back, err := Parse(n.String())
		if err != nil || back != n {
			t.Errorf("String() of %q = %q does not parse back to the same name", c.in, n.String())
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "EPSG:", "EPSG:abc", "EPSG:-4", "urn:ogc:def:crs:EPSG::", "WGS84", "foo:4326"} {
		if n, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, n)
		}
	}
}

func TestRegistrySwap(t *testing.T) {
	calls := 0
	reg := NewRegistry(func(srid int) (Info, bool, error) {
		calls++
		switch srid {
		case 4326:
			return Info{SRID: 4326, NorthingFirst: true, Geographic: true}, true, nil
		case 2154:
			return Info{SRID: 2154}, true, nil
		}
		return Info{}, false, nil
	})
	cases := []struct {
		name string
		want bool
	}{
		{"urn:ogc:def:crs:EPSG::4326", true},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", true},
		{"EPSG:4326", false},
		{"http://www.opengis.net/gml/srs/epsg.xml#4326", false},
		{"CRS:84", false},
		{"urn:ogc:def:crs:EPSG::2154", false},
	}
	for _, c := range cases {
		n, _ := Parse(c.name)
		got, err := reg.Swap(n)
		if err != nil || got != c.want {
			t.Errorf("Swap(%s) = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if calls != 2 {
		t.Errorf("lookup called %d times, want once per code (2)", calls)
	}
	n, _ := Parse("urn:ogc:def:crs:EPSG::999999")
	if _, err := reg.Swap(n); err == nil {
		t.Error("Swap of an unknown code succeeded")
	}
}
