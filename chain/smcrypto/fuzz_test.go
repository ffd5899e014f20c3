package smcrypto_test

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
)

// FuzzCheckCanonicalSignature checks that CheckCanonicalSignature never
// panics, that anything it accepts is the unique DER encoding of its (r, s)
// (re-marshalling with encoding/asn1 and with MarshalSignature gives the same
// bytes), and conversely that every DER encoding of an in-range (r, s) is
// accepted.
func FuzzCheckCanonicalSignature(f *testing.F) {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		sig, err := k.Sign([]byte{byte(i)})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sig)
	}
	for _, sig := range malformedSignatures(f) {
		f.Add(sig)
	}
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}) // r = s = 1
	f.Add([]byte{0x30, 0x81})
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Add([]byte{0x30, 0xff})

	n := curveN
	f.Fuzz(func(t *testing.T, sig []byte) {
		err := smcrypto.CheckCanonicalSignature(sig)

		var std struct{ R, S *big.Int }
		rest, stdErr := asn1.Unmarshal(sig, &std)
		stdCanonical := stdErr == nil && len(rest) == 0 &&
			std.R.Sign() > 0 && std.R.Cmp(n) < 0 && std.S.Sign() > 0 && std.S.Cmp(n) < 0
		if stdCanonical {
			re, _ := asn1.Marshal(std)
			stdCanonical = bytes.Equal(re, sig)
		}

		if err != nil {
			if !errors.Is(err, smcrypto.ErrNonCanonicalSignature) {
				t.Fatalf("error does not wrap ErrNonCanonicalSignature: %v", err)
			}
			if stdCanonical {
				t.Fatalf("rejected %x, which is the DER encoding of an in-range (r, s): %v", sig, err)
			}
			return
		}

		if len(sig) > smcrypto.MaxSignatureSize {
			t.Fatalf("accepted %d-byte signature", len(sig))
		}
		r, s, err := smcrypto.ParseSignature(sig)
		if err != nil {
			t.Fatalf("CheckCanonicalSignature accepted but ParseSignature failed: %v", err)
		}
		if r.Sign() <= 0 || r.Cmp(n) >= 0 || s.Sign() <= 0 || s.Cmp(n) >= 0 {
			t.Fatalf("accepted out-of-range r=%x s=%x", r, s)
		}
		re, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(re, sig) {
			t.Fatalf("accepted %x, but encoding/asn1 re-marshals (r, s) as %x", sig, re)
		}
		ours, err := smcrypto.MarshalSignature(r, s)
		if err != nil || !bytes.Equal(ours, sig) {
			t.Fatalf("MarshalSignature(r, s) = %x, %v; want %x", ours, err, sig)
		}
		if !stdCanonical {
			t.Fatalf("accepted %x but encoding/asn1 does not consider it canonical", sig)
		}
	})
}
