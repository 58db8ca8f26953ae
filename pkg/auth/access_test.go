package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/ows"
)

// statusOf returns the HTTP status of a decision: 200 when allowed.
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var e *ows.Exception
	if !errors.As(err, &e) {
		return -1
	}
	return e.HTTPStatus()
}

func TestPolicyFromConfig(t *testing.T) {
	closed, open := false, true
	cfg := &config.Config{
		Auth: config.Auth{AnonymousRead: true},
		Layers: []config.LayerConfig{
			{Name: "duct"},
			{Name: "duct_history", AnonymousRead: &closed},
		},
	}
	p := PolicyFromConfig(cfg)
	if !p.AnonymousMayRead("duct") {
		t.Error("duct should follow auth.anonymous_read (true)")
	}
	if p.AnonymousMayRead("duct_history") {
		t.Error("duct_history sets anonymous_read: false")
	}
	if !p.AnonymousMayRead("unlisted") {
		t.Error("an unlisted layer should follow auth.anonymous_read")
	}

	cfg.Auth.AnonymousRead = false
	cfg.Layers[0].AnonymousRead = &open
	p = PolicyFromConfig(cfg)
	if !p.AnonymousMayRead("duct") {
		t.Error("duct sets anonymous_read: true over a closed default")
	}
	if p.AnonymousMayRead("unlisted") {
		t.Error("an unlisted layer should be closed when auth.anonymous_read is false")
	}
}

func TestFromContextWithoutMiddleware(t *testing.T) {
	a := FromContext(context.Background())
	if !a.Principal.IsAnonymous() {
		t.Error("a request without the middleware should be anonymous")
	}
	if !a.CanRead("duct") {
		t.Error("without the middleware every layer stays readable")
	}
	if got := statusOf(a.CheckWrite("duct", "")); got != http.StatusUnauthorized {
		t.Errorf("a write without the middleware got %d, want 401", got)
	}
}

// TestDecisionMatrix runs every caller against every operation on own and foreign
// features.
func TestDecisionMatrix(t *testing.T) {
	policy := NewPolicy(true, map[string]bool{"duct_history": false})
	const orgA, orgB = 10, 20
	callers := map[string]*Principal{
		"anonymous": Anonymous(),
		"partnerA":  {Role: RolePartner, PartnerID: 1, Login: "a", OrgID: orgA, OrgCode: "A", WriteLayers: []string{"duct", "route"}},
		"partnerB":  {Role: RolePartner, PartnerID: 2, Login: "b", OrgID: orgB, OrgCode: "B", WriteLayers: []string{"duct"}},
		"admin":     {Role: RoleAdmin, PartnerID: 3, Login: "root", OrgID: 30, OrgCode: "ADM"},
	}
	ownedByA := Ownership{OwnerOrgID: orgA, InWriteArea: true}
	ownedByAOutside := Ownership{OwnerOrgID: orgA, InWriteArea: false}
	unowned := Ownership{InWriteArea: true}

	cases := []struct {
		caller string
		check  func(a *Access) error
		want   int
		what   string
	}{
		{"anonymous", func(a *Access) error { return a.CheckRead("duct", "") }, 200, "read open layer"},
		{"anonymous", func(a *Access) error { return a.CheckRead("duct_history", "") }, 401, "read closed layer"},
		{"anonymous", func(a *Access) error { return a.CheckWrite("duct", "") }, 401, "insert"},
		{"anonymous", func(a *Access) error { return a.CheckChange("duct", "", ownedByA) }, 401, "change A's feature"},

		{"partnerA", func(a *Access) error { return a.CheckRead("duct_history", "") }, 200, "read closed layer"},
		{"partnerA", func(a *Access) error { return a.CheckWrite("duct", "") }, 200, "insert into allowed layer"},
		{"partnerA", func(a *Access) error { return a.CheckWrite("planned_works", "") }, 403, "insert into other layer"},
		{"partnerA", func(a *Access) error { return a.CheckChange("duct", "", ownedByA) }, 200, "change own feature"},
		{"partnerA", func(a *Access) error { return a.CheckChange("duct", "", ownedByAOutside) }, 403, "change own feature outside area"},
		{"partnerA", func(a *Access) error { return a.CheckChange("duct", "", unowned) }, 403, "change unowned feature"},
		{"partnerA", func(a *Access) error { return a.CheckChange("planned_works", "", ownedByA) }, 403, "change own feature of other layer"},

		{"partnerB", func(a *Access) error { return a.CheckWrite("duct", "") }, 200, "insert into allowed layer"},
		{"partnerB", func(a *Access) error { return a.CheckWrite("route", "") }, 403, "insert into other layer"},
		{"partnerB", func(a *Access) error { return a.CheckChange("duct", "", ownedByA) }, 403, "change A's feature"},

		{"admin", func(a *Access) error { return a.CheckRead("duct_history", "") }, 200, "read closed layer"},
		{"admin", func(a *Access) error { return a.CheckWrite("planned_works", "") }, 200, "insert into any layer"},
		{"admin", func(a *Access) error { return a.CheckChange("duct", "", ownedByA) }, 200, "change A's feature"},
		{"admin", func(a *Access) error { return a.CheckChange("duct", "", ownedByAOutside) }, 200, "change feature outside areas"},
	}
	for _, c := range cases {
		a := &Access{Principal: callers[c.caller], Policy: policy}
		if got := statusOf(c.check(a)); got != c.want {
			t.Errorf("%s, %s: got %d, want %d", c.caller, c.what, got, c.want)
		}
	}
}

func TestWildcardWriteLayers(t *testing.T) {
	a := &Access{Principal: &Principal{Role: RolePartner, Login: "p", OrgID: 1, WriteLayers: []string{AllLayers}}, Policy: NewPolicy(true, nil)}
	if err := a.CheckWrite("anything", ""); err != nil {
		t.Errorf("'*' should allow every layer: %v", err)
	}
}
