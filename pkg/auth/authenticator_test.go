package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// memoryStore is an in-memory Store that counts lookups.
type memoryStore struct {
	mu   sync.Mutex
	keys map[string]*StoredKey
	used int
}

func (m *memoryStore) KeyByID(_ context.Context, keyID string) (*StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[keyID]
	if !ok {
		return nil, ErrNotFound
	}
	copied := *k
	return &copied, nil
}

func (m *memoryStore) MarkKeyUsed(context.Context, string) error {
	m.mu.Lock()
	m.used++
	m.mu.Unlock()
	return nil
}

// addKey stores a new key for a partner and returns it.
func (m *memoryStore) addKey(t *testing.T, p Partner) (key, keyID string) {
	t.Helper()
	key, keyID, hash, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	m.keys[keyID] = &StoredKey{KeyID: keyID, SecretHash: hash, Partner: p}
	m.mu.Unlock()
	return key, keyID
}

func newTestAuthenticator(t *testing.T) (*Authenticator, *memoryStore) {
	store := &memoryStore{keys: map[string]*StoredKey{}}
	a := NewAuthenticator(store, NewPolicy(true, map[string]bool{"secret_layer": false}),
		Options{Realm: "test", CacheTTL: time.Minute}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return a, store
}

var partnerA = Partner{ID: 1, Login: "alpha", Role: RolePartner, OrgID: 10, OrgCode: "A", WriteLayers: []string{"duct"}}

// whoAmI is a handler that writes the caller's login and whether it may read
// secret_layer.
var whoAmI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	readable := "closed"
	if a.CanRead("secret_layer") {
		readable = "open"
	}
	io.WriteString(w, a.Principal.String()+" "+readable)
})

func get(t *testing.T, url string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func TestMiddlewareCredentials(t *testing.T) {
	a, store := newTestAuthenticator(t)
	key, _ := store.addKey(t, partnerA)
	srv := httptest.NewServer(a.Middleware(whoAmI))
	defer srv.Close()

	basic := func(user, pass string) http.Header {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header
	}
	cases := []struct {
		name   string
		header http.Header
		status int
		body   string
	}{
		{"anonymous", http.Header{}, 200, "anonymous closed"},
		{"X-API-Key", http.Header{"X-Api-Key": {key}}, 200, "alpha open"},
		{"Bearer", http.Header{"Authorization": {"Bearer " + key}}, 200, "alpha open"},
		{"Basic", basic("alpha", key), 200, "alpha open"},
		{"Basic with another login", basic("beta", key), 401, ""},
		{"wrong secret", http.Header{"X-Api-Key": {key[:len(key)-4] + "AAAA"}}, 401, ""},
		{"unknown key id", http.Header{"X-Api-Key": {"fk_000000000000_" + key[16:]}}, 401, ""},
		{"malformed key", http.Header{"X-Api-Key": {"letmein"}}, 401, ""},
		{"unknown scheme", http.Header{"Authorization": {"Digest username=alpha"}}, 401, ""},
	}
	for _, c := range cases {
		status, header, body := get(t, srv.URL+"/wfs?SERVICE=WFS&VERSION=1.1.0", c.header)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, status, c.status, body)
			continue
		}
		if c.status == 200 && body != c.body {
			t.Errorf("%s: body %q, want %q", c.name, body, c.body)
		}
		if c.status == 401 {
			if got := header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="test"`) {
				t.Errorf("%s: WWW-Authenticate = %q", c.name, got)
			}
			if !strings.Contains(body, "ows:ExceptionReport") || !strings.Contains(body, `version="1.1.0"`) {
				t.Errorf("%s: body is not a WFS 1.1 exception report: %s", c.name, body)
			}
		}
	}
}

func TestRevokedAndDisabled(t *testing.T) {
	a, store := newTestAuthenticator(t)
	key, keyID := store.addKey(t, partnerA)
	srv := httptest.NewServer(a.Middleware(whoAmI))
	defer srv.Close()
	header := http.Header{"X-Api-Key": {key}}
	if status, _, _ := get(t, srv.URL, header); status != 200 {
		t.Fatalf("valid key: status %d", status)
	}

	// The verified key is cached, yet revocation and disabling apply at the next request.
	store.keys[keyID].Revoked = true
	if status, _, body := get(t, srv.URL, header); status != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("revoked key: status %d, body %s", status, body)
	}
	store.keys[keyID].Revoked = false
	now := time.Now()
	store.keys[keyID].Partner.DisabledAt = &now
	if status, _, body := get(t, srv.URL, header); status != 401 || !strings.Contains(body, "disabled") {
		t.Errorf("disabled partner: status %d, body %s", status, body)
	}
}

func TestVerifiedKeyIsCached(t *testing.T) {
	a, store := newTestAuthenticator(t)
	key, keyID := store.addKey(t, partnerA)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-API-Key", key)
	for range 3 {
		if _, err := a.Authenticate(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if store.used != 1 {
		t.Errorf("argon2id ran %d times for three requests, want 1", store.used)
	}

	// A new hash (rotated secret stored under the same id) is verified again.
	_, _, hash, _ := NewKey()
	store.keys[keyID].SecretHash = hash
	if _, err := a.Authenticate(context.Background(), r); err == nil {
		t.Error("the cached secret was accepted against a different stored hash")
	}
}

func TestFailedAttemptsBrake(t *testing.T) {
	a, store := newTestAuthenticator(t)
	key, _ := store.addKey(t, partnerA)
	wrong := httptest.NewRequest(http.MethodGet, "/", nil)
	wrong.Header.Set("X-API-Key", key[:len(key)-4]+"AAAA")
	for range failureLimit {
		if _, err := a.Authenticate(context.Background(), wrong); err == nil {
			t.Fatal("a wrong secret was accepted")
		}
	}
	right := httptest.NewRequest(http.MethodGet, "/", nil)
	right.Header.Set("X-API-Key", key)
	_, err := a.Authenticate(context.Background(), right)
	if err == nil || !strings.Contains(err.Error(), "too many failed attempts") {
		t.Errorf("after %d failures the key id should be braked, got %v", failureLimit, err)
	}
}

func TestChallengeOnHandler401(t *testing.T) {
	a, _ := newTestAuthenticator(t)
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ows := Unauthenticated("", "log in")
		w.WriteHeader(ows.HTTPStatus())
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	status, header, _ := get(t, srv.URL, http.Header{})
	if status != 401 {
		t.Fatalf("status %d, want 401", status)
	}
	if header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 written by the handler carries no WWW-Authenticate challenge")
	}
	if !strings.Contains(header.Get("Vary"), "X-API-Key") {
		t.Errorf("Vary = %q, want it to name X-API-Key", header.Get("Vary"))
	}
}
