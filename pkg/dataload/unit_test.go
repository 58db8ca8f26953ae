package dataload

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitPassword(t *testing.T) {
	cases := []struct {
		name, dsn, conninfo, password string
	}{
		{"url with password", "postgres://fourreau:s3cret@127.0.0.1:55432/fourreau?sslmode=disable",
			"host='127.0.0.1' port='55432' dbname='fourreau' user='fourreau' sslmode='disable'", "s3cret"},
		{"url without password", "postgresql://u@localhost/db", "host='localhost' dbname='db' user='u'", ""},
		{"url with query password", "postgres://u@localhost/db?password=p%20w", "host='localhost' dbname='db' user='u'", "p w"},
		{"url quoting", "postgres://o%27brien@h/d", `host='h' dbname='d' user='o\'brien'`, ""},
		{"keywords", "host=127.0.0.1 port=5432 password='a b\\'c' dbname=x", "host=127.0.0.1 port=5432 dbname=x", "a b'c"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conninfo, password, err := splitPassword(tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if conninfo != tc.conninfo {
				t.Errorf("conninfo = %q, want %q", conninfo, tc.conninfo)
			}
			if password != tc.password {
				t.Errorf("password = %q, want %q", password, tc.password)
			}
		})
	}
}

// fakeCodeLists returns small code lists with the codes the generator
// names in its coherence rules.
func fakeCodeLists() codeLists {
	codes := map[string][]string{
		"network_category":   {"ELEC", "ELECTRD", "ELECECL", "ELECSLT", "GAZ", "CHIM", "AEP", "ASS", "CHAU", "COM", "MULT", "INC"},
		"lifecycle_status":   {"projected", "functional", "decommissioned", "dismantled"},
		"project_phase":      {"AVP", "REC"},
		"condition":          {"OK", "HS"},
		"precision_class":    {"A", "B", "C"},
		"geoloc_mode":        {"LTRO", "ORTO"},
		"material":           {"PE", "PVC", "TPC", "concrete", "other"},
		"occupancy_class":    {"0", "1.1", "1.2", "2"},
		"ownership_type":     {"CST", "IRU"},
		"delivery_type":      {"transport", "distribution"},
		"vertical_position":  {"underground", "suspended"},
		"voltage_domain":     {"BT", "HTA"},
		"telecom_technology": {"fibre", "copper"},
		"warning_type":       {"net", "tape"},
		"route_kind":         {"duct_bank", "aerial"},
		"laying_method":      {"TRA", "FOR"},
		"passage_type":       {"TROT", "CHAU"},
		"point_kind":         {"chamber", "pole", "cabinet", "other"},
		"logical_use":        {"pulling", "connection"},
		"cut_state":          {"provisional", "definitive"},
		"works_type":         {"new_network", "renewal", "other"},
		"network_elements":   {"aerial", "mixed"},
		"works_status":       {"draft", "published", "cancelled"},
		"submission_format":  {"wfs_t", "geojson"},
		"validation_status":  {"pending", "valid"},
	}
	return codeLists{codes: codes, sensitive: map[string]bool{"ELEC": true, "GAZ": true}}
}

func TestGenerateDemo_Deterministic(t *testing.T) {
	first := generateDemo(fakeCodeLists())
	second := generateDemo(fakeCodeLists())
	if !reflect.DeepEqual(first, second) {
		t.Fatal("two generations with the same code lists differ")
	}
	if len(first.routes) < 300 || len(first.ducts) < 300 || len(first.points) < 300 ||
		len(first.links) < 300 || len(first.plannedWorks) < 300 {
		t.Errorf("sizes: routes %d ducts %d points %d links %d works %d, want at least 300 each",
			len(first.routes), len(first.ducts), len(first.points), len(first.links), len(first.plannedWorks))
	}
}

func TestGenerateDemo_EveryCodeOfAColumn(t *testing.T) {
	data := generateDemo(fakeCodeLists())
	used := map[string]bool{}
	for _, r := range data.routes {
		used[r["route_kind"].(string)] = true
	}
	for _, code := range fakeCodeLists().codes["route_kind"] {
		if !used[code] {
			t.Errorf("route_kind %s never used", code)
		}
	}
}

func TestReport_String(t *testing.T) {
	r := Report{Items: []Item{
		{Source: "demo", Status: StatusLoaded, Counts: []TableCount{{"duct", 12}}},
		{Source: "osm", Status: StatusSkipped, Reason: "no extract"},
	}}
	out := r.String()
	for _, want := range []string{"demo", "loaded", "duct=12", "osm", "skipped", "(no extract)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report %q does not contain %q", out, want)
		}
	}
}
