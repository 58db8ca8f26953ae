package ows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrorf_CutsLongTexts(t *testing.T) {
	name := strings.Repeat("é", 5000) // 10,000 bytes
	e := Errorf(InvalidParameterValue, "typeNames", "unknown type %q", name)
	if len(e.Text) > maxExceptionText+40 {
		t.Errorf("text is %d bytes, want about %d", len(e.Text), maxExceptionText)
	}
	if !utf8.ValidString(e.Text) {
		t.Error("the cut text is not valid UTF-8")
	}
	if !strings.HasPrefix(e.Text, `unknown type "éé`) || !strings.HasSuffix(e.Text, "more bytes)") {
		t.Errorf("text %q does not keep its start and say what was cut", e.Text[:40])
	}
	if short := Errorf(InvalidParameterValue, "count", "COUNT=%q is not a non-negative integer", "x"); short.Text != `COUNT="x" is not a non-negative integer` {
		t.Errorf("a short text was changed: %q", short.Text)
	}
}
