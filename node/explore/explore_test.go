package explore

import (
	"context"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
)

// TestLeafVersion: the version in a proof is the height that last wrote
// the key, at any later height, and the proof still verifies.
func TestLeafVersion(t *testing.T) {
	st, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	w := st.Working()
	set := func(k, v string) {
		if err := w.Set([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	commit := func() {
		if _, _, err := st.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	set("rec/a", "one") // v1
	set("rec/b", "x")
	commit()
	set("rec/b", "y") // v2, v3: other keys
	commit()
	set("rec/c", "z")
	commit()
	set("rec/a", "two") // v4
	commit()
	commit() // v5: nothing
	for _, c := range []struct {
		at, want int64
		val      string
	}{{5, 4, "two"}, {4, 4, "two"}, {3, 1, "one"}, {1, 1, "one"}} {
		v, err := st.At(c.at)
		if err != nil {
			t.Fatal(err)
		}
		val, ops, err := v.Prove([]byte("rec/a"))
		if err != nil {
			t.Fatal(err)
		}
		if string(val) != c.val {
			t.Fatalf("at %d: value %q", c.at, val)
		}
		if err := (proof.Proof{Key: []byte("rec/a"), Value: val, Ops: ops}).Verify(v.Hash()); err != nil {
			t.Fatal(err)
		}
		got, err := LeafVersion(ops)
		if err != nil || got != c.want {
			t.Fatalf("read at %d: leaf version %d (%v), want %d", c.at, got, err, c.want)
		}
	}
	v, _ := st.At(5)
	_, ops, err := v.Prove([]byte("rec/zz"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LeafVersion(ops); err == nil {
		t.Fatal("a non-membership proof has no leaf version")
	}
	if _, err := LeafVersion([]byte{1, 2, 3}); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestBuildQueries(t *testing.T) {
	e := &Explorer{}
	ctx := context.Background()
	qs, _, err := e.Build(ctx, &Query{Dept: "SCJG", Type: "certificate.anchor", From: 10, To: 20})
	if err != nil || len(qs) != 1 || qs[0] != "tx.dept='SCJG' AND tx.type='certificate.anchor' AND tx.height>=10 AND tx.height<=20" {
		t.Fatalf("%q %v", qs, err)
	}
	qs, _, err = e.Build(ctx, &Query{Dept: "ZWFW", Record: "2"})
	if err != nil || len(qs) != len(recordAttrs) {
		t.Fatalf("record: %d queries %v", len(qs), err)
	}
	for _, q := range qs {
		if !strings.HasPrefix(q, "tx.dept='ZWFW' AND ") || !strings.HasSuffix(q, "='2'") {
			t.Fatalf("record query %q", q)
		}
	}
	qs, _, err = e.Build(ctx, &Query{Cert: "AB" + strings.Repeat("0", 62)})
	if err != nil || len(qs) != len(certAttrs) || !strings.Contains(qs[0], "'ab000") {
		t.Fatalf("cert: %q %v", qs, err)
	}
	qs, _, err = e.Build(ctx, &Query{Resource: "110108-SCJG-0001"})
	if err != nil || len(qs) != 2 || qs[1] != "catalog.share.resource='110108-SCJG-0001'" {
		t.Fatalf("resource: %q %v", qs, err)
	}
	for name, q := range map[string]Query{
		"nothing":      {},
		"two ids":      {Record: "1", Cert: "x"},
		"quote":        {Dept: "A' OR tx.height>0 AND tx.dept='B"},
		"bad uscc":     {USCC: "91350100MA0000003Y"},
		"long value":   {Signer: strings.Repeat("a", 300)},
		"newline":      {Type: "a\nb"},
		"empty record": {Record: "'"},
	} {
		if _, _, err := e.Build(ctx, &q); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEventsName(t *testing.T) {
	evs := toABCI(map[string]string{"hash": "c95b72490bb5b58d642aa750ceab42510213c915c58417f04009e2092f185b84", "status": "revoked"})
	if !eventsName(evs, "cert/rec/c95b72490bb5b58d642aa750ceab42510213c915c58417f04009e2092f185b84") {
		t.Fatal("hash in key not recognised")
	}
	if eventsName(evs, "cert/rec/ffff") || eventsName(toABCI(map[string]string{"id": "2"}), "gov/prop/2") {
		t.Fatal("short or foreign values must not match")
	}
}

func toABCI(attrs map[string]string) []abci.Event {
	ev := abci.Event{Type: "certificate.status"}
	for k, v := range attrs {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: k, Value: v, Index: true})
	}
	return []abci.Event{{Type: "tx", Attributes: []abci.EventAttribute{{Key: "dept", Value: "cert/rec"}}}, ev}
}
