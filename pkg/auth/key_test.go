package auth

import (
	"strings"
	"testing"
)

func TestNewKeyParsesBack(t *testing.T) {
	key, keyID, hash, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "fk_"+keyID+"_") {
		t.Errorf("key %q does not start with fk_%s_", key, keyID)
	}
	gotID, secret, err := ParseKey(key)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", key, err)
	}
	if gotID != keyID {
		t.Errorf("key id = %q, want %q", gotID, keyID)
	}
	if strings.Contains(hash, secret) {
		t.Error("the stored hash contains the secret")
	}
	ok, err := VerifySecret(secret, hash)
	if err != nil || !ok {
		t.Errorf("VerifySecret(secret, hash) = %v, %v; want true", ok, err)
	}
}

func TestNewKeyIsRandom(t *testing.T) {
	a, idA, _, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, idB, _, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || idA == idB {
		t.Errorf("two keys share a value: %q %q", a, b)
	}
}

func TestParseKeyRejectsMalformed(t *testing.T) {
	valid, _, _, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"",
		"secret",
		strings.Replace(valid, "fk_", "xx_", 1),
		valid[:len(valid)-1],
		valid + "A",
		"fk_ZZZZZZZZZZZZ_" + valid[16:],
		"fk_0123456789ab-" + valid[16:],
		"fk_0123456789ab_" + strings.Repeat("!", 43),
	} {
		if _, _, err := ParseKey(key); err == nil {
			t.Errorf("ParseKey(%q) accepted a malformed key", key)
		}
	}
}

func TestVerifySecretRejectsWrongSecret(t *testing.T) {
	hash, err := HashSecret("right")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the default parameters", hash)
	}
	ok, err := VerifySecret("wrong", hash)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("a wrong secret matched")
	}
}

func TestHashSecretSaltsEachHash(t *testing.T) {
	a, _ := HashSecret("same")
	b, _ := HashSecret("same")
	if a == b {
		t.Error("two hashes of one secret are equal: the salt is not random")
	}
}

func TestVerifySecretRejectsBadHashes(t *testing.T) {
	for _, hash := range []string{
		"",
		"plain-text",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$c2hvcnQ",
	} {
		if ok, err := VerifySecret("secret", hash); err == nil || ok {
			t.Errorf("VerifySecret(%q) = %v, %v; want an error", hash, ok, err)
		}
	}
}
