package catalogtypes_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/proof/prooftest"
)

// fixture is a state with a resource, a duty and a table of one
// department, and the honest answer (two pages) of its resource view.
type fixture struct {
	tree    *prooftest.Tree
	version int64
	root    []byte
}

const (
	resKey   = "catalog/resource/110108-SCJG-0001"
	dutyKey  = "catalog/duty/SCJG:SCJG-ZZ-01"
	tableKey = "catalog/table/SCJG:qydj.djdb.t_qy_jbxx"
	noKey    = "catalog/table/SCJG:qydj.djdb.t_none"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{tree: prooftest.NewTree()}
	for k, v := range map[string]string{
		resKey:   `{"code":"110108-SCJG-0001","provider":"SCJG","version":1}`,
		dutyKey:  `{"code":"SCJG-ZZ-01","dept":"SCJG","version":1}`,
		tableKey: `{"id":"SCJG:qydj.djdb.t_qy_jbxx","version":1}`,
	} {
		if err := f.tree.Set([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.root, f.version, err = f.tree.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

// entry is what an honest node answers for key, with its proof.
func (f *fixture) entry(t *testing.T, key string) catalogtypes.Entry {
	t.Helper()
	p, err := f.tree.Prove(f.version, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	e := catalogtypes.Entry{Key: key, Found: p.Value != nil, Proof: &p}
	if e.Found {
		// the node shows the record indented; the proof holds it compact
		var v any
		_ = json.Unmarshal(p.Value, &v)
		e.Record, _ = json.MarshalIndent(v, "", "  ")
	}
	return e
}

// pages are the two pages of the resource view: the resource and its duty
// first, then a later page with the fixed part empty and the tables (one
// found, one proven absent).
func (f *fixture) pages(t *testing.T) (first, later *catalogtypes.Answer[catalogtypes.ResourceView]) {
	first = &catalogtypes.Answer[catalogtypes.ResourceView]{Height: f.version, AppHash: f.root, NextCursor: "c1",
		Data: catalogtypes.ResourceView{Resource: f.entry(t, resKey), Duties: []catalogtypes.Entry{f.entry(t, dutyKey)}}}
	later = &catalogtypes.Answer[catalogtypes.ResourceView]{Height: f.version, AppHash: f.root,
		Data: catalogtypes.ResourceView{Tables: []catalogtypes.Entry{f.entry(t, tableKey), f.entry(t, noKey)}}}
	return first, later
}

func entries(v *catalogtypes.ResourceView) []*catalogtypes.Entry {
	es := []*catalogtypes.Entry{&v.Resource}
	for i := range v.Duties {
		es = append(es, &v.Duties[i])
	}
	for i := range v.Tables {
		es = append(es, &v.Tables[i])
	}
	return es
}

func TestAnswerVerify(t *testing.T) {
	f := newFixture(t)
	first, later := f.pages(t)
	if n, err := first.Verify(entries(&first.Data), nil); err != nil || n != 2 {
		t.Fatalf("honest first page: %d checked, %v", n, err)
	}
	if n, err := later.Verify(entries(&later.Data), first); err != nil || n != 2 {
		t.Fatalf("honest later page: %d checked, %v", n, err)
	}

	for _, tc := range []struct {
		name   string
		later  bool // tamper the later page (else the first)
		tamper func(a *catalogtypes.Answer[catalogtypes.ResourceView])
		want   string
	}{
		{"record edited", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Resource.Record = json.RawMessage(strings.Replace(string(a.Data.Resource.Record), `"SCJG"`, `"RSJ"`, 1))
		}, "record differs from the proven value"},
		{"record of another key", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Duties[0].Record = a.Data.Resource.Record
		}, "record differs from the proven value"},
		{"proof of another key", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Duties[0].Proof = a.Data.Resource.Proof
		}, "proof is for key"},
		{"proof left out", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Duties[0].Proof = nil
		}, "no proof"},
		{"absent shown as found", true, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Tables[1].Found = true
		}, "found=true but the proof says otherwise"},
		{"found shown as absent", true, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.Data.Tables[0].Found, a.Data.Tables[0].Record = false, nil
		}, "found=false but the proof says otherwise"},
		{"proven value edited", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			p := *a.Data.Resource.Proof
			p.Value = []byte(`{"code":"110108-SCJG-0001","provider":"RSJ","version":1}`)
			a.Data.Resource.Proof = &p
			a.Data.Resource.Record = p.Value
		}, resKey},
		{"app hash edited", false, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.AppHash = append([]byte{}, a.AppHash...)
			a.AppHash[0] ^= 1
		}, resKey},
		{"later page of another state", true, func(a *catalogtypes.Answer[catalogtypes.ResourceView]) {
			a.AppHash = append([]byte{}, a.AppHash...)
			a.AppHash[5] ^= 1
		}, "the first page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, later := f.pages(t)
			var err error
			if tc.later {
				tc.tamper(later)
				_, err = later.Verify(entries(&later.Data), first)
			} else {
				tc.tamper(first)
				_, err = first.Verify(entries(&first.Data), nil)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
