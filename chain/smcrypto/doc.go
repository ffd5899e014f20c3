// Package smcrypto is the chain's single place for Chinese national
// ("ShangMi", SM) cryptography. Every other package of the chain must go
// through it instead of importing a GM library directly.
//
// All primitives are provided by github.com/emmansun/gmsm; this package only
// fixes the conventions the chain relies on and never implements an algorithm
// itself:
//
//   - SM2 digital signatures (GB/T 32918.2-2016, GM/T 0003.2-2012) on the
//     recommended curve sm2p256v1 (GB/T 32918.5-2017, GM/T 0003.5-2012).
//     The signed digest is e = SM3(Z_A || M), with Z_A computed over the
//     signer's user ID (GB/T 32918.2-2016 §5.5); the default user ID is
//     DefaultUID = "1234567812345678" (GM/T 0009-2012).
//   - Signatures are ASN.1 DER SEQUENCE { r INTEGER, s INTEGER }
//     (GM/T 0009-2012, signature data format) and are accepted in exactly one byte form, see
//     CheckCanonicalSignature.
//   - SM3 hashing (GB/T 32905-2016, GM/T 0004-2012).
//   - SM4 block cipher (GB/T 32907-2016, GM/T 0002-2012) in GCM mode
//     (NIST SP 800-38D, as profiled for SM4 in RFC 8998).
//   - SM2 public-key encryption (GB/T 32918.4-2016, GM/T 0003.4-2012) in
//     the ASN.1 ciphertext form of GM/T 0009-2012 (C1, C3, C2 order).
//   - Key files: PKCS#8 (RFC 5208/5958) private keys, optionally encrypted with
//     PBES2 (RFC 8018) using PBKDF2-HMAC-SM3 and SM4-CBC, and PKIX
//     SubjectPublicKeyInfo public keys, using the object identifiers of
//     GM/T 0006-2012.
package smcrypto

import "encoding/asn1"

// Object identifiers assigned by GM/T 0006-2012 (密码应用标识规范).
var (
	// OIDSM2 identifies the SM2 algorithm / curve sm2p256v1: 1.2.156.10197.1.301.
	OIDSM2 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	// OIDSM3 identifies the SM3 hash algorithm: 1.2.156.10197.1.401.
	OIDSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	// OIDSM3WithSM2 identifies SM2 signatures over SM3 digests: 1.2.156.10197.1.501.
	OIDSM3WithSM2 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
)
