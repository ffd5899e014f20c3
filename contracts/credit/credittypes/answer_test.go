package credittypes_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
	"github.com/govchain/govchain/contracts/credit/credittypes"
)

const (
	blockTime = "2026-06-01T00:00:00Z"
	subject   = "91350100MA0000001A" // the Verify checks do not validate codes
	stale     = "91350100MA0000002B"
	nobody    = "91350100MA0000003C"
)

// fixture is a state at one version: a block time; subject with a
// published blacklist event, a penalty repaired by a repair event, and its
// blacklist index key; stale with an index key whose publication has ended
// (a node that lists it lies about the active list).
type fixture struct {
	tree    *prooftest.Tree
	version int64
	root    []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{tree: prooftest.NewTree()}
	put := func(key []byte, v any) {
		b, ok := v.([]byte)
		if !ok {
			b, _ = json.Marshal(v)
		}
		if err := f.tree.Set(key, b); err != nil {
			t.Fatal(err)
		}
	}
	rec := func(id, kind, end string) credittypes.Record {
		return credittypes.Record{ID: id, Kind: kind, SubjectKind: credittypes.SubjectOrg, SubjectRef: subject, Dept: "SCJG", Signer: "k1",
			DecisionNo: "榕市监〔2026〕" + id + "号", EffectiveDate: "2026-01-01", PublishEnd: end, Severity: 3, Height: 2, Time: "2026-01-02T00:00:00Z"}
	}
	put(credittypes.BlockTimeKey, []byte(blockTime))
	bl := rec("000000000001", credittypes.KindBlacklist, "2029-01-01T00:00:00Z")
	pen := rec("000000000002", credittypes.KindPenalty, "2029-01-01T00:00:00Z")
	pen.RepairedBy, pen.RepairedHeight, pen.RepairedTime = "000000000003", 3, "2026-02-01T00:00:00Z"
	rep := rec("000000000003", credittypes.KindRepair, "2029-01-01T00:00:00Z")
	rep.Repairs = pen.ID
	for _, r := range []credittypes.Record{bl, pen, rep} {
		put(credittypes.EventKey(r.ID), r)
	}
	s := credittypes.Subject{Kind: credittypes.SubjectOrg, Ref: subject, Events: []string{bl.ID, pen.ID, rep.ID}, FirstHeight: 2, LastHeight: 3,
		Open: []credittypes.Open{{ID: bl.ID, Kind: bl.Kind, Dept: "SCJG", PublishEnd: bl.PublishEnd, Severity: 3}}}
	for _, id := range s.Events {
		s.Counts.Add(map[string]string{bl.ID: bl.Kind, pen.ID: pen.Kind, rep.ID: rep.Kind}[id])
	}
	put(credittypes.SubjectKey(subject), s)
	put(credittypes.ListKey("blacklist", subject, bl.ID), credittypes.ListEntry{Dept: "SCJG", PublishEnd: bl.PublishEnd, Severity: 3})
	put(credittypes.ListKey("blacklist", stale, "000000000009"), credittypes.ListEntry{Dept: "SCJG", PublishEnd: "2026-05-01T00:00:00Z", Severity: 2})
	var err error
	if f.root, f.version, err = f.tree.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) prove(t *testing.T, key []byte) *proof.Proof {
	t.Helper()
	p, err := f.tree.Prove(f.version, key)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

// profile is what an honest node answers for GET /v1/credit/subjects/{ref}?prove=true.
func (f *fixture) profile(t *testing.T, ref string) *credittypes.CreditProfileResult {
	t.Helper()
	r := &credittypes.CreditProfileResult{Ref: ref, Height: f.version, AppHash: f.root, BlockTime: blockTime, SubjectKey: string(credittypes.SubjectKey(ref)),
		SubjectProof: f.prove(t, credittypes.SubjectKey(ref)), BlockTimeProof: f.prove(t, credittypes.BlockTimeKey)}
	if r.SubjectProof.Value != nil {
		var s credittypes.Subject
		if err := json.Unmarshal(r.SubjectProof.Value, &s); err != nil {
			t.Fatal(err)
		}
		for _, id := range s.Events {
			r.EventProofs = append(r.EventProofs, f.prove(t, credittypes.EventKey(id)))
		}
	}
	return r
}

func (f *fixture) event(t *testing.T, id string) *credittypes.CreditEventResult {
	t.Helper()
	return &credittypes.CreditEventResult{ID: id, Height: f.version, AppHash: f.root, BlockTime: blockTime, Key: string(credittypes.EventKey(id)),
		Proof: f.prove(t, credittypes.EventKey(id)), BlockTimeProof: f.prove(t, credittypes.BlockTimeKey)}
}

func (f *fixture) list(t *testing.T, items ...[2]string) *credittypes.CreditListResult {
	t.Helper()
	r := &credittypes.CreditListResult{List: "blacklist", Height: f.version, AppHash: f.root, BlockTime: blockTime, BlockTimeProof: f.prove(t, credittypes.BlockTimeKey)}
	for _, it := range items {
		k := credittypes.ListKey("blacklist", it[0], it[1])
		r.Items = append(r.Items, credittypes.CreditListItem{ListItem: credittypes.ListItem{Key: string(k), SubjectRef: it[0], ID: it[1]}, Proof: f.prove(t, k)})
	}
	return r
}

func flip(b []byte) []byte {
	b = append([]byte(nil), b...)
	b[0] ^= 1
	return b
}

func TestCreditVerify(t *testing.T) {
	f := newFixture(t)
	p, c, err := f.profile(t, subject).Verify()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Blacklisted || p.Redlisted || len(p.History) != 3 || p.Counts.Total() != 3 || p.Published.Blacklist != 1 ||
		p.History[1].Status != credittypes.StatusRepaired || len(p.Active.Penalties) != 0 || len(c.Verified) != 3 {
		t.Errorf("profile %+v, checks %v", p, c.Verified)
	}
	if p, c, err := f.profile(t, nobody).Verify(); err != nil || p != nil || !strings.Contains(c.Verified[1], "no credit events for "+nobody) {
		t.Errorf("absent subject: %+v %v %v", p, c, err)
	}
	for id, want := range map[string]string{"000000000001": credittypes.StatusPublished, "000000000002": credittypes.StatusRepaired, "000000000042": "not_found"} {
		rec, st, _, err := f.event(t, id).Verify()
		if err != nil || st != want || (rec == nil) != (want == "not_found") {
			t.Errorf("event %s: %+v %s %v, want %s", id, rec, st, err, want)
		}
	}
	if _, err := f.list(t, [2]string{subject, "000000000001"}).Verify(); err != nil {
		t.Errorf("list: %v", err)
	}
}

// TestCreditVerifyTampered: every edit of an answer is caught, and the
// error names the step that failed.
func TestCreditVerifyTampered(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		edit func(r *credittypes.CreditProfileResult)
		want string
	}{
		{"no block time proof", func(r *credittypes.CreditProfileResult) { r.BlockTimeProof = nil }, "no proof for block_time"},
		{"block time edited", func(r *credittypes.CreditProfileResult) { r.BlockTimeProof.Value = []byte("2030-01-01T00:00:00Z") }, "PROOF INVALID for block_time"},
		{"summary edited", func(r *credittypes.CreditProfileResult) {
			r.SubjectProof.Value = []byte(strings.Replace(string(r.SubjectProof.Value), `"000000000001",`, ``, 1))
		}, "PROOF INVALID for credit/subject/"},
		{"summary claimed absent", func(r *credittypes.CreditProfileResult) { r.SubjectProof.Value = nil }, "PROOF INVALID for credit/subject/"},
		{"record edited", func(r *credittypes.CreditProfileResult) {
			r.EventProofs[1].Value = []byte(strings.Replace(string(r.EventProofs[1].Value), `"repaired_by":"000000000003"`, `"repaired_by":""`, 1))
		}, "PROOF INVALID for credit/ev/000000000002"},
		{"an event left out", func(r *credittypes.CreditProfileResult) { r.EventProofs = r.EventProofs[:2] }, "the summary lists 3 events, the answer proves 2"},
		{"events reordered", func(r *credittypes.CreditProfileResult) {
			r.EventProofs[0], r.EventProofs[1] = r.EventProofs[1], r.EventProofs[0]
		}, "proof is for key"},
		{"another subject's answer", func(r *credittypes.CreditProfileResult) { r.Ref = nobody }, "proof is for key"},
		{"one page only", func(r *credittypes.CreditProfileResult) { r.NextCursor = "000000000002" }, "join every page"},
		{"another app hash", func(r *credittypes.CreditProfileResult) { r.AppHash = flip(r.AppHash) }, "PROOF INVALID"},
	} {
		r := f.profile(t, subject)
		tc.edit(r)
		if _, _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("profile, %s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		edit func(r *credittypes.CreditEventResult)
		want string
	}{
		{"no proof", func(r *credittypes.CreditEventResult) { r.Proof = nil }, "no proof for credit/ev/000000000001"},
		{"record edited", func(r *credittypes.CreditEventResult) {
			r.Proof.Value = []byte(strings.Replace(string(r.Proof.Value), `"kind":"blacklist"`, `"kind":"redlist"`, 1))
		}, "PROOF INVALID for credit/ev/000000000001"},
		{"absence claimed", func(r *credittypes.CreditEventResult) { r.Proof.Value = nil }, "PROOF INVALID"},
		{"another event's answer", func(r *credittypes.CreditEventResult) { r.ID = "000000000002" }, "proof is for key"},
		{"another app hash", func(r *credittypes.CreditEventResult) { r.AppHash = flip(r.AppHash) }, "PROOF INVALID"},
	} {
		r := f.event(t, "000000000001")
		tc.edit(r)
		if _, _, _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("event, %s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		items [][2]string
		edit  func(r *credittypes.CreditListResult)
		want  string
	}{
		{"entry edited", [][2]string{{subject, "000000000001"}}, func(r *credittypes.CreditListResult) {
			r.Items[0].Proof.Value = []byte(strings.Replace(string(r.Items[0].Proof.Value), `"2029-`, `"2030-`, 1))
		}, "PROOF INVALID for credit/list/blacklist/"},
		{"entry named for another subject", [][2]string{{subject, "000000000001"}}, func(r *credittypes.CreditListResult) { r.Items[0].SubjectRef = nobody }, "does not name subject " + nobody},
		{"an ended entry listed as active", [][2]string{{subject, "000000000001"}, {stale, "000000000009"}}, func(*credittypes.CreditListResult) {}, "is not published at 2026-06-01T00:00:00Z"},
		{"a repaired (deleted) entry listed", [][2]string{{subject, "000000000002"}}, func(*credittypes.CreditListResult) {}, "proven absent"},
		{"another app hash", [][2]string{{subject, "000000000001"}}, func(r *credittypes.CreditListResult) { r.AppHash = flip(r.AppHash) }, "PROOF INVALID"},
	} {
		r := f.list(t, tc.items...)
		tc.edit(r)
		if _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("list, %s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
