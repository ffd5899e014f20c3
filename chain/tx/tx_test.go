package tx

import (
	"bytes"
	"errors"
	"testing"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/smcrypto"
)

func sample(t testing.TB) (*Tx, *smcrypto.PrivateKey) {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tx := &Tx{ChainID: "govchain-test", Type: "identity.register_account", Signer: k.PublicKey().ID(), Sequence: 7, Body: []byte(`{"a":1}`)}
	if err := tx.Sign(k); err != nil {
		t.Fatal(err)
	}
	return tx, k
}

func TestRoundTrip(t *testing.T) {
	tx, k := sample(t)
	raw := tx.Encode()
	got, err := Decode(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), raw) || got.ChainID != tx.ChainID || got.Sequence != 7 || got.Type != tx.Type || got.Signer != tx.Signer {
		t.Fatalf("round trip mismatch: %+v", got)
	}
	if err := k.PublicKey().Verify(got.SignBytes(), got.Signature); err != nil {
		t.Fatalf("signature over decoded tx: %v", err)
	}
	// sign bytes bind every field
	for name, mutate := range map[string]func(*Tx){
		"chain": func(x *Tx) { x.ChainID += "x" }, "type": func(x *Tx) { x.Type += "x" },
		"seq": func(x *Tx) { x.Sequence++ }, "body": func(x *Tx) { x.Body = append(x.Body, ' ') },
		"signer": func(x *Tx) { x.Signer[0] ^= 1 },
	} {
		c := *got
		c.Body = append([]byte(nil), got.Body...)
		mutate(&c)
		if bytes.Equal(c.SignBytes(), got.SignBytes()) {
			t.Errorf("sign bytes do not cover %s", name)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tx, _ := sample(t)
	raw := tx.Encode()
	cases := map[string]struct {
		in   []byte
		want *errs.Error
	}{
		"empty":            {nil, ErrDecode},
		"version":          {append([]byte{2}, raw[1:]...), ErrVersion},
		"trailing":         {append(append([]byte(nil), raw...), 0), ErrDecode},
		"truncated":        {raw[:len(raw)-1], ErrDecode},
		"non-minimal len":  {append([]byte{1, 0x8d, 0x00}, raw[2:]...), ErrDecode},
		"too large":        {raw, ErrTooLarge},
		"control in chain": {append([]byte{1, 1, '\n'}, raw[2+len(tx.ChainID):]...), ErrDecode},
	}
	for name, c := range cases {
		max := 0
		if name == "too large" {
			max = len(raw) - 1
		}
		_, err := Decode(c.in, max)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

// FuzzDecode: the decoder never panics, and whatever it accepts has exactly
// one byte form (re-encoding gives the input back).
func FuzzDecode(f *testing.F) {
	tx, _ := sample(f)
	raw := tx.Encode()
	f.Add(raw)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0, 0})
	f.Add(raw[:len(raw)/2])
	f.Add(append(append([]byte(nil), raw...), 0))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Decode(in, 1<<20)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Codespace != "tx" {
				t.Fatalf("decode error is not a coded tx error: %v", err)
			}
			return
		}
		if !bytes.Equal(got.Encode(), in) {
			t.Fatalf("accepted a non-canonical encoding:\n in  %x\n out %x", in, got.Encode())
		}
	})
}
