package smcrypto

import "errors"

// Sentinel errors. Functions of this package return these values, possibly
// wrapped with extra detail, so callers should test with errors.Is.
var (
	// ErrBadSignature: the signature is well formed (canonical DER) but does
	// not verify for this message, public key and user ID.
	ErrBadSignature = errors.New("smcrypto: SM2 signature verification failed")
	// ErrNonCanonicalSignature: the signature is not the unique strict-DER
	// encoding SEQUENCE { INTEGER r, INTEGER s } with 0 < r, s < n.
	ErrNonCanonicalSignature = errors.New("smcrypto: SM2 signature is not canonical DER")
	// ErrInvalidPublicKey: the bytes or value are not a valid SM2 public key
	// (an uncompressed point on sm2p256v1 other than the point at infinity).
	ErrInvalidPublicKey = errors.New("smcrypto: invalid SM2 public key")
	// ErrInvalidPrivateKey: the value is not a valid SM2 private key.
	ErrInvalidPrivateKey = errors.New("smcrypto: invalid SM2 private key")
	// ErrInvalidUID: the signer user ID is too long (ENTL is a 16-bit bit
	// length, so the ID is limited to 8191 bytes).
	ErrInvalidUID = errors.New("smcrypto: invalid SM2 user ID")
	// ErrInvalidKeyID: the text is not a 40-character lower-case hex key ID.
	ErrInvalidKeyID = errors.New("smcrypto: invalid key ID")
	// ErrInvalidPEM: the input is not exactly one PEM block of the expected
	// type, or the DER inside it is malformed or holds another kind of key.
	ErrInvalidPEM = errors.New("smcrypto: invalid PEM key file")
	// ErrPassphraseRequired: the private key file is encrypted but no
	// passphrase was given.
	ErrPassphraseRequired = errors.New("smcrypto: private key is encrypted, a passphrase is required")
	// ErrWrongPassphrase: decrypting an encrypted private key file failed,
	// which almost always means the passphrase is wrong (it can also mean the
	// file is corrupted).
	ErrWrongPassphrase = errors.New("smcrypto: wrong passphrase for encrypted private key (or corrupted key file)")
	// ErrInvalidSM4Key: an SM4 key is not exactly 16 bytes.
	ErrInvalidSM4Key = errors.New("smcrypto: SM4 key must be 16 bytes")
	// ErrEmptyPlaintext: SM2 encryption of an empty message is undefined
	// (GB/T 32918.4-2016 requires klen > 0).
	ErrEmptyPlaintext = errors.New("smcrypto: SM2 encryption of an empty message")
	// ErrDecryption: SM2 decryption or SM4-GCM opening failed (malformed,
	// tampered, wrong key or wrong additional data). Deliberately vague.
	ErrDecryption = errors.New("smcrypto: decryption failed")
)
