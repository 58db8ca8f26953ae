package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is the kind of a CQL2 text token.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokQuotedIdent // "nom voie"
	tokString      // 'text', with '' for a quote
	tokNumber
	tokTime // an ISO 8601 date or date-time written bare (ECQL), or a period a/b
	tokPunct
)

type token struct {
	kind tokenKind
	text string
	pos  int // byte offset in the input, for error messages
}

// lex splits CQL text into tokens. It fails on an unterminated string or identifier and
// on a character that no token starts with.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, syntaxError(i, "the text is not valid UTF-8")
		case unicode.IsSpace(r):
			i += size
		case r == '\'':
			text, end, err := quoted(s, i, '\'')
			if err != nil {
				return nil, err
			}
			out = append(out, token{tokString, text, i})
			i = end
		case r == '"':
			text, end, err := quoted(s, i, '"')
			if err != nil {
				return nil, err
			}
			out = append(out, token{tokQuotedIdent, text, i})
			i = end
		case isDigit(r) || (r == '.' && i+1 < len(s) && isDigit(rune(s[i+1]))):
			if end := timeEnd(s, i); end > i {
				out = append(out, token{tokTime, s[i:end], i})
				i = end
				continue
			}
			end := numberEnd(s, i)
			out = append(out, token{tokNumber, s[i:end], i})
			i = end
		case unicode.IsLetter(r) || r == '_':
			end := i + size
			for end < len(s) {
				r2, n := utf8.DecodeRuneInString(s[end:])
				if !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '_' || r2 == ':' || r2 == '.' || unicode.Is(unicode.Mn, r2)) {
					break
				}
				end += n
			}
			// A name ends before a trailing ':' or '.', which belong to no name.
			for end > i+size && (s[end-1] == ':' || s[end-1] == '.') {
				end--
			}
			out = append(out, token{tokIdent, s[i:end], i})
			i = end
		default:
			for _, p := range []string{"<>", "<=", ">=", "!=", "(", ")", ",", ";", "+", "-", "*", "/", "=", "<", ">"} {
				if strings.HasPrefix(s[i:], p) {
					out = append(out, token{tokPunct, p, i})
					i += len(p)
					goto next
				}
			}
			return nil, syntaxError(i, "unexpected character %q", r)
		next:
		}
	}
	return append(out, token{tokEOF, "", len(s)}), nil
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// quoted reads a quoted string or identifier starting at s[i]; a doubled quote stands
// for one quote.
func quoted(s string, i int, q byte) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(s) {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(s[j])
		j++
	}
	return "", 0, syntaxError(i, "the quoted text starting here is not closed")
}

func numberEnd(s string, i int) int {
	j := i
	for j < len(s) && isDigit(rune(s[j])) {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(rune(s[j])) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(rune(s[k])) {
			for k < len(s) && isDigit(rune(s[k])) {
				k++
			}
			j = k
		}
	}
	return j
}

// timeEnd returns the end of a bare ISO 8601 date or date-time starting at s[i]
// (2024-05-01, 2024-05-01T10:00:00Z, 2024-05-01T10:00:00+02:00), or of a period of two
// of them joined by '/', or i when there is none.
func timeEnd(s string, i int) int {
	end := dateTimeEnd(s, i)
	if end == i {
		return i
	}
	if end < len(s) && s[end] == '/' {
		if e2 := dateTimeEnd(s, end+1); e2 > end+1 {
			return e2
		}
	}
	return end
}

func dateTimeEnd(s string, i int) int {
	digits := func(j, n int) bool {
		if j+n > len(s) {
			return false
		}
		for k := j; k < j+n; k++ {
			if !isDigit(rune(s[k])) {
				return false
			}
		}
		return true
	}
	if !digits(i, 4) || i+10 > len(s) || s[i+4] != '-' || !digits(i+5, 2) || s[i+7] != '-' || !digits(i+8, 2) {
		return i
	}
	j := i + 10
	if j < len(s) && s[j] == 'T' {
		j++
		for j < len(s) && (isDigit(rune(s[j])) || s[j] == ':' || s[j] == '.') {
			j++
		}
		switch {
		case j < len(s) && s[j] == 'Z':
			j++
		case j < len(s) && (s[j] == '+' || s[j] == '-') && digits(j+1, 2):
			j += 3
			if j < len(s) && s[j] == ':' {
				j++
			}
			for j < len(s) && isDigit(rune(s[j])) {
				j++
			}
		}
	}
	return j
}
