package smcrypto

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
)

// DefaultUID is the default signer user ID used to compute Z_A when the
// parties have not agreed on another one (GM/T 0009-2012).
const DefaultUID = "1234567812345678"

// MaxUIDSize is the longest accepted user ID: ENTL_A, the bit length of the
// ID, is a 16-bit field (GB/T 32918.2-2016 §5.5), and gmsm caps it at 0x1fff bytes.
const MaxUIDSize = 0x1fff

// MaxSignatureSize is the largest canonical SM2 signature: SEQUENCE header (2)
// + two INTEGERs of at most 33 content bytes each (2+33 each).
const MaxSignatureSize = 72

var (
	defaultUID = []byte(DefaultUID)
	// curveOrder is n, the order of the base point of sm2p256v1, as 32 bytes.
	curveOrder = sm2.P256().Params().N.FillBytes(make([]byte, 32))
)

// Sign signs msg with the default user ID: it computes Z_A over DefaultUID and
// the public key, e = SM3(Z_A || msg), and the SM2 signature of e
// (GB/T 32918.2-2016 §6.1), using crypto/rand for the per-signature nonce.
// The result is the canonical DER SEQUENCE { r, s } (GM/T 0009-2012).
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	return k.SignWithUID(msg, defaultUID)
}

// SignWithUID is Sign with an explicit signer user ID. An empty uid means
// DefaultUID (as in gmsm and tjfoc), not an empty ID. uid must be at most
// MaxUIDSize bytes.
func (k *PrivateKey) SignWithUID(msg, uid []byte) ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPrivateKey)
	}
	if len(uid) > MaxUIDSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidUID, len(uid), MaxUIDSize)
	}
	// forceGMSign=true: gmsm treats msg as the raw message and hashes
	// SM3(Z_A || msg) itself.
	sig, err := k.k.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, uid))
	if err != nil {
		return nil, fmt.Errorf("smcrypto: SM2 sign: %w", err)
	}
	// Defence in depth: everything we emit must pass our own verifier's
	// encoding rules.
	if err := CheckCanonicalSignature(sig); err != nil {
		return nil, fmt.Errorf("smcrypto: internal error, gmsm produced a non-canonical signature: %w", err)
	}
	return sig, nil
}

// Verify checks sig over msg with the default user ID. It returns nil, or an
// error matching ErrNonCanonicalSignature (sig is not in canonical form; the
// signature is not even tried) or ErrBadSignature (canonical but wrong).
func (p *PublicKey) Verify(msg, sig []byte) error {
	return p.VerifyWithUID(msg, sig, defaultUID)
}

// VerifyWithUID is Verify with an explicit signer user ID (empty means
// DefaultUID). SM2 verification follows GB/T 32918.2-2016 §7.1.
func (p *PublicKey) VerifyWithUID(msg, sig, uid []byte) error {
	if p == nil || p.k == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if err := CheckCanonicalSignature(sig); err != nil {
		return err
	}
	if len(uid) > MaxUIDSize {
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidUID, len(uid), MaxUIDSize)
	}
	if !sm2.VerifyASN1WithSM2(p.k, uid, msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// CheckCanonicalSignature reports whether sig is the unique canonical encoding
// of an SM2 signature, i.e. strict DER (X.690 §10) of
//
//	SEQUENCE { r INTEGER, s INTEGER }
//
// with: definite lengths in minimal form (short form below 128, long form
// without leading zero octets otherwise); INTEGER contents minimal (no
// superfluous leading 0x00) and positive; 0 < r < n and 0 < s < n where n is
// the order of sm2p256v1; and nothing before, between or after the elements.
// The returned error wraps ErrNonCanonicalSignature and says what is wrong.
//
// Because DER is a bijection on (r, s), a signature accepted here has exactly
// one byte form, so a signature's bytes (or their hash) can safely serve as an
// identifier. SM2 has no ECDSA-style (r, s) -> (r, n-s) symmetry, so no
// low-s rule is needed on top of this.
func CheckCanonicalSignature(sig []byte) error {
	_, _, err := parseCanonicalSignature(sig)
	return err
}

// ParseSignature checks sig with CheckCanonicalSignature and returns r and s.
func ParseSignature(sig []byte) (r, s *big.Int, err error) {
	rb, sb, err := parseCanonicalSignature(sig)
	if err != nil {
		return nil, nil, err
	}
	return new(big.Int).SetBytes(rb), new(big.Int).SetBytes(sb), nil
}

// MarshalSignature returns the canonical DER encoding of (r, s), which must
// satisfy 0 < r, s < n.
func MarshalSignature(r, s *big.Int) ([]byte, error) {
	for _, v := range []struct {
		name string
		x    *big.Int
	}{{"r", r}, {"s", s}} {
		if v.x == nil || v.x.Sign() <= 0 {
			return nil, fmt.Errorf("%w: %s must be positive", ErrNonCanonicalSignature, v.name)
		}
		if v.x.BitLen() > 256 || bytes.Compare(v.x.FillBytes(make([]byte, 32)), curveOrder) >= 0 {
			return nil, fmt.Errorf("%w: %s must be less than the curve order n", ErrNonCanonicalSignature, v.name)
		}
	}
	// encoding/asn1 emits DER: minimal lengths and minimal two's-complement
	// integers.
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

func nonCanonical(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNonCanonicalSignature}, args...)...)
}

// parseCanonicalSignature implements CheckCanonicalSignature and returns the
// big-endian magnitudes of r and s (without sign octet).
func parseCanonicalSignature(sig []byte) (r, s []byte, err error) {
	if len(sig) == 0 {
		return nil, nil, nonCanonical("empty signature")
	}
	if len(sig) > MaxSignatureSize {
		return nil, nil, nonCanonical("%d bytes, longer than the maximum %d", len(sig), MaxSignatureSize)
	}
	if sig[0] != 0x30 {
		return nil, nil, nonCanonical("outer tag 0x%02x, want SEQUENCE (0x30)", sig[0])
	}
	n, hdr, err := readDERLength(sig[1:], "SEQUENCE")
	if err != nil {
		return nil, nil, err
	}
	body := sig[1+hdr:]
	if n > len(body) {
		return nil, nil, nonCanonical("SEQUENCE truncated: length %d, %d bytes present", n, len(body))
	}
	if n < len(body) {
		return nil, nil, nonCanonical("%d trailing bytes after SEQUENCE", len(body)-n)
	}
	if r, body, err = readCanonicalScalar(body, "r"); err != nil {
		return nil, nil, err
	}
	if s, body, err = readCanonicalScalar(body, "s"); err != nil {
		return nil, nil, err
	}
	if len(body) != 0 {
		return nil, nil, nonCanonical("%d extra bytes inside SEQUENCE after s", len(body))
	}
	return r, s, nil
}

// readDERLength decodes a DER definite length at the start of b and returns
// it with the number of octets it occupied.
func readDERLength(b []byte, what string) (n, size int, err error) {
	if len(b) == 0 {
		return 0, 0, nonCanonical("%s length missing", what)
	}
	first := b[0]
	if first < 0x80 {
		return int(first), 1, nil
	}
	if first == 0x80 {
		return 0, 0, nonCanonical("%s uses indefinite length (BER, not DER)", what)
	}
	k := int(first & 0x7f)
	if k > 2 { // no length here can need more than two octets
		return 0, 0, nonCanonical("%s long-form length with %d octets", what, k)
	}
	if len(b) < 1+k {
		return 0, 0, nonCanonical("%s length truncated", what)
	}
	if b[1] == 0 {
		return 0, 0, nonCanonical("%s long-form length has a leading zero octet", what)
	}
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n < 0x80 {
		return 0, 0, nonCanonical("%s long-form length %d where the short form is required", what, n)
	}
	return n, 1 + k, nil
}

// readCanonicalScalar reads one DER INTEGER holding a value in [1, n-1] and
// returns its magnitude and the remaining input.
func readCanonicalScalar(b []byte, name string) (mag, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, nonCanonical("%s missing", name)
	}
	if b[0] != 0x02 {
		return nil, nil, nonCanonical("%s tag 0x%02x, want INTEGER (0x02)", name, b[0])
	}
	l, hdr, err := readDERLength(b[1:], name)
	if err != nil {
		return nil, nil, err
	}
	b = b[1+hdr:]
	if l > len(b) {
		return nil, nil, nonCanonical("%s truncated: length %d, %d bytes present", name, l, len(b))
	}
	content, rest := b[:l], b[l:]
	switch {
	case l == 0:
		return nil, nil, nonCanonical("%s is an empty INTEGER", name)
	case content[0]&0x80 != 0:
		return nil, nil, nonCanonical("%s is negative", name)
	case l > 1 && content[0] == 0 && content[1]&0x80 == 0:
		return nil, nil, nonCanonical("%s has a superfluous leading zero octet", name)
	}
	mag = content
	if mag[0] == 0 {
		mag = mag[1:]
	}
	if len(mag) == 0 {
		return nil, nil, nonCanonical("%s is zero", name)
	}
	if len(mag) > len(curveOrder) || (len(mag) == len(curveOrder) && bytes.Compare(mag, curveOrder) >= 0) {
		return nil, nil, nonCanonical("%s is not less than the curve order n", name)
	}
	return mag, rest, nil
}

// ZA is Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)
// (GB/T 32918.2-2016 §5.5) for p and uid (empty = DefaultUID): the prefix
// Sign hashes before the message. Exposed for test vectors and for
// checking another library's SM2 step by step.
func (p *PublicKey) ZA(uid []byte) ([]byte, error) {
	if p == nil || p.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if len(uid) == 0 {
		uid = defaultUID
	}
	return sm2.CalculateZA(p.k, uid)
}

// VerifyDigest checks sig as an SM2 signature of the precomputed digest
// e = SM3(Z_A || M) (GB/T 32918.2-2016 §7.1 from step B3 on), for checking
// the steps of another implementation; Verify is what the chain uses.
func (p *PublicKey) VerifyDigest(e, sig []byte) error {
	if p == nil || p.k == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if err := CheckCanonicalSignature(sig); err != nil {
		return err
	}
	if len(e) != 32 || !sm2.VerifyASN1(p.k, e, sig) {
		return ErrBadSignature
	}
	return nil
}
