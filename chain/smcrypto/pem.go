package smcrypto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/pkcs"
	"github.com/emmansun/gmsm/pkcs8"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// PEM block types written and read by this package.
const (
	PEMTypePrivateKey          = "PRIVATE KEY"           // PKCS#8 PrivateKeyInfo (RFC 5208)
	PEMTypeEncryptedPrivateKey = "ENCRYPTED PRIVATE KEY" // PKCS#8 EncryptedPrivateKeyInfo (RFC 5208)
	PEMTypePublicKey           = "PUBLIC KEY"            // PKIX SubjectPublicKeyInfo (RFC 5280)
)

// Key-file encryption parameters (PBES2, RFC 8018 §6.2):
//
//	KDF:    PBKDF2 (RFC 8018 §5.2) with PRF HMAC-SM3 (OID 1.2.156.10197.1.401.2),
//	        16-byte random salt, PBKDF2Iterations iterations
//	cipher: SM4-CBC (OID 1.2.156.10197.1.104.2), 16-byte key, random IV
//
// This is the standard PBES2 OID (1.2.840.113549.1.5.13) with SM algorithms
// plugged in, as supported by gmsm's pkcs package. tjfoc/gmsm cannot read
// such files: its reader only knows AES-CBC with HMAC-SHA*.
const (
	PBKDF2Iterations = 100_000
	pbkdf2SaltSize   = 16
)

// MarshalPrivateKeyPEM encodes k as a PKCS#8 PEM file. With a non-empty
// passphrase the result is an "ENCRYPTED PRIVATE KEY" block (PBES2 with
// PBKDF2-HMAC-SM3 and SM4-CBC, see PBKDF2Iterations); with an empty passphrase
// it is an unencrypted "PRIVATE KEY" block. In both cases the key is
// AlgorithmIdentifier{id-ecPublicKey, sm2p256v1 (OIDSM2)}, as written by gmsm,
// tjfoc and OpenSSL.
func MarshalPrivateKeyPEM(k *PrivateKey, passphrase []byte) ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPrivateKey)
	}
	if len(passphrase) == 0 {
		der, err := smx509.MarshalPKCS8PrivateKey(k.k)
		if err != nil {
			return nil, fmt.Errorf("smcrypto: marshal PKCS#8: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: PEMTypePrivateKey, Bytes: der}), nil
	}
	enc := pkcs.NewPBESEncrypter(pkcs.SM4CBC, pkcs.NewPBKDF2Opts(pkcs.SM3, pbkdf2SaltSize, PBKDF2Iterations))
	der, err := pkcs8.MarshalPrivateKey(k.k, passphrase, enc)
	if err != nil {
		return nil, fmt.Errorf("smcrypto: marshal encrypted PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PEMTypeEncryptedPrivateKey, Bytes: der}), nil
}

// Ciphers of MarshalPrivateKeyPEMPortable.
const (
	PortableAES256CBC = "aes-256-cbc" // PBKDF2-HMAC-SHA256 + AES-256-CBC: OpenSSL 3's own default
	PortableSM4CBC    = "sm4-cbc"     // PBKDF2-HMAC-SHA256 + SM4-CBC
)

// MarshalPrivateKeyPEMPortable encodes k as an "ENCRYPTED PRIVATE KEY" that
// OpenSSL 3.0, BouncyCastle and Java read: PBES2 with PBKDF2-HMAC-SHA256
// (OpenSSL 3.0 has no HMAC-SM3 PRF for PBKDF2 in PKCS#8) and the given
// cipher. ParsePrivateKeyPEM reads it back.
func MarshalPrivateKeyPEMPortable(k *PrivateKey, passphrase []byte, cipher string) ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPrivateKey)
	}
	if len(passphrase) == 0 {
		return nil, ErrPassphraseRequired
	}
	var c pkcs.Cipher
	switch cipher {
	case PortableAES256CBC, "":
		c = pkcs.AES256CBC
	case PortableSM4CBC:
		c = pkcs.SM4CBC
	default:
		return nil, fmt.Errorf("smcrypto: key-file cipher %q: want %s or %s", cipher, PortableAES256CBC, PortableSM4CBC)
	}
	enc := pkcs.NewPBESEncrypter(c, pkcs.NewPBKDF2Opts(pkcs.SHA256, pbkdf2SaltSize, PBKDF2Iterations))
	der, err := pkcs8.MarshalPrivateKey(k.k, passphrase, enc)
	if err != nil {
		return nil, fmt.Errorf("smcrypto: marshal encrypted PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PEMTypeEncryptedPrivateKey, Bytes: der}), nil
}

// ParsePrivateKeyPEM parses a file written by MarshalPrivateKeyPEM (or by
// OpenSSL, gmsm or tjfoc): exactly one PEM block of type "PRIVATE KEY" or
// "ENCRYPTED PRIVATE KEY" holding an SM2 key.
//
// Encrypted files may use any PBES2 scheme gmsm supports (e.g. the
// PBKDF2-HMAC-SHA1 + AES-256-CBC files tjfoc writes, or SM4-CBC); an empty
// passphrase gives ErrPassphraseRequired and a wrong one ErrWrongPassphrase.
// For an unencrypted file the passphrase is ignored.
func ParsePrivateKeyPEM(pemBytes, passphrase []byte) (*PrivateKey, error) {
	block, err := decodeSinglePEM(pemBytes)
	if err != nil {
		return nil, err
	}
	var der []byte
	encrypted := false
	switch block.Type {
	case PEMTypePrivateKey:
		der = block.Bytes
	case PEMTypeEncryptedPrivateKey:
		if len(passphrase) == 0 {
			return nil, ErrPassphraseRequired
		}
		if der, err = decryptPKCS8(block.Bytes, passphrase); err != nil {
			return nil, err
		}
		encrypted = true
	default:
		return nil, fmt.Errorf("%w: PEM type %q, want %q or %q", ErrInvalidPEM, block.Type, PEMTypePrivateKey, PEMTypeEncryptedPrivateKey)
	}
	key, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if encrypted {
			// The CBC padding happened to check out but the plaintext is
			// not a PKCS#8 key: with overwhelming probability the
			// passphrase is wrong.
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidPEM, err)
	}
	sk, ok := key.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: key type %T is not SM2", ErrInvalidPEM, key)
	}
	return PrivateKeyFromSM2(sk)
}

// encryptedPrivateKeyInfo is RFC 5208 EncryptedPrivateKeyInfo.
type encryptedPrivateKeyInfo struct {
	EncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedData       []byte
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo with gmsm's PBES2
// implementation. Doing the two steps here (rather than pkcs8.ParsePrivateKey)
// lets us tell a malformed file from a wrong passphrase.
func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	rest, err := asn1.Unmarshal(der, &info)
	if err != nil {
		return nil, fmt.Errorf("%w: EncryptedPrivateKeyInfo: %v", ErrInvalidPEM, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: trailing data after EncryptedPrivateKeyInfo", ErrInvalidPEM)
	}
	if !pkcs.IsPBES2(info.EncryptionAlgorithm) && !pkcs.IsSMPBES(info.EncryptionAlgorithm) {
		return nil, fmt.Errorf("%w: unsupported key encryption %v (only PBES2 is accepted)", ErrInvalidPEM, info.EncryptionAlgorithm.Algorithm)
	}
	var params pkcs.PBES2Params
	if _, err := asn1.Unmarshal(info.EncryptionAlgorithm.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("%w: PBES2 parameters: %v", ErrInvalidPEM, err)
	}
	plain, _, err := params.Decrypt(passphrase, info.EncryptedData)
	if errors.Is(err, pkcs.ErrPBEDecryption) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPEM, err)
	}
	return plain, nil
}

// MarshalPublicKeyPEM encodes p as a PKIX SubjectPublicKeyInfo "PUBLIC KEY"
// PEM block (AlgorithmIdentifier{id-ecPublicKey, sm2p256v1}).
func MarshalPublicKeyPEM(p *PublicKey) ([]byte, error) {
	if p == nil || p.k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	der, err := smx509.MarshalPKIXPublicKey(p.k)
	if err != nil {
		return nil, fmt.Errorf("smcrypto: marshal PKIX public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PEMTypePublicKey, Bytes: der}), nil
}

// ParsePublicKeyPEM parses exactly one "PUBLIC KEY" PEM block holding an SM2
// SubjectPublicKeyInfo (either id-ecPublicKey or the SM2 algorithm OID, with
// curve sm2p256v1).
func ParsePublicKeyPEM(b []byte) (*PublicKey, error) {
	block, err := decodeSinglePEM(b)
	if err != nil {
		return nil, err
	}
	if block.Type != PEMTypePublicKey {
		return nil, fmt.Errorf("%w: PEM type %q, want %q", ErrInvalidPEM, block.Type, PEMTypePublicKey)
	}
	key, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPEM, err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fmt.Errorf("%w: key type %T is not an SM2 public key", ErrInvalidPEM, key)
	}
	return PublicKeyFromECDSA(pub)
}

// decodeSinglePEM requires exactly one PEM block with no headers and nothing
// but whitespace around it.
func decodeSinglePEM(b []byte) (*pem.Block, error) {
	block, rest := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrInvalidPEM)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the PEM block", ErrInvalidPEM)
	}
	if len(block.Headers) != 0 {
		// Legacy "Proc-Type: 4,ENCRYPTED" (RFC 1423) files are not supported.
		return nil, fmt.Errorf("%w: PEM headers are not supported", ErrInvalidPEM)
	}
	return block, nil
}
