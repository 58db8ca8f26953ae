package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// An API key reads fk_<key id>_<secret>: the key id (12 hexadecimal digits) is public and
// finds the stored hash, the secret (32 random bytes, base64url) is never stored.
const (
	keyPrefix    = "fk_"
	keyIDLen     = 12
	secretBytes  = 32
	secretEncLen = 43 // base64url without padding of 32 bytes
)

// Argon2id parameters of new hashes: the OWASP minimum for argon2id (19 MiB, two passes,
// one lane). Stored hashes carry their own parameters, so these can be raised later.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// ErrMalformedKey is returned for a credential that is not an API key.
var ErrMalformedKey = errors.New("auth: the credential is not a fourreau API key (fk_<key id>_<secret>)")

// NewKey generates an API key. It returns the key to give to the partner once, its key
// id, and the argon2id hash of its secret to store.
func NewKey() (key, keyID, hash string, err error) {
	id := make([]byte, keyIDLen/2)
	secret := make([]byte, secretBytes)
	if _, err := rand.Read(id); err != nil {
		return "", "", "", fmt.Errorf("auth: generate key id: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return "", "", "", fmt.Errorf("auth: generate secret: %w", err)
	}
	keyID = hex.EncodeToString(id)
	enc := base64.RawURLEncoding.EncodeToString(secret)
	hash, err = HashSecret(enc)
	if err != nil {
		return "", "", "", err
	}
	return keyPrefix + keyID + "_" + enc, keyID, hash, nil
}

// ParseKey splits an API key into its key id and secret.
func ParseKey(key string) (keyID, secret string, err error) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	if !ok || len(rest) != keyIDLen+1+secretEncLen || rest[keyIDLen] != '_' {
		return "", "", ErrMalformedKey
	}
	keyID, secret = rest[:keyIDLen], rest[keyIDLen+1:]
	for _, c := range keyID {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", "", ErrMalformedKey
		}
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", ErrMalformedKey
	}
	return keyID, secret, nil
}

// HashSecret returns the argon2id hash of secret in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash), with a random salt.
func HashSecret(secret string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: generate salt: %w", err)
	}
	sum := argon2.IDKey([]byte(secret), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// VerifySecret reports whether secret matches a hash made by HashSecret. An unreadable
// hash is an error, not a mismatch.
func VerifySecret(secret, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("auth: stored hash is not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("auth: stored hash has unsupported argon2 version %q", parts[2])
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, fmt.Errorf("auth: stored hash parameters %q: %w", parts[3], err)
	}
	// Bounds keep a corrupted row from making one verification take minutes or gigabytes.
	if memory < 1024 || memory > 1<<20 || passes < 1 || passes > 16 || threads < 1 || threads > 16 {
		return false, fmt.Errorf("auth: stored hash parameters %q are out of range", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("auth: stored hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errors.New("auth: stored hash value is invalid")
	}
	got := argon2.IDKey([]byte(secret), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
