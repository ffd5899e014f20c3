// Package tx is govchain's transaction envelope: a versioned, deterministic
// binary encoding with exactly one valid byte form per transaction.
//
// Layout (version 1), every length a minimal uvarint:
//
//	0x01 | len chain_id | chain_id | len type | type | signer (20 bytes)
//	     | sequence (8 bytes big-endian) | len body | body | len sig | sig
//
// The signature is SM2 (GM/T 0003, default user id per GM/T 0009) over
// SM3(SignDomain || the same encoding without the signature fields).
package tx

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/govchain/govchain/chain/smcrypto"
)

const (
	Version1 = 1
	// SignDomain separates tx signatures from every other SM2 signature a
	// department key makes (block attestations, certificates, CRLs).
	SignDomain = "govchain/tx/v1\x00"

	MaxChainIDLen = 64
	MaxTypeLen    = 64
	MaxSigLen     = 80 // DER SEQUENCE of two 256-bit integers is at most 72
)

// Tx is a decoded transaction.
type Tx struct {
	ChainID   string
	Type      string         // message type, "module.action"
	Signer    smcrypto.KeyID // references an identity registered on chain
	Sequence  uint64         // per-signer, starts at 1, must be exactly next
	Body      []byte         // canonical JSON of the message
	Signature []byte         // strict DER SM2 signature
}

func appendBytes(b []byte, field []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(field)))
	return append(b, field...)
}

func (t *Tx) appendUnsigned(b []byte) []byte {
	b = append(b, Version1)
	b = appendBytes(b, []byte(t.ChainID))
	b = appendBytes(b, []byte(t.Type))
	b = append(b, t.Signer[:]...)
	b = binary.BigEndian.AppendUint64(b, t.Sequence)
	return appendBytes(b, t.Body)
}

// Unsigned is the encoding without the signature fields: the signed
// envelope is Unsigned() || uvarint(len sig) || sig.
func (t *Tx) Unsigned() []byte { return t.appendUnsigned(nil) }

// SignBytes is what the signer's SM2 key signs: the SM3 digest of the domain
// and the unsigned encoding. SM2 (GB/T 32918.2 §6.1) then signs these 32
// bytes as its message M, that is e = SM3(Z_A || SignBytes()).
func (t *Tx) SignBytes() []byte {
	b := make([]byte, 0, len(SignDomain)+len(t.Body)+128)
	b = append(b, SignDomain...)
	b = t.appendUnsigned(b)
	d := smcrypto.SM3(b)
	return d[:]
}

// Encode returns the canonical bytes of a signed tx.
func (t *Tx) Encode() []byte {
	b := make([]byte, 0, len(t.Body)+len(t.Signature)+128)
	b = t.appendUnsigned(b)
	return appendBytes(b, t.Signature)
}

// Sign fills in Signature using k. The signer field must already name k.
func (t *Tx) Sign(k *smcrypto.PrivateKey) error {
	sig, err := k.Sign(t.SignBytes())
	if err != nil {
		return err
	}
	t.Signature = sig
	return nil
}

// Hash is the CometBFT transaction hash (SHA-256 of the bytes), so the same id
// works with CometBFT's /tx RPC and govchain's explorer.
func Hash(raw []byte) [32]byte { return sha256.Sum256(raw) }

// HashHex is Hash in upper-case hex, the form CometBFT prints.
func HashHex(raw []byte) string { return HexOf(Hash(raw)) }

// HexOf is a tx hash as HashHex writes it (upper-case hex).
func HexOf(h [32]byte) string { return fmt.Sprintf("%X", h[:]) }

type reader struct {
	b   []byte
	off int
}

func (r *reader) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, ErrDecode.Wrapf("%s: bad length prefix at byte %d", what, r.off)
	}
	// Reject non-minimal varints: otherwise one tx would have many encodings.
	if n != len(binary.AppendUvarint(nil, v)) {
		return 0, ErrDecode.Wrapf("%s: non-minimal length prefix at byte %d", what, r.off)
	}
	r.off += n
	return v, nil
}

func (r *reader) fixed(n int, what string) ([]byte, error) {
	if len(r.b)-r.off < n {
		return nil, ErrDecode.Wrapf("%s: need %d bytes at byte %d, have %d", what, n, r.off, len(r.b)-r.off)
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out, nil
}

func (r *reader) field(max int, what string) ([]byte, error) {
	n, err := r.uvarint(what)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, ErrDecode.Wrapf("%s: length %d exceeds %d", what, n, max)
	}
	return r.fixed(int(n), what)
}

// Decode parses raw strictly: unknown version, bad lengths, non-minimal
// prefixes, trailing bytes and oversize fields are all errors. maxSize bounds
// the whole tx (the chain parameter max_tx_bytes).
func Decode(raw []byte, maxSize int) (*Tx, error) {
	if maxSize > 0 && len(raw) > maxSize {
		return nil, ErrTooLarge.Wrapf("tx is %d bytes, limit %d", len(raw), maxSize)
	}
	if len(raw) == 0 {
		return nil, ErrDecode.Wrapf("empty tx")
	}
	if raw[0] != Version1 {
		return nil, ErrVersion.Wrapf("version byte %d, want %d", raw[0], Version1)
	}
	r := &reader{b: raw, off: 1}
	var t Tx
	chainID, err := r.field(MaxChainIDLen, "chain_id")
	if err != nil {
		return nil, err
	}
	typ, err := r.field(MaxTypeLen, "type")
	if err != nil {
		return nil, err
	}
	signer, err := r.fixed(len(t.Signer), "signer")
	if err != nil {
		return nil, err
	}
	seq, err := r.fixed(8, "sequence")
	if err != nil {
		return nil, err
	}
	body, err := r.field(len(raw), "body")
	if err != nil {
		return nil, err
	}
	sig, err := r.field(MaxSigLen, "signature")
	if err != nil {
		return nil, err
	}
	if r.off != len(raw) {
		return nil, ErrDecode.Wrapf("%d trailing bytes", len(raw)-r.off)
	}
	if !printable(chainID) || !printable(typ) {
		return nil, ErrDecode.Wrapf("chain_id and type must be printable ASCII")
	}
	t.ChainID = string(chainID)
	t.Type = string(typ)
	copy(t.Signer[:], signer)
	t.Sequence = binary.BigEndian.Uint64(seq)
	t.Body = append([]byte(nil), body...)
	t.Signature = append([]byte(nil), sig...)
	return &t, nil
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// String is a short description for logs; it never prints the body, which may
// carry envelopes or hashes a citizen would not want in an operator's log.
func (t *Tx) String() string {
	return fmt.Sprintf("tx{%s signer=%s seq=%d body=%dB sig=%s}", t.Type, t.Signer, t.Sequence, len(t.Body), hex.EncodeToString(t.Signature[:min(4, len(t.Signature))]))
}
