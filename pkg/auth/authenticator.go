package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is returned by a Store for an unknown key id or login.
var ErrNotFound = errors.New("auth: not found")

// Partner is a partner account as stored.
type Partner struct {
	ID          int64
	Login       string
	Role        Role
	OrgID       int64
	OrgCode     string
	OrgName     string
	WriteLayers []string
	CreatedAt   time.Time
	// DisabledAt is set when the account was disabled; its keys no longer authenticate.
	DisabledAt *time.Time
	// ActiveKeys is the number of keys not revoked.
	ActiveKeys int
}

// StoredKey is an API key as stored: its id, the hash of its secret and its partner.
type StoredKey struct {
	KeyID      string
	SecretHash string
	Revoked    bool
	Partner    Partner
}

// Store reads the stored credentials. The PostGIS package implements it.
type Store interface {
	// KeyByID returns the key and its partner, or ErrNotFound.
	KeyByID(ctx context.Context, keyID string) (*StoredKey, error)
	// MarkKeyUsed records that the key authenticated a request.
	MarkKeyUsed(ctx context.Context, keyID string) error
}

// Options tunes an Authenticator.
type Options struct {
	// Realm is the realm of the HTTP Basic challenge.
	Realm string
	// CacheTTL is how long a verified secret is trusted without running argon2id again.
	// Revoking a key or disabling a partner takes effect at once whatever the TTL, because
	// the stored key and partner are read on every request.
	CacheTTL time.Duration
	// MaxConcurrentHashes bounds the argon2id verifications running at once, each of which
	// takes about 19 MiB of memory.
	MaxConcurrentHashes int
}

// Limits of the failed-attempt brake: after failureLimit failures on one key id within
// failureWindow, further attempts on it are refused without hashing until the window ends.
const (
	failureLimit  = 10
	failureWindow = time.Minute
	// maxCacheEntries bounds the verified-secret cache; it is emptied when full.
	maxCacheEntries = 10000
)

// Authenticator identifies the caller of each request from its credentials.
type Authenticator struct {
	store  Store
	policy *Policy
	log    *slog.Logger
	opts   Options
	hashes chan struct{}

	mu       sync.Mutex
	verified map[string]verifiedSecret
	failures map[string]*failureCount
}

// verifiedSecret remembers that a secret matched a stored hash.
type verifiedSecret struct {
	digest [sha256.Size]byte
	hash   string
	at     time.Time
}

type failureCount struct {
	count  int
	since  time.Time
	logged bool
}

// NewAuthenticator returns an authenticator over the stored credentials.
func NewAuthenticator(store Store, policy *Policy, opts Options, log *slog.Logger) *Authenticator {
	if opts.Realm == "" {
		opts.Realm = "fourreau"
	}
	if opts.MaxConcurrentHashes <= 0 {
		opts.MaxConcurrentHashes = 2
	}
	return &Authenticator{
		store: store, policy: policy, log: log, opts: opts,
		hashes:   make(chan struct{}, opts.MaxConcurrentHashes),
		verified: make(map[string]verifiedSecret),
		failures: make(map[string]*failureCount),
	}
}

// Policy returns the read rules the authenticator puts in each request's Access.
func (a *Authenticator) Policy() *Policy { return a.policy }

// Challenge returns the WWW-Authenticate value sent with 401 responses.
func (a *Authenticator) Challenge() string {
	return `Basic realm="` + strings.ReplaceAll(a.opts.Realm, `"`, `'`) + `", charset="UTF-8"`
}

// credentials returns the API key and, for HTTP Basic, the login a request carries. The
// X-API-Key header comes first, then Authorization: Bearer and Basic.
func credentials(r *http.Request) (key, login string, basic, present bool) {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, "", false, true
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", false, false
	}
	if token, ok := cutScheme(h, "Bearer"); ok {
		return strings.TrimSpace(token), "", false, true
	}
	if user, pass, ok := r.BasicAuth(); ok {
		return pass, user, true, true
	}
	return "", "", false, true
}

func cutScheme(h, scheme string) (string, bool) {
	if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) && h[len(scheme)] == ' ' {
		return h[len(scheme)+1:], true
	}
	return "", false
}

// Authenticate returns the caller of r: Anonymous when it carries no credentials, the
// partner when they are valid, and a 401 exception when they are not.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	key, login, basic, present := credentials(r)
	if !present {
		return anonymous, nil
	}
	invalid := Unauthenticated("", "the credentials are invalid: send a valid API key in the X-API-Key header, or HTTP Basic with the partner login and the API key as password")
	keyID, secret, err := ParseKey(key)
	if err != nil {
		a.logFailure("", r, "malformed credential")
		return nil, invalid
	}
	if a.braked(keyID) {
		a.logFailure(keyID, r, "too many failed attempts")
		return nil, Unauthenticated("", "too many failed attempts with this key; try again in a minute")
	}
	stored, err := a.store.KeyByID(ctx, keyID)
	if errors.Is(err, ErrNotFound) {
		a.logFailure(keyID, r, "unknown key id")
		return nil, invalid
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read key %s: %w", keyID, err)
	}
	ok, err := a.verify(ctx, keyID, secret, stored.SecretHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		a.recordFailure(keyID)
		a.logFailure(keyID, r, "wrong secret")
		return nil, invalid
	}
	p := stored.Partner
	switch {
	case stored.Revoked:
		a.logFailure(keyID, r, "revoked key")
		return nil, Unauthenticated("", "this API key has been revoked; ask the platform administrator for the current key")
	case p.DisabledAt != nil:
		a.logFailure(keyID, r, "disabled partner")
		return nil, Unauthenticated("", "partner account "+p.Login+" is disabled")
	case basic && login != p.Login:
		a.logFailure(keyID, r, "login does not match the key")
		return nil, invalid
	}
	return &Principal{
		Role: p.Role, PartnerID: p.ID, Login: p.Login, OrgID: p.OrgID, OrgCode: p.OrgCode, OrgName: p.OrgName,
		WriteLayers: p.WriteLayers, KeyID: keyID,
	}, nil
}

// verify checks secret against the stored hash, from the cache when the same secret
// matched the same hash within the cache TTL.
func (a *Authenticator) verify(ctx context.Context, keyID, secret, hash string) (bool, error) {
	digest := sha256.Sum256([]byte(secret))
	a.mu.Lock()
	v, hit := a.verified[keyID]
	a.mu.Unlock()
	if hit && v.hash == hash && time.Since(v.at) < a.opts.CacheTTL && subtle.ConstantTimeCompare(v.digest[:], digest[:]) == 1 {
		return true, nil
	}

	select {
	case a.hashes <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	ok, err := VerifySecret(secret, hash)
	<-a.hashes
	if err != nil {
		return false, fmt.Errorf("auth: key %s: %w", keyID, err)
	}
	if !ok {
		return false, nil
	}
	a.mu.Lock()
	if len(a.verified) >= maxCacheEntries {
		clear(a.verified)
	}
	a.verified[keyID] = verifiedSecret{digest: digest, hash: hash, at: time.Now()}
	delete(a.failures, keyID)
	a.mu.Unlock()
	if err := a.store.MarkKeyUsed(ctx, keyID); err != nil {
		a.log.Warn("recording key use failed", "key_id", keyID, "err", err)
	}
	return true, nil
}

func (a *Authenticator) braked(keyID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	f, ok := a.failures[keyID]
	if !ok {
		return false
	}
	if time.Since(f.since) > failureWindow {
		delete(a.failures, keyID)
		return false
	}
	return f.count >= failureLimit
}

func (a *Authenticator) recordFailure(keyID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.failures) >= maxCacheEntries {
		clear(a.failures)
	}
	f, ok := a.failures[keyID]
	if !ok || time.Since(f.since) > failureWindow {
		f = &failureCount{since: time.Now()}
		a.failures[keyID] = f
	}
	f.count++
}

// logFailure logs a rejected credential, once per key id and minute once the brake is on,
// and never the secret.
func (a *Authenticator) logFailure(keyID string, r *http.Request, reason string) {
	a.mu.Lock()
	f := a.failures[keyID]
	quiet := f != nil && f.count >= failureLimit && f.logged
	if f != nil && f.count >= failureLimit {
		f.logged = true
	}
	a.mu.Unlock()
	if quiet {
		return
	}
	a.log.Warn("authentication failed", "reason", reason, "key_id", keyID, "remote", r.RemoteAddr, "path", r.URL.Path)
}
