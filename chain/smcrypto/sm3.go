package smcrypto

import (
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// SM3Size is the size in bytes of an SM3 digest.
const SM3Size = sm3.Size

// SM3 returns the SM3 digest (GB/T 32905-2016) of the concatenation of parts.
// No length prefixes or separators are added: SM3(a, b) == SM3(append(a, b...)).
func SM3(parts ...[]byte) [32]byte {
	h := sm3.New()
	for _, p := range parts {
		h.Write(p) // hash.Hash.Write never returns an error
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// NewSM3 is a streaming SM3 hash (files too large to hold in memory).
func NewSM3() hash.Hash { return sm3.New() }

// SM3Hex returns SM3(parts...) as 64 lower-case hex characters.
func SM3Hex(parts ...[]byte) string {
	d := SM3(parts...)
	return hex.EncodeToString(d[:])
}

// KeyIDSize is the size in bytes of a KeyID.
const KeyIDSize = 20

// KeyID identifies a public key: the first 20 bytes of SM3 over the 65-byte
// uncompressed encoding 0x04||X||Y of the key (see PublicKey.Bytes).
type KeyID [KeyIDSize]byte

// String returns the key ID as 40 lower-case hex characters.
func (k KeyID) String() string { return hex.EncodeToString(k[:]) }

// IsZero reports whether k is the all-zero (unset) key ID.
func (k KeyID) IsZero() bool { return k == KeyID{} }

// ParseKeyID parses the text form produced by KeyID.String. It accepts exactly
// 40 lower-case hex characters, so every KeyID has a single text form.
func ParseKeyID(s string) (KeyID, error) {
	var k KeyID
	if len(s) != 2*KeyIDSize {
		return k, fmt.Errorf("%w: want %d hex characters, got %d", ErrInvalidKeyID, 2*KeyIDSize, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return k, fmt.Errorf("%w: character %q at offset %d is not lower-case hex", ErrInvalidKeyID, c, i)
		}
	}
	if _, err := hex.Decode(k[:], []byte(s)); err != nil {
		return KeyID{}, fmt.Errorf("%w: %v", ErrInvalidKeyID, err)
	}
	return k, nil
}

// MarshalText implements encoding.TextMarshaler (so KeyID is a JSON string).
func (k KeyID) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the rules of ParseKeyID.
func (k *KeyID) UnmarshalText(b []byte) error {
	id, err := ParseKeyID(string(b))
	if err != nil {
		return err
	}
	*k = id
	return nil
}
