package filtering

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/filter"
)

// TestCapabilities_AdvertisedOperatorsTested checks that every operator and function the
// FES 2.0 and Filter 1.1 capabilities advertise is exercised by a case of
// TestOperators_MatchSQL, and that an operator not advertised is rejected.
func TestCapabilities_AdvertisedOperatorsTested(t *testing.T) {
	e := setup(t)
	f := loadFixtures(t, e)
	var bodies strings.Builder
	for _, c := range operatorCases(f) {
		bodies.WriteString(c.fes + c.filter11 + "\n")
	}
	tested := bodies.String()

	caps := string(e.get(t, url.Values{"SERVICE": {"WFS"}, "REQUEST": {"GetCapabilities"}, "VERSION": {"2.0.0"}}).body)
	advertised := func(pattern string) []string {
		var out []string
		for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(caps, -1) {
			out = append(out, m[1])
		}
		return out
	}
	ops := advertised(`<fes:(?:Comparison|Spatial|Temporal)Operator name="([A-Za-z]+)"/>`)
	if len(ops) < 25 {
		t.Fatalf("capabilities advertise %d operators: %v", len(ops), ops)
	}
	for _, op := range ops {
		if !strings.Contains(tested, "<P:"+op+">") && !strings.Contains(tested, "<P:"+op+" ") {
			t.Errorf("advertised operator %s has no case in TestOperators_MatchSQL", op)
		}
	}
	functions := advertised(`<fes:Function name="([A-Za-z]+)">`)
	var want []string
	for _, fn := range filter.Functions {
		want = append(want, fn.Name)
	}
	if !slices.Equal(functions, want) {
		t.Errorf("advertised functions %v, want %v", functions, want)
	}
	for _, fn := range functions {
		if !strings.Contains(tested, `name="`+fn+`"`) {
			t.Errorf("advertised function %s has no case in TestOperators_MatchSQL", fn)
		}
	}

	caps11 := string(e.get(t, url.Values{"SERVICE": {"WFS"}, "REQUEST": {"GetCapabilities"}, "VERSION": {"1.1.0"}}).body)
	for _, fn := range want {
		if !strings.Contains(caps11, `">`+fn+`</ogc:FunctionName>`) {
			t.Errorf("Filter 1.1 capabilities do not name function %s", fn)
		}
	}

	// Not advertised, not accepted.
	for _, op := range []string{"Meets", "TContains", "PropertyIsSimilarTo"} {
		if slices.Contains(ops, op) {
			t.Errorf("%s is advertised", op)
		}
		p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:network_link"},
			"FILTER": {fes20(`<P:` + op + `><VR>built_on</VR><P:Literal>2020-01-01</P:Literal></P:` + op + `>`)}}
		expectException(t, e.get(t, p), 400, "InvalidParameterValue")
	}
}
