package wfs

import (
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// fesFilterLanguage is the FILTER_LANGUAGE of FES XML filters, the WFS 2.0 default.
const fesFilterLanguage = "urn:ogc:def:query:OGC-FES:Filter"

// checkFilterLanguage accepts an empty FILTER_LANGUAGE or the FES one: CQL text goes in
// CQL_FILTER.
func checkFilterLanguage(v string) error {
	switch strings.TrimSpace(v) {
	case "", fesFilterLanguage:
		return nil
	}
	return ows.Errorf(ows.InvalidParameterValue, "filter_language", "FILTER_LANGUAGE=%q is not supported; use %s, or CQL_FILTER for CQL2 text", v, fesFilterLanguage)
}

// splitCQL splits a CQL_FILTER value that gives one filter per type, separated by ';'
// as GeoServer does. A ';' inside a quoted string or after SRID=n of an EWKT literal
// separates nothing.
func splitCQL(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ';' && !afterSRID(s[:i]):
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// afterSRID reports whether s ends with SRID=digits.
func afterSRID(s string) bool {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) {
		return false
	}
	s = strings.TrimRight(s[:i], " ")
	s = strings.TrimSuffix(s, "=")
	s = strings.TrimRight(s, " ")
	return len(s) >= 4 && strings.EqualFold(s[len(s)-4:], "SRID")
}

// cqlFilterFor parses the CQL filter of the i-th of n types. Geometry literals without
// SRID are in the layer's CRS, x/y, as GeoServer reads CQL_FILTER.
func (s *Service) cqlFilterFor(filters []string, i, n int, l *feature.Layer) (filter.Node, error) {
	text := filters[0]
	switch {
	case len(filters) == n:
		text = filters[i]
	case len(filters) > 1:
		return nil, ows.Errorf(ows.InvalidParameterValue, "cql_filter", "CQL_FILTER lists %d filters for %d types", len(filters), n)
	}
	opts := filter.CQLOptions{
		SRID: l.SRID,
		CRS:  filter.CRSResolver(s.crs, l.SRID, false),
	}
	node, err := filter.ParseCQL(text, opts)
	if err != nil {
		e := ows.AsException(err)
		if e.Locator == "filter" || e.Locator == "" {
			e.Locator = "cql_filter"
		}
		return nil, e
	}
	if ids, ok := node.(filter.ResourceID); ok {
		return s.resourceIDFilter(ids.IDs, []*feature.Layer{l})
	}
	if err := checkProperties(l, node, "cql_filter"); err != nil {
		return nil, err
	}
	return node, nil
}

// checkProperties rejects a filter that names a property the layer does not have, with
// the locator of the parameter that held it. The SQL compiler checks again.
func checkProperties(l *feature.Layer, n filter.Node, locator string) error {
	for _, name := range filter.PropertyNames(n) {
		if _, _, ok := l.Property(name); !ok {
			return ows.Errorf(ows.InvalidParameterValue, locator, "%s has no property %q", l.Name, name)
		}
	}
	return nil
}
