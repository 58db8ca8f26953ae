package ows

import (
	"bytes"
	"testing"
)

func TestParseXMLLatin1(t *testing.T) {
	body := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>C\xe2ble \xc9t\xe9</a>")
	e, err := ParseXML(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("ParseXML: %v", err)
	}
	if e.Text != "Câble Été" {
		t.Errorf("text = %q, want %q", e.Text, "Câble Été")
	}
	if _, err := ParseXML(bytes.NewReader([]byte(`<?xml version="1.0" encoding="EBCDIC-XYZ"?><a/>`))); err == nil {
		t.Error("an unsupported encoding was accepted")
	}
}
