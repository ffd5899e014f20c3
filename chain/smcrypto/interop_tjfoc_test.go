package smcrypto_test

// Interoperability with github.com/tjfoc/gmsm v1.4.1, an independent SM2/SM3
// implementation. tjfoc may be imported only in _test.go files.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	tjsm2 "github.com/tjfoc/gmsm/sm2"
	tjsm3 "github.com/tjfoc/gmsm/sm3"
	tjx509 "github.com/tjfoc/gmsm/x509"

	"github.com/govchain/govchain/chain/smcrypto"
)

func tjKey(t testing.TB) *tjsm2.PrivateKey {
	t.Helper()
	k, err := tjsm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tjUncompressed encodes a tjfoc public key as 0x04||X||Y.
func tjUncompressed(p *tjsm2.PublicKey) []byte {
	b := make([]byte, 65)
	b[0] = 4
	p.X.FillBytes(b[1:33])
	p.Y.FillBytes(b[33:])
	return b
}

// ourToTjfoc converts our public key to tjfoc's type.
func ourToTjfoc(t testing.TB, p *smcrypto.PublicKey) *tjsm2.PublicKey {
	t.Helper()
	b := p.Bytes()
	return &tjsm2.PublicKey{Curve: tjsm2.P256Sm2(), X: new(big.Int).SetBytes(b[1:33]), Y: new(big.Int).SetBytes(b[33:])}
}

func TestTjfocSM3Agrees(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("abc"), bytes.Repeat([]byte{7}, 1000)} {
		want := tjsm3.Sm3Sum(in)
		got := smcrypto.SM3(in)
		if !bytes.Equal(got[:], want) {
			t.Fatalf("SM3 mismatch for %d bytes: %x vs tjfoc %x", len(in), got, want)
		}
	}
}

func TestTjfocPublicKeyImport(t *testing.T) {
	tk := tjKey(t)

	der, err := tjx509.MarshalSm2PublicKey(&tk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	fromPEM, err := smcrypto.ParsePublicKeyPEM(pemEncode(t, "PUBLIC KEY", der))
	if err != nil {
		t.Fatalf("ParsePublicKeyPEM(tjfoc PKIX): %v", err)
	}
	fromBytes, err := smcrypto.ParsePublicKey(tjUncompressed(&tk.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	// tjfoc's curve is a different elliptic.Curve object with the same parameters.
	fromECDSA, err := smcrypto.PublicKeyFromECDSA(&ecdsa.PublicKey{Curve: tk.Curve, X: tk.X, Y: tk.Y})
	if err != nil {
		t.Fatalf("PublicKeyFromECDSA(tjfoc curve): %v", err)
	}
	if !fromPEM.Equal(fromBytes) || !fromECDSA.Equal(fromBytes) {
		t.Fatal("imports disagree")
	}

	// And the reverse: tjfoc reads our PKIX encoding.
	ours := mustKey(t).PublicKey()
	p, err := smcrypto.MarshalPublicKeyPEM(ours)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := tjx509.ParseSm2PublicKey(pemDecode(t, p))
	if err != nil {
		t.Fatalf("tjfoc ParseSm2PublicKey(ours): %v", err)
	}
	if !bytes.Equal(tjUncompressed(tp), ours.Bytes()) {
		t.Fatal("tjfoc parsed a different point")
	}
}

func TestTjfocSignatureVerifiesHere(t *testing.T) {
	tk := tjKey(t)
	pub, err := smcrypto.ParsePublicKey(tjUncompressed(&tk.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("signed by tjfoc")
	for i := 0; i < 20; i++ { // several signatures: covers short r/s encodings now and then
		sig, err := tk.Sign(rand.Reader, msg, nil) // tjfoc: default UID 1234567812345678, DER
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Verify(msg, sig); err != nil {
			t.Fatalf("tjfoc signature %x: %v", sig, err)
		}
		if err := pub.Verify([]byte("signed by tjfoC"), sig); !errors.Is(err, smcrypto.ErrBadSignature) {
			t.Fatalf("tjfoc signature over other message: %v", err)
		}
	}

	// Explicit UID via tjfoc's Sm2Sign.
	alice := []byte("ALICE123@YAHOO.COM")
	r, s, err := tjsm2.Sm2Sign(tk, msg, alice, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := tjsm2.SignDigitToSignData(r, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.VerifyWithUID(msg, sig, alice); err != nil {
		t.Fatalf("tjfoc ALICE signature: %v", err)
	}
	if err := pub.Verify(msg, sig); !errors.Is(err, smcrypto.ErrBadSignature) {
		t.Fatalf("tjfoc ALICE signature under default UID: %v", err)
	}
}

func TestOurSignatureVerifiesInTjfoc(t *testing.T) {
	k := mustKey(t)
	tp := ourToTjfoc(t, k.PublicKey())
	msg := []byte("signed by smcrypto")
	for i := 0; i < 20; i++ {
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !tp.Verify(msg, sig) {
			t.Fatalf("tjfoc rejects our signature %x", sig)
		}
		if tp.Verify(append(msg, '!'), sig) {
			t.Fatal("tjfoc accepts our signature over another message")
		}
	}
	alice := []byte("ALICE123@YAHOO.COM")
	sig, err := k.SignWithUID(msg, alice)
	if err != nil {
		t.Fatal(err)
	}
	r, s, err := tjsm2.SignDataToSignDigit(sig)
	if err != nil {
		t.Fatal(err)
	}
	if !tjsm2.Sm2Verify(tp, msg, alice, r, s) {
		t.Fatal("tjfoc rejects our ALICE signature")
	}
	if tp.Verify(msg, sig) {
		t.Fatal("tjfoc accepts our ALICE signature under the default UID")
	}
}

// TestTjfocIsLenientAboutTrailingBytes documents why Verify checks encoding
// first: tjfoc (encoding/asn1.Unmarshal, remainder ignored) accepts a
// signature with junk appended, so the same (r, s) has many byte forms there.
func TestTjfocIsLenientAboutTrailingBytes(t *testing.T) {
	k := mustKey(t)
	msg := []byte("malleable?")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(append([]byte(nil), sig...), 0xde, 0xad)
	if !ourToTjfoc(t, k.PublicKey()).Verify(msg, padded) {
		t.Fatal("tjfoc no longer accepts trailing bytes; update this test's comment")
	}
	if err := k.PublicKey().Verify(msg, padded); !errors.Is(err, smcrypto.ErrNonCanonicalSignature) {
		t.Fatalf("err = %v, want ErrNonCanonicalSignature", err)
	}
}

func TestTjfocPKCS8Interop(t *testing.T) {
	// tjfoc -> us (unencrypted PKCS#8).
	tk := tjKey(t)
	der, err := tjx509.MarshalSm2UnecryptedPrivateKey(tk)
	if err != nil {
		t.Fatal(err)
	}
	k, err := smcrypto.ParsePrivateKeyPEM(pemEncode(t, "PRIVATE KEY", der), nil)
	if err != nil {
		t.Fatalf("parsing tjfoc PKCS#8: %v", err)
	}
	if new(big.Int).SetBytes(k.Bytes()).Cmp(tk.D) != 0 || !bytes.Equal(k.PublicKey().Bytes(), tjUncompressed(&tk.PublicKey)) {
		t.Fatal("tjfoc key imported with different D or public point")
	}
	// The imported key signs for tjfoc's public key.
	sig, err := k.Sign([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if !tk.PublicKey.Verify([]byte("x"), sig) {
		t.Fatal("signature by imported key rejected by tjfoc")
	}

	// tjfoc -> us (encrypted: tjfoc writes PBES2 with PBKDF2-HMAC-SHA1 + AES-256-CBC).
	pass := []byte("tjfoc-pass")
	encDER, err := tjx509.MarshalSm2EcryptedPrivateKey(tk, pass)
	if err != nil {
		t.Fatal(err)
	}
	encPEM := pemEncode(t, "ENCRYPTED PRIVATE KEY", encDER)
	k2, err := smcrypto.ParsePrivateKeyPEM(encPEM, pass)
	if err != nil {
		t.Fatalf("parsing tjfoc encrypted PKCS#8: %v", err)
	}
	if !k2.Equal(k) {
		t.Fatal("encrypted import differs")
	}
	if _, err := smcrypto.ParsePrivateKeyPEM(encPEM, []byte("wrong")); !errors.Is(err, smcrypto.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase on tjfoc file: %v", err)
	}

	// us -> tjfoc (unencrypted PKCS#8).
	ours := mustKey(t)
	p, err := smcrypto.MarshalPrivateKeyPEM(ours, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk2, err := tjx509.ParsePKCS8UnecryptedPrivateKey(pemDecode(t, p))
	if err != nil {
		t.Fatalf("tjfoc parsing our PKCS#8: %v", err)
	}
	if tk2.D.Cmp(new(big.Int).SetBytes(ours.Bytes())) != 0 || !bytes.Equal(tjUncompressed(&tk2.PublicKey), ours.PublicKey().Bytes()) {
		t.Fatal("tjfoc imported our key with different D or public point")
	}
	tsig, err := tk2.Sign(rand.Reader, []byte("y"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ours.PublicKey().Verify([]byte("y"), tsig); err != nil {
		t.Fatalf("signature by tjfoc-imported key: %v", err)
	}

	// us -> tjfoc (encrypted) is NOT possible: we encrypt with SM4-CBC and
	// HMAC-SM3, tjfoc only reads AES-CBC with HMAC-SHA*. Pin that down so a
	// change on either side is noticed.
	ep, err := smcrypto.MarshalPrivateKeyPEM(ours, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tjx509.ParsePKCS8EcryptedPrivateKey(pemDecode(t, ep), pass); err == nil {
		t.Fatal("tjfoc unexpectedly reads SM4-encrypted PKCS#8; update the docs")
	}
}

func TestTjfocSM2EncryptionInterop(t *testing.T) {
	pt := []byte("sm2 envelope interop, C1C3C2 in ASN.1")

	// tjfoc -> us.
	tk := tjKey(t)
	der, _ := tjx509.MarshalSm2UnecryptedPrivateKey(tk)
	k, err := smcrypto.ParsePrivateKeyPEM(pemEncode(t, "PRIVATE KEY", der), nil)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := tjsm2.EncryptAsn1(&tk.PublicKey, pt, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Decrypt(ct)
	if err != nil {
		t.Fatalf("decrypting tjfoc ciphertext: %v", err)
	}
	if !bytes.Equal(got, pt) {
		t.Fatal("tjfoc ciphertext decrypted to something else")
	}

	// us -> tjfoc.
	ours := mustKey(t)
	ct2, err := ours.PublicKey().Encrypt(pt)
	if err != nil {
		t.Fatal(err)
	}
	tk2, err := tjx509.ParsePKCS8UnecryptedPrivateKey(pemDecode(t, mustPEM(t, ours)))
	if err != nil {
		t.Fatal(err)
	}
	got2, err := tjsm2.DecryptAsn1(tk2, ct2)
	if err != nil {
		t.Fatalf("tjfoc decrypting our ciphertext: %v", err)
	}
	if !bytes.Equal(got2, pt) {
		t.Fatal("tjfoc decrypted our ciphertext to something else")
	}
}

func mustPEM(t testing.TB, k *smcrypto.PrivateKey) []byte {
	t.Helper()
	p, err := smcrypto.MarshalPrivateKeyPEM(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ---------- tjfoc benchmarks, for comparison with bench_test.go ----------

func BenchmarkTjfocSign(b *testing.B) {
	k := tjKey(b)
	msg := []byte("benchmark message: a typical transaction sign-bytes payload of modest size")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := k.Sign(rand.Reader, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTjfocVerify(b *testing.B) {
	k := tjKey(b)
	msg := []byte("benchmark message: a typical transaction sign-bytes payload of modest size")
	sig, err := k.Sign(rand.Reader, msg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !k.PublicKey.Verify(msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkTjfocSM3_1KiB(b *testing.B) { benchTjfocSM3(b, 1<<10) }
func BenchmarkTjfocSM3_1MiB(b *testing.B) { benchTjfocSM3(b, 1<<20) }

func benchTjfocSM3(b *testing.B, n int) {
	data := make([]byte, n)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tjsm3.Sm3Sum(data)
	}
}
