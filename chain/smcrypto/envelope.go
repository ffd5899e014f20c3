package smcrypto

import (
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm4"
)

// SM4-GCM parameters.
const (
	SM4KeySize      = 16 // SM4 key size (GB/T 32907-2016)
	SM4GCMNonceSize = 12 // random nonce prefixed to every sealed box
	SM4GCMTagSize   = 16 // GCM authentication tag
	// SM4GCMOverhead is len(sealed) - len(plaintext).
	SM4GCMOverhead = SM4GCMNonceSize + SM4GCMTagSize
)

func newSM4GCM(key []byte) (cipher.AEAD, error) {
	if len(key) != SM4KeySize {
		return nil, fmt.Errorf("%w: got %d bytes", ErrInvalidSM4Key, len(key))
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSM4Key, err)
	}
	// cipher.NewGCM picks up gmsm's accelerated SM4-GCM where available.
	return cipher.NewGCM(block)
}

// SealSM4GCM encrypts and authenticates plaintext, and authenticates aad,
// with SM4 (GB/T 32907-2016) in GCM mode (NIST SP 800-38D; the SM4-GCM
// profile of RFC 8998). key must be 16 bytes. The output is
// nonce(12, random) || ciphertext || tag(16).
//
// Because nonces are random, one key must not seal more than about 2^32
// messages.
func SealSM4GCM(key, plaintext, aad []byte) ([]byte, error) {
	aead, err := newSM4GCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, SM4GCMNonceSize, SM4GCMOverhead+len(plaintext))
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("smcrypto: reading nonce: %w", err)
	}
	return aead.Seal(out, out[:SM4GCMNonceSize], plaintext, aad), nil
}

// OpenSM4GCM reverses SealSM4GCM. Any tampering with sealed or aad, or a wrong
// key, gives ErrDecryption.
func OpenSM4GCM(key, sealed, aad []byte) ([]byte, error) {
	aead, err := newSM4GCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < SM4GCMOverhead {
		return nil, fmt.Errorf("%w: sealed box shorter than %d bytes", ErrDecryption, SM4GCMOverhead)
	}
	pt, err := aead.Open(nil, sealed[:SM4GCMNonceSize], sealed[SM4GCMNonceSize:], aad)
	if err != nil {
		return nil, ErrDecryption
	}
	return pt, nil
}

// Encrypt encrypts plaintext to p with SM2 public-key encryption
// (GB/T 32918.4-2016). The output is the ASN.1 ciphertext structure of
// GM/T 0009-2012:
//
//	SM2Cipher ::= SEQUENCE {
//	    XCoordinate INTEGER,      -- C1.x
//	    YCoordinate INTEGER,      -- C1.y
//	    HASH        OCTET STRING, -- C3 = SM3(x2 || M || y2), 32 bytes
//	    CipherText  OCTET STRING  -- C2 = M xor KDF(x2 || y2, klen)
//	}
//
// i.e. component order C1C3C2. The order is fixed by agreement for the whole
// chain: GB/T 32918.4-2016 specifies C1||C3||C2, but older software (the 2010
// draft) used C1||C2||C3, so it is written down here and must not change.
// plaintext must not be empty.
func (p *PublicKey) Encrypt(plaintext []byte) ([]byte, error) {
	if p == nil || p.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if len(plaintext) == 0 {
		return nil, ErrEmptyPlaintext
	}
	ct, err := sm2.EncryptASN1(rand.Reader, p.k, plaintext)
	if err != nil {
		return nil, fmt.Errorf("smcrypto: SM2 encrypt: %w", err)
	}
	return ct, nil
}

// Decrypt reverses PublicKey.Encrypt. Only the ASN.1 (C1C3C2) form is
// accepted; anything malformed, tampered or encrypted to another key gives
// ErrDecryption.
func (k *PrivateKey) Decrypt(ciphertext []byte) ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPrivateKey)
	}
	// gmsm auto-detects the encoding from the first byte; pin it to ASN.1
	// SEQUENCE so raw C1||C3||C2 / C1||C2||C3 byte strings are not accepted.
	if len(ciphertext) == 0 || ciphertext[0] != 0x30 {
		return nil, fmt.Errorf("%w: not an ASN.1 SM2 ciphertext", ErrDecryption)
	}
	pt, err := sm2.Decrypt(k.k, ciphertext)
	if err != nil {
		return nil, ErrDecryption
	}
	return pt, nil
}
