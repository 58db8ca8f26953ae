// Package auth decides who a request comes from and what it may do, for every protocol
// the server speaks: partners (organisations holding API keys) and administrators,
// per-layer anonymous reading, and write permissions down to the feature.
//
// The HTTP middleware (Authenticator.Middleware) identifies the caller and puts an Access
// in the request context; handlers call its CanRead, CheckWrite and CheckChange. The
// database enforces the feature-level rules again on every write (see docs/security.md),
// so a write path that does not call CheckChange still cannot change a foreign feature.
package auth

import (
	"context"
	"net/http"
	"slices"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/ows"
)

// Role is the set of permissions of a principal.
type Role string

// Roles. An administrator may read and write every layer and every feature.
const (
	RoleAnonymous Role = "anonymous"
	RolePartner   Role = "partner"
	RoleAdmin     Role = "admin"
)

// AllLayers in Principal.WriteLayers allows writing every layer.
const AllLayers = "*"

// Principal is the caller of a request.
type Principal struct {
	Role Role
	// PartnerID is the partner account's id; 0 for anonymous callers.
	PartnerID int64
	// Login is the partner's login, the user name of HTTP Basic.
	Login string
	// OrgID is the organisation (netdata.organisation.id) the partner acts for. Features
	// inserted by the partner are owned by it.
	OrgID   int64
	OrgCode string
	OrgName string
	// WriteLayers lists the layers the partner may insert into; AllLayers allows all.
	WriteLayers []string
	// KeyID is the id of the API key that authenticated the request.
	KeyID string
}

// Anonymous is the principal of a request without credentials.
var anonymous = &Principal{Role: RoleAnonymous}

// Anonymous returns the principal of requests without credentials.
func Anonymous() *Principal { return anonymous }

// IsAnonymous reports whether the principal sent no credentials.
func (p *Principal) IsAnonymous() bool { return p == nil || p.Role == RoleAnonymous }

// IsAdmin reports whether the principal is an administrator.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// String returns the principal for logs: the login, or "anonymous".
func (p *Principal) String() string {
	if p.IsAnonymous() {
		return "anonymous"
	}
	return p.Login
}

// Policy holds the configured read rules of the layers.
type Policy struct {
	anonymousRead map[string]bool
	defaultRead   bool
}

// NewPolicy returns the read rules: anonymousRead lists the layers whose rule is set
// explicitly, and defaultRead applies to the others.
func NewPolicy(defaultRead bool, anonymousRead map[string]bool) *Policy {
	m := make(map[string]bool, len(anonymousRead))
	for k, v := range anonymousRead {
		m[k] = v
	}
	return &Policy{anonymousRead: m, defaultRead: defaultRead}
}

// AnonymousMayRead reports whether callers without credentials may read the layer.
func (p *Policy) AnonymousMayRead(layer string) bool {
	if v, ok := p.anonymousRead[layer]; ok {
		return v
	}
	return p.defaultRead
}

// Access is the decision API of one request: its principal and the policy.
type Access struct {
	Principal *Principal
	Policy    *Policy
}

type contextKey struct{}

// openPolicy is the policy of requests that did not pass through the middleware: every
// layer readable, which is the server's behaviour without an auth section.
var openPolicy = NewPolicy(true, nil)

// NewContext returns ctx carrying the access decisions of a request.
func NewContext(ctx context.Context, a *Access) context.Context {
	return context.WithValue(ctx, contextKey{}, a)
}

// FromContext returns the access decisions of a request. Without the middleware, the
// caller is anonymous and every layer is readable; writes are then always refused.
func FromContext(ctx context.Context) *Access {
	if a, ok := ctx.Value(contextKey{}).(*Access); ok && a != nil {
		return a
	}
	return &Access{Principal: anonymous, Policy: openPolicy}
}

// CanRead reports whether the caller may read the layer. Partners and administrators read
// every layer; anonymous callers read those the configuration opens to them.
func (a *Access) CanRead(layer string) bool {
	if !a.Principal.IsAnonymous() {
		return true
	}
	return a.Policy.AnonymousMayRead(layer)
}

// CheckRead returns nil when the caller may read the layer, and otherwise the 401
// exception that asks for credentials.
func (a *Access) CheckRead(layer, locator string) error {
	if a.CanRead(layer) {
		return nil
	}
	return Unauthenticated(locator, "layer "+layer+" is only served to authenticated partners; send an API key in the X-API-Key header or HTTP Basic credentials")
}

// CheckWrite returns nil when the caller may write (insert into, and change its own
// features of) the layer: a 401 exception for anonymous callers, a 403 one for partners
// without the layer.
func (a *Access) CheckWrite(layer, locator string) error {
	p := a.Principal
	switch {
	case p.IsAnonymous():
		return Unauthenticated(locator, "writing requires authentication; send an API key in the X-API-Key header or HTTP Basic credentials")
	case p.IsAdmin():
		return nil
	case slices.Contains(p.WriteLayers, AllLayers) || slices.Contains(p.WriteLayers, layer):
		return nil
	}
	return Forbidden(locator, "partner "+p.Login+" may not write layer "+layer)
}

// Ownership is the owner and location of one feature, as CheckChange needs them.
type Ownership struct {
	// OwnerOrgID is the organisation owning the feature; 0 when the feature has no owner
	// or the layer has no owner column.
	OwnerOrgID int64
	// InWriteArea is false when the partner's organisation has a write area and the
	// feature lies outside it.
	InWriteArea bool
}

// CheckChange returns nil when the caller may update or delete a feature of the layer:
// administrators may change any, partners only those their organisation owns inside
// their write area.
func (a *Access) CheckChange(layer, locator string, f Ownership) error {
	if err := a.CheckWrite(layer, locator); err != nil {
		return err
	}
	p := a.Principal
	if p.IsAdmin() {
		return nil
	}
	if f.OwnerOrgID == 0 || f.OwnerOrgID != p.OrgID {
		return Forbidden(locator, "partner "+p.Login+" may only change features that organisation "+p.OrgCode+" owns")
	}
	if !f.InWriteArea {
		return Forbidden(locator, "the feature lies outside the write area of organisation "+p.OrgCode)
	}
	return nil
}

// Unauthenticated returns the exception for a request that needs credentials (HTTP 401).
// The middleware adds the WWW-Authenticate challenge to every 401 response.
func Unauthenticated(locator, text string) *ows.Exception {
	return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: locator, Text: text, Status: http.StatusUnauthorized}
}

// Forbidden returns the exception for a request its principal may not make (HTTP 403).
func Forbidden(locator, text string) *ows.Exception {
	return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: locator, Text: text, Status: http.StatusForbidden}
}

// PolicyFromConfig returns the read rules of the configuration: auth.anonymous_read, and
// the anonymous_read of each layer that sets it.
func PolicyFromConfig(cfg *config.Config) *Policy {
	perLayer := map[string]bool{}
	for _, l := range cfg.Layers {
		if l.AnonymousRead != nil {
			perLayer[l.Name] = *l.AnonymousRead
		}
	}
	return NewPolicy(cfg.Auth.AnonymousRead, perLayer)
}
