package ows

import (
	"net/url"
	"strings"
)

// KVP is a key-value request with case-insensitive keys, as OGC services define them.
type KVP map[string]string

// ParseKVP reads the query string of a request. Keys are folded to upper case; when a key
// repeats, the first value wins.
func ParseKVP(q url.Values) KVP {
	kvp := make(KVP, len(q))
	for k, vs := range q {
		uk := strings.ToUpper(k)
		if _, seen := kvp[uk]; seen || len(vs) == 0 {
			continue
		}
		kvp[uk] = vs[0]
	}
	return kvp
}

// Get returns the value of key (upper case) and whether it was present.
func (k KVP) Get(key string) (string, bool) {
	v, ok := k[key]
	return v, ok
}

// Value returns the value of key, or "".
func (k KVP) Value(key string) string {
	return k[key]
}

// SplitList splits a comma-separated KVP list, trimming spaces and dropping empty items.
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
