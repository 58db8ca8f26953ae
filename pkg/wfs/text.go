package wfs

import (
	"unicode/utf8"

	"github.com/fourreau/fourreau/pkg/feature"
)

// appendXMLText appends v escaped as XML character data. Characters that XML 1.0 cannot
// hold are replaced by U+FFFD.
func appendXMLText(b, v []byte) []byte {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '&':
				b = append(b, "&amp;"...)
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		var r rune
		var size int
		switch v := any(s).(type) {
		case string:
			r, size = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, size = utf8.DecodeRune(v[i:])
		}
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func jsonString(s string) string { return string(appendJSONString(nil, s)) }

// appendJSONValue appends a text value from the store as the JSON type of its kind.
func appendJSONValue(b []byte, k feature.Kind, v []byte) []byte {
	switch {
	case v == nil:
		return append(b, "null"...)
	case k.Numeric():
		if isJSONNumber(v) {
			return append(b, v...)
		}
		return append(b, "null"...)
	case k == feature.KindBool:
		if len(v) > 0 && (v[0] == 't' || v[0] == 'T') {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	default:
		return appendJSONString(b, v)
	}
}

// isJSONNumber reports whether v is a number in JSON syntax (PostgreSQL writes NaN and
// Infinity for some numeric values, which JSON cannot hold).
func isJSONNumber(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return v[0] != '.' && v[0] != '+' && v[len(v)-1] != '.'
}
