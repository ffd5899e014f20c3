package verify_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
)

// jsonFields lists the JSON field names of a struct type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Name
		if tag := f.Tag.Get("json"); tag != "" {
			if n := splitComma(tag); n != "" {
				name = n
			}
		}
		out[name] = f.Type
	}
	return out
}

func splitComma(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i]
		}
	}
	return s
}

// TestMirrorsMatch keeps chain/proof/bundle's copies of the certificate
// and identity records (it cannot import those packages) in step with the
// originals: same JSON names and kinds, the same reason table, the same
// expiry rule.
func TestMirrorsMatch(t *testing.T) {
	for _, tc := range []struct {
		mirror, orig any
		full         bool // the mirror has every field of the original
	}{
		{bundle.Record{}, certificate.Record{}, true},
		{bundle.Change{}, certificate.Change{}, true},
		{bundle.BatchRecord{}, certificate.Batch{}, true},
		{bundle.Account{}, identity.Account{}, false},
		{bundle.Department{}, identity.Department{}, false},
	} {
		m, o := jsonFields(reflect.TypeOf(tc.mirror)), jsonFields(reflect.TypeOf(tc.orig))
		for name, mt := range m {
			ot, ok := o[name]
			if !ok {
				t.Errorf("%T.%s: no such field in %T", tc.mirror, name, tc.orig)
				continue
			}
			if mt.Kind() != ot.Kind() && !(ot == reflect.TypeOf(smcrypto.KeyID{}) && mt.Kind() == reflect.String) {
				t.Errorf("%T.%s is %s, %T has %s", tc.mirror, name, mt, tc.orig, ot)
			}
		}
		if tc.full {
			for name := range o {
				if _, ok := m[name]; !ok {
					t.Errorf("%T lacks field %s of %T", tc.mirror, name, tc.orig)
				}
			}
		}
	}
	// a round trip of a full record keeps every value
	idx := uint64(7)
	r := certificate.Record{Hash: "ab", Type: "BL", Issuer: "SCJG", Signer: "k", LicenceNo: "L", HolderKind: "org", HolderRef: "R",
		IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2026-02-01", Status: "revoked",
		History:        []certificate.Change{{Height: 3, Time: "t", Action: "revoke", Status: "revoked", Reason: "04", By: "k"}},
		AnchoredHeight: 2, AnchoredTime: "t0", BatchRoot: "root", BatchIndex: &idx, ReplacedBy: "n", Replaces: "o"}
	a, _ := json.Marshal(r)
	var m bundle.Record
	json.Unmarshal(a, &m)
	b, _ := json.Marshal(m)
	if string(a) != string(b) {
		t.Fatalf("record round trip:\n%s\n%s", a, b)
	}
	if !reflect.DeepEqual(bundle.Reasons, certificate.Reasons) {
		t.Fatalf("reason tables differ:\n%v\n%v", bundle.Reasons, certificate.Reasons)
	}
	for _, until := range []string{"", "2026-01-31", "2026-02-01", "2026-02-02"} {
		for _, at := range []time.Time{time.Date(2026, 2, 1, 15, 59, 0, 0, time.UTC), time.Date(2026, 2, 1, 16, 0, 0, 0, time.UTC), {}} {
			for _, st := range []string{"valid", "suspended", "revoked"} {
				c := certificate.Record{Status: st, ValidUntil: until}
				mm := bundle.Record{Status: st, ValidUntil: until}
				if c.EffectiveStatus(at) != mm.EffectiveStatus(at) {
					t.Errorf("%s until %q at %s: chain says %s, verifier %s", st, until, at, c.EffectiveStatus(at), mm.EffectiveStatus(at))
				}
			}
		}
	}
}

// TestBlockTimeKey: bundle.BlockTimeKey is where the app keeps the time of
// the block that committed a version (the SM2 part proves it).
func TestBlockTimeKey(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	at := chaintest.Genesis0.Add(90 * time.Second)
	c.BlockAt(at)
	v, err := c.View().Get([]byte(bundle.BlockTimeKey))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := time.Parse(time.RFC3339Nano, string(v)); err != nil || !got.Equal(at) {
		t.Fatalf("%s = %q, want %s", bundle.BlockTimeKey, v, at)
	}
}
