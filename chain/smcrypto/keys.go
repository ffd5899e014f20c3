package smcrypto

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
)

// PublicKeySize is the size of the uncompressed public key encoding 0x04||X||Y.
const PublicKeySize = 65

// PrivateKeySize is the size of the raw big-endian private scalar d.
const PrivateKeySize = 32

// PrivateKey is an SM2 private key on the curve sm2p256v1. The zero value is
// not usable; obtain one from GenerateKey, NewPrivateKey or ParsePrivateKeyPEM.
type PrivateKey struct {
	k   *sm2.PrivateKey
	pub *PublicKey
}

// PublicKey is an SM2 public key on the curve sm2p256v1. It is immutable once
// constructed; obtain one from PrivateKey.PublicKey, ParsePublicKey,
// PublicKeyFromECDSA, ParsePublicKeyPEM or UnmarshalJSON.
type PublicKey struct {
	k   *ecdsa.PublicKey
	raw [PublicKeySize]byte
}

// GenerateKey generates a fresh SM2 key pair using crypto/rand. The private
// scalar is uniform in [1, n-2] (GB/T 32918.1-2016 key-pair generation).
func GenerateKey() (*PrivateKey, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("smcrypto: generating SM2 key: %w", err)
	}
	return fromSM2(k)
}

// NewPrivateKey builds a private key from its raw 32-byte big-endian scalar d,
// which must be in [1, n-2] (GB/T 32918.1-2016). It is mostly useful for
// deterministic test fixtures; use key files (ParsePrivateKeyPEM) otherwise.
func NewPrivateKey(d []byte) (*PrivateKey, error) {
	k, err := sm2.NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPrivateKey, err)
	}
	return fromSM2(k)
}

// PrivateKeyFromSM2 wraps a gmsm SM2 private key after validating it (d in
// [1, n-2], public point consistent with d).
func PrivateKeyFromSM2(k *sm2.PrivateKey) (*PrivateKey, error) {
	if k == nil || k.D == nil || k.Curve != sm2.P256() {
		return nil, fmt.Errorf("%w: not an SM2 private key", ErrInvalidPrivateKey)
	}
	if k.D.Sign() <= 0 || k.D.BitLen() > 8*PrivateKeySize {
		return nil, fmt.Errorf("%w: scalar out of range", ErrInvalidPrivateKey)
	}
	// Re-derive the key from the scalar: validates the range and recomputes
	// the public point, so inconsistent (D, X, Y) triples cannot slip in.
	fresh, err := sm2.NewPrivateKeyFromInt(k.D)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPrivateKey, err)
	}
	if k.X != nil && k.Y != nil && (k.X.Cmp(fresh.X) != 0 || k.Y.Cmp(fresh.Y) != 0) {
		return nil, fmt.Errorf("%w: public point does not match private scalar", ErrInvalidPrivateKey)
	}
	return fromSM2(fresh)
}

func fromSM2(k *sm2.PrivateKey) (*PrivateKey, error) {
	pub, err := PublicKeyFromECDSA(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{k: k, pub: pub}, nil
}

// PublicKey returns the public half of k. The returned value is shared and
// immutable.
func (k *PrivateKey) PublicKey() *PublicKey { return k.pub }

// Unwrap returns the underlying gmsm key, for APIs (e.g. smx509) that need it.
// Callers must not modify it.
func (k *PrivateKey) Unwrap() *sm2.PrivateKey { return k.k }

// Bytes returns the raw 32-byte big-endian private scalar d. Handle with care.
func (k *PrivateKey) Bytes() []byte {
	return k.k.D.FillBytes(make([]byte, PrivateKeySize))
}

// Equal reports whether k and o are the same private key (constant time in d).
func (k *PrivateKey) Equal(o *PrivateKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	return k.k.Equal(o.k)
}

// ParsePublicKey parses the 65-byte uncompressed encoding 0x04||X||Y
// (GB/T 32918.1-2016, point-to-octet-string conversion). Compressed or hybrid encodings, points not on
// sm2p256v1 and coordinates >= p are rejected.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize || b[0] != 0x04 {
		return nil, fmt.Errorf("%w: want %d-byte uncompressed point 0x04||X||Y", ErrInvalidPublicKey, PublicKeySize)
	}
	k, err := sm2.NewPublicKey(b) // checks the point is on the curve
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
	}
	p := &PublicKey{k: k}
	copy(p.raw[:], b)
	return p, nil
}

// PublicKeyFromECDSA converts an *ecdsa.PublicKey on the SM2 curve. Any curve
// implementation whose domain parameters equal sm2p256v1 is accepted (e.g. the
// curve of another SM2 library); the result always uses gmsm's curve and the
// point is re-validated.
func PublicKeyFromECDSA(pub *ecdsa.PublicKey) (*PublicKey, error) {
	if pub == nil || pub.Curve == nil || pub.X == nil || pub.Y == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if !isSM2Curve(pub) {
		return nil, fmt.Errorf("%w: not on the SM2 curve sm2p256v1", ErrInvalidPublicKey)
	}
	if pub.X.Sign() < 0 || pub.Y.Sign() < 0 || pub.X.BitLen() > 256 || pub.Y.BitLen() > 256 {
		return nil, fmt.Errorf("%w: coordinate out of range", ErrInvalidPublicKey)
	}
	var b [PublicKeySize]byte
	b[0] = 0x04
	pub.X.FillBytes(b[1:33])
	pub.Y.FillBytes(b[33:65])
	return ParsePublicKey(b[:])
}

func isSM2Curve(pub *ecdsa.PublicKey) bool {
	want := sm2.P256()
	if pub.Curve == want {
		return true
	}
	a, b := pub.Curve.Params(), want.Params()
	if a == nil {
		return false
	}
	eq := func(x, y *big.Int) bool { return x != nil && y != nil && x.Cmp(y) == 0 }
	return a.BitSize == b.BitSize && eq(a.P, b.P) && eq(a.N, b.N) && eq(a.B, b.B) && eq(a.Gx, b.Gx) && eq(a.Gy, b.Gy)
}

// Bytes returns the 65-byte uncompressed encoding 0x04||X||Y (a fresh copy).
// It returns nil for a zero PublicKey.
func (p *PublicKey) Bytes() []byte {
	if p == nil || p.k == nil {
		return nil
	}
	out := make([]byte, PublicKeySize)
	copy(out, p.raw[:])
	return out
}

// ID returns the key ID: the first 20 bytes of SM3(p.Bytes()).
func (p *PublicKey) ID() KeyID {
	var id KeyID
	if p == nil || p.k == nil {
		return id
	}
	d := SM3(p.raw[:])
	copy(id[:], d[:KeyIDSize])
	return id
}

// Equal reports whether p and o are the same public key. Two nil (or zero)
// keys are equal to each other and to nothing else.
func (p *PublicKey) Equal(o *PublicKey) bool {
	pz, oz := p == nil || p.k == nil, o == nil || o.k == nil
	if pz || oz {
		return pz == oz
	}
	return p.raw == o.raw
}

// Unwrap returns the underlying *ecdsa.PublicKey (curve sm2.P256()).
// Callers must not modify it.
func (p *PublicKey) Unwrap() *ecdsa.PublicKey { return p.k }

// String returns the key ID in hex, which is convenient in logs.
func (p *PublicKey) String() string { return p.ID().String() }

// MarshalJSON encodes the key as a JSON string holding the standard base64
// (with padding) of Bytes(). It has a value receiver so that a PublicKey
// stored by value in a struct is encoded too (encoding/json cannot call a
// pointer method on a non-addressable value); *PublicKey has it as well. A
// zero PublicKey is an error, a nil *PublicKey encodes as null.
func (p PublicKey) MarshalJSON() ([]byte, error) {
	if p.k == nil {
		return nil, fmt.Errorf("%w: cannot marshal an empty public key", ErrInvalidPublicKey)
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(p.raw[:]))
}

// UnmarshalJSON decodes the form written by MarshalJSON. Base64 decoding is
// strict (canonical padding bits, no newlines), so each key has one JSON form.
// JSON null leaves p unchanged.
func (p *PublicKey) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%w: JSON value must be a base64 string: %v", ErrInvalidPublicKey, err)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return fmt.Errorf("%w: bad base64: %v", ErrInvalidPublicKey, err)
	}
	q, err := ParsePublicKey(b)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}
