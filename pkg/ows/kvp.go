package ows

import (
	"net/url"
	"strings"
)

// ParseQuery reads a URL query string or form body. Unlike url.ParseQuery it splits on
// '&' only: OGC clients send unescaped semicolons inside values, as in
// OUTPUTFORMAT=text/xml; subtype=gml/3.1.1, and url.ParseQuery drops every such pair.
// A pair that is not valid percent-encoding fails with OperationParsingFailed.
func ParseQuery(raw string) (url.Values, error) {
	values := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, Errorf(OperationParsingFailed, "", "parameter name %q is not valid URL encoding: %v", rawKey, err)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, Errorf(OperationParsingFailed, key, "the value of %s is not valid URL encoding: %v", key, err)
		}
		values[key] = append(values[key], value)
	}
	return values, nil
}

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
