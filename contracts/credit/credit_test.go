package credit_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/identifier"
)

// Departments of chaintest chains: 0 ZWFW, 1 SCJG, 2 RSJ, 3 WJW.
const (
	zwfw = 0
	scjg = 1
	rsj  = 2
	wjw  = 3
)

const testSalt = "00112233445566778899aabbccddeeff0123456789abcdef"

func salt() []byte { b, _ := hex.DecodeString(testSalt); return b }

func newChain(t testing.TB, grants map[string][]string) *chaintest.Chain {
	t.Helper()
	return chaintest.New(t, chaintest.Options{
		Modules: []module.Module{credit.Module{}, gov.Module{}},
		Grants:  grants,
		Genesis: map[string]json.RawMessage{credit.Name: json.RawMessage(`{"subject_salt":"` + testSalt + `"}`)},
	})
}

// defaultGrants: SCJG records licences, penalties, black list entries,
// commitments and repairs; RSJ the red list; WJW penalties and repairs.
func defaultGrants() map[string][]string {
	return map[string][]string{
		"SCJG": {"credit:licence", "credit:penalty", "credit:blacklist", "credit:commitment", "credit:repair"},
		"RSJ":  {"credit:redlist"},
		"WJW":  {"credit:penalty", "credit:repair"},
	}
}

// uscc makes a valid unified social credit code.
func uscc(n int) string {
	body := fmt.Sprintf("91350100MA%07d", n)
	c, err := identifier.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// citizenID makes a valid, fictional citizen ID number.
func citizenID(area, birth string, seq int) string {
	body := fmt.Sprintf("%s%s%03d", area, birth, seq)
	c, err := identifier.CitizenIDCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

func reader(dept string, k *smcrypto.PrivateKey) creditio.Reader {
	return creditio.Reader{Dept: dept, KeyID: k.PublicKey().ID().String(), Key: k.PublicKey()}
}

// admins are the reader keys of departments' admins.
func admins(c *chaintest.Chain, idx ...int) []creditio.Reader {
	var out []creditio.Reader
	for _, i := range idx {
		out = append(out, reader(c.Depts[i].Code, c.Depts[i].Admin))
	}
	return out
}

// event builds an event on subject (kind org) sealed for readers.
func event(t testing.TB, kind, subject, decision string, readers []creditio.Reader) credit.Event {
	t.Helper()
	e := credit.Event{Kind: kind, SubjectKind: credit.SubjectOrg, SubjectRef: subject, LegalBasis: "《中华人民共和国食品安全法》第一百二十四条",
		DecisionNo: decision, EffectiveDate: "2026-01-01", PublishEnd: "2029-01-01T00:00:00Z", Severity: 3}
	env, err := creditio.SealDetails(kind, subject, decision, creditio.Details{SubjectID: subject, SubjectName: "福州闽江贸易有限公司", Text: "details of " + decision}, readers)
	if err != nil {
		t.Fatal(err)
	}
	e.Details = env
	return e
}

func repairOf(t testing.TB, target, subject, decision string, readers []creditio.Reader) credit.Event {
	e := event(t, credit.KindRepair, subject, decision, readers)
	e.Repairs, e.Severity = target, 1
	return e
}

// expectCode delivers raw in a block, checks the exact code (also in
// CheckTx) and that nothing but the block time changed.
func expectCode(t *testing.T, c *chaintest.Chain, raw []byte, want *errs.Error, msgParts ...string) *abci.ExecTxResult {
	t.Helper()
	cr := c.Check(raw)
	if cr.Code != want.Code || cr.Codespace != want.Codespace {
		t.Fatalf("CheckTx: got %s/%d %q, want %s/%d", cr.Codespace, cr.Code, cr.Log, want.Codespace, want.Code)
	}
	before := c.Dump()
	r := c.Block(raw).TxResults[0]
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("FinalizeBlock: got %s/%d %q, want %s/%d", r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
	for _, p := range msgParts {
		if !strings.Contains(r.Log, p) {
			t.Errorf("log %q does not mention %q", r.Log, p)
		}
	}
	after := c.Dump()
	// only contract and identity state counts: the app keeps per-block
	// bookkeeping keys (block time, hashes) that change with every block
	for _, m := range []map[string]string{before, after} {
		for k := range m {
			if !strings.HasPrefix(k, "credit/") && !strings.HasPrefix(k, "id/") && !strings.HasPrefix(k, "gov/") {
				delete(m, k)
			}
		}
	}
	if len(before) != len(after) {
		t.Fatalf("rejected tx changed the number of keys: %d -> %d", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("rejected tx changed %s", k)
		}
	}
	return r
}

// provenJSON reads key at height with an ICS23 proof, verifies it against
// that version's root and decodes it (nil when proven absent).
func provenJSON[T any](t testing.TB, c *chaintest.Chain, height int64, key []byte) *T {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	val, ops, err := v.Prove(key)
	if err != nil {
		t.Fatal(err)
	}
	p := proof.Proof{Key: key, Value: val, Height: height, Ops: ops}
	if err := p.Verify(v.Hash()); err != nil {
		t.Fatalf("proof of %s at %d: %v", key, height, err)
	}
	if val == nil {
		return nil
	}
	var out T
	if err := json.Unmarshal(val, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func profileAt(t testing.TB, c *chaintest.Chain, height int64, ref string) *credit.Profile {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	p, err := credit.ProfileAt(v, ref)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func blacklistAt(t testing.TB, c *chaintest.Chain, height int64) []credit.ListItem {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	bt, err := credit.BlockTime(v)
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := credit.ActiveList(v, credit.KindBlacklist, bt, 1)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// usccBad is a table of invalid codes and the reason each must give.
var usccBad = []struct{ code, reason string }{
	{"91350100M000100Y44", "check character is 4, computed 3"},
	{"91350100M000100Y4", "must be 18 characters, got 17"},
	{"91350100M000100Y433", "must be 18 characters, got 19"},
	{"91350100I000100Y43", "character 'I' not allowed at position 9"},
	{"91350100O000100Y43", "character 'O' not allowed at position 9"},
	{"9135A100M000100Y43", "administrative division code (positions 3-8) must be digits"},
	{"91350100m000100y43", "not in normal form"},
	{"", "must be 18 characters, got 0"},
}

// TestSubjectValidation: every valid unified social credit code of a table
// is recorded; every invalid one is rejected on chain with the reason, and
// changes nothing; a citizen ID number in clear is refused as personal data.
func TestSubjectValidation(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	rd := append(admins(c, scjg), reader("SCJG", op))
	good := []string{"91350100M000100Y43", "91110000802100433B"}
	for i := 0; i < 20; i++ {
		good = append(good, uscc(i*7919+1))
	}
	// every registration-authority symbol in front
	for i, a := range "123456789ABCDEFGNY" {
		body := fmt.Sprintf("%c1350100MA%07d", a, 9000+i)
		ch, _ := identifier.USCCCheckChar(body)
		good = append(good, body+string(ch))
	}
	for i, code := range good {
		c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindLicence, code, fmt.Sprintf("榕市监许〔2026〕%d号", i), rd)))
	}
	for _, b := range usccBad {
		expectCode(t, c, c.Tx(op, credit.MsgRecord, event(t, credit.KindLicence, b.code, "榕市监许〔2026〕999号", rd)), credit.ErrBadSubject, b.reason)
	}
	// a person's citizen ID number as the reference is personal data
	id := citizenID("350102", "19850312", 123)
	e := event(t, credit.KindPenalty, uscc(1), "罚1", rd)
	e.SubjectKind, e.SubjectRef = credit.SubjectPerson, id
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrPersonalData, "citizen identity number in clear")
	e.SubjectRef = strings.ToUpper(identifier.HolderRef(salt(), id))
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrBadSubject, "lower-case hex")
	e.SubjectRef = identifier.HolderRef(salt(), id)
	e.Details, _ = creditio.SealDetails(e.Kind, e.SubjectRef, e.DecisionNo, creditio.Details{SubjectID: id}, rd)
	c.MustOK(c.Tx(op, credit.MsgRecord, e))
	// an ID number typed into a public field
	e = event(t, credit.KindPenalty, uscc(2), "罚2", rd)
	e.LegalBasis = "当事人 " + id + " 违反第十条"
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrPersonalData, "legal_basis contains a citizen identity number")
	e = event(t, credit.KindPenalty, uscc(2), id, rd)
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrPersonalData, "decision_no")

	p := provenJSON[credit.Subject](t, c, c.Height, credit.SubjectKey(good[0]))
	if p == nil || p.Counts.Licence != 1 || len(p.Events) != 1 {
		t.Fatalf("subject %s: %+v", good[0], p)
	}
}

// TestClientSubjectRef: the client turns identifiers into references and
// refuses bad ones with the reason (the same rules as contracts/identifier).
func TestClientSubjectRef(t *testing.T) {
	good := []struct{ id, kind string }{
		{"91350100M000100Y43", credit.SubjectOrg},
		{" 91350100m000100y43 ", credit.SubjectOrg},
		{citizenID("350102", "19850312", 123), credit.SubjectPerson},
		{citizenID("110105", "19491231", 2), credit.SubjectPerson},
		{"11010519491231002x", credit.SubjectPerson},
		{citizenID("350103", "20000229", 456), credit.SubjectPerson},
	}
	for _, g := range good {
		k, ref, err := credit.SubjectRef(salt(), "", g.id)
		if err != nil || k != g.kind {
			t.Errorf("%q: kind %q err %v", g.id, k, err)
			continue
		}
		if k == credit.SubjectPerson {
			want := identifier.HolderRef(salt(), identifier.Normalize(g.id))
			if ref != want || credit.ValidateSubject(k, ref) != nil {
				t.Errorf("%q: ref %s, want %s", g.id, ref, want)
			}
			if strings.Contains(ref, identifier.Normalize(g.id)) {
				t.Errorf("reference contains the ID")
			}
		} else if ref != identifier.Normalize(g.id) {
			t.Errorf("%q: ref %s", g.id, ref)
		}
	}
	bad := []struct{ kind, id, reason string }{
		{credit.SubjectPerson, "110105194912310021", "check character is 1, computed X"},
		{credit.SubjectPerson, "110105190002290020", "birth date 19000229 is not a date"},
		{credit.SubjectPerson, "01010519491231002X", "area code 010105"},
		{credit.SubjectPerson, "11010519491231002", "must be 18 characters, got 17"},
		{credit.SubjectPerson, "1101051949123100AX", "character 'A' not allowed at position 17"},
		{credit.SubjectOrg, "91350100M000100Y44", "check character is 4, computed 3"},
		{"", "110105194912310021", "citizen identity number: check character is 1, computed X"},
		{"", "91350100M000100Y44", "neither a valid citizen identity number nor a unified social credit code: check character is 4, computed 3"},
		{"company", "91350100M000100Y43", "neither org nor person"},
	}
	for _, b := range bad {
		_, _, err := credit.SubjectRef(salt(), b.kind, b.id)
		if err == nil || !strings.Contains(err.Error(), b.reason) {
			t.Errorf("%s %q: got %v, want %q", b.kind, b.id, err, b.reason)
		}
	}
	if _, _, err := credit.SubjectRef(nil, credit.SubjectPerson, good[2].id); err == nil {
		t.Error("no salt accepted")
	}
}

// TestOnlyGrantedDepartmentsRecord: each kind needs credit:<kind>.
func TestOnlyGrantedDepartmentsRecord(t *testing.T) {
	c := newChain(t, defaultGrants())
	rsjOp, scjgOp := c.Officer(rsj), c.Officer(scjg)
	s := uscc(10)
	expectCode(t, c, c.Tx(rsjOp, credit.MsgRecord, event(t, credit.KindPenalty, s, "人社罚1", admins(c, rsj))), identity.ErrNoGrant, `RSJ lacks the "credit:penalty" grant`)
	expectCode(t, c, c.Tx(scjgOp, credit.MsgRecord, event(t, credit.KindRedlist, s, "红1", admins(c, scjg))), identity.ErrNoGrant, `SCJG lacks the "credit:redlist" grant`)
	expectCode(t, c, c.Tx(c.Officer(zwfw), credit.MsgRecord, event(t, credit.KindLicence, s, "许1", admins(c, zwfw))), identity.ErrNoGrant, "ZWFW")
	c.MustOK(c.Tx(rsjOp, credit.MsgRecord, event(t, credit.KindRedlist, s, "红1", admins(c, rsj))))
	c.MustOK(c.Tx(scjgOp, credit.MsgRecord, event(t, credit.KindPenalty, s, "罚1", admins(c, scjg))))
	// unknown kind
	e := event(t, "warning", s, "x", admins(c, scjg))
	expectCode(t, c, c.Tx(scjgOp, credit.MsgRecord, e), credit.ErrUnknownKind, "licence, penalty, redlist, blacklist, commitment, repair")
	// an identity without the operator role: none exists but admins (who have it); a
	// suspended officer is refused by the chain before the handler
	c.MustOK(c.Tx(c.Depts[scjg].Admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: scjgOp.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "test"}))
	r := c.Block(c.Tx(scjgOp, credit.MsgRecord, event(t, credit.KindPenalty, s, "罚2", admins(c, scjg)))).TxResults[0]
	if r.Code != tx.ErrSignerInactive.Code || r.Codespace != tx.ErrSignerInactive.Codespace {
		t.Fatalf("suspended officer: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
}

// TestFieldRules: dates, severity, texts, repairs shape.
func TestFieldRules(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	rd := admins(c, scjg)
	s := uscc(20)
	cases := []struct {
		mod    func(e *credit.Event)
		want   *errs.Error
		reason string
	}{
		{func(e *credit.Event) { e.Severity = 0 }, credit.ErrBadSeverity, "severity 0 must be an integer 1..5"},
		{func(e *credit.Event) { e.Severity = 6 }, credit.ErrBadSeverity, "severity 6"},
		{func(e *credit.Event) { e.EffectiveDate = "2026-02-30" }, credit.ErrBadDates, "effective_date 2026-02-30 is not a date"},
		{func(e *credit.Event) { e.EffectiveDate = "2026/01/01" }, credit.ErrBadDates, "must be a date YYYY-MM-DD"},
		{func(e *credit.Event) { e.PublishEnd = "2029-01-01" }, credit.ErrBadDates, "RFC 3339 UTC instant"},
		{func(e *credit.Event) { e.PublishEnd = "2029-01-01T08:00:00+08:00" }, credit.ErrBadDates, "RFC 3339 UTC instant"},
		{func(e *credit.Event) { e.PublishEnd = "2025-12-31T16:00:00Z" }, credit.ErrBadDates, "is not after the start of effective_date 2026-01-01"},
		{func(e *credit.Event) { e.LegalBasis = "" }, credit.ErrBadInput, "legal_basis is required"},
		{func(e *credit.Event) { e.LegalBasis = "a\nb" }, credit.ErrBadInput, "control character"},
		{func(e *credit.Event) { e.DecisionNo = strings.Repeat("号", 50) }, credit.ErrBadInput, "decision_no must be valid UTF-8 of at most 128 bytes"},
		{func(e *credit.Event) { e.Repairs = "000000000001" }, credit.ErrBadInput, "repairs is only for kind repair"},
	}
	for i, tc := range cases {
		e := event(t, credit.KindPenalty, s, fmt.Sprintf("罚%d", i), rd)
		tc.mod(&e)
		expectCode(t, c, c.Tx(op, credit.MsgRecord, e), tc.want, tc.reason)
	}
	e := event(t, credit.KindRepair, s, "修1", rd)
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrBadInput, "a repair must name the repaired event")
	// one event per department, kind, subject and decision number
	e = event(t, credit.KindPenalty, s, "榕市监罚〔2026〕1号", rd)
	c.MustOK(c.Tx(op, credit.MsgRecord, e))
	e = event(t, credit.KindPenalty, s, "榕市监罚〔2026〕1号", rd)
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrDuplicate, "as event 000000000001")
	// the same decision for another subject is another event
	c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, uscc(21), "榕市监罚〔2026〕1号", rd)))
}

// TestEnvelope: the chain checks every wrap names an active key of its
// department and that the recorder can read; an authorised department's
// admin and the recording officer decrypt, another department cannot.
func TestEnvelope(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	wjwOp := c.Officer(wjw)
	s := uscc(30)
	readers := append(admins(c, scjg, rsj), reader("SCJG", op))
	details := creditio.Details{SubjectID: s, SubjectName: "福州榕城科技有限公司", Text: "罚款人民币五万元"}
	e := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕7号", readers)
	env, err := creditio.SealDetails(e.Kind, s, e.DecisionNo, details, readers)
	if err != nil {
		t.Fatal(err)
	}
	e.Details = env
	r := c.MustOK(c.Tx(op, credit.MsgRecord, e))
	id := string(r.Data)
	rec := provenJSON[credit.Record](t, c, c.Height, credit.EventKey(id))
	if rec == nil || len(rec.Details.Wraps) != 3 {
		t.Fatalf("record %s: %+v", id, rec)
	}
	if strings.Contains(string(module.MustJSON(rec)), "福州榕城") || strings.Contains(string(module.MustJSON(rec)), "五万元") {
		t.Fatal("details in clear on chain")
	}
	for _, k := range []*smcrypto.PrivateKey{c.Depts[scjg].Admin, op, c.Depts[rsj].Admin} {
		pt, err := creditio.Open(rec, k)
		if err != nil {
			t.Fatalf("key %s: %v", k.PublicKey().ID(), err)
		}
		var d creditio.Details
		if err := json.Unmarshal(pt, &d); err != nil || d != details {
			t.Fatalf("decrypted %q", pt)
		}
	}
	for _, k := range []*smcrypto.PrivateKey{c.Depts[wjw].Admin, wjwOp, c.Depts[zwfw].Admin} {
		_, err := creditio.Open(rec, k)
		if !errors.Is(err, creditio.ErrNoWrap) || !strings.Contains(err.Error(), "wrapped only for RSJ (keys") {
			t.Fatalf("key %s of another department: %v", k.PublicKey().ID(), err)
		}
	}
	// the details are bound to the event: moved to another decision, they do not open
	moved := *rec
	moved.DecisionNo = "榕市监罚〔2026〕8号"
	if _, err := creditio.Open(&moved, c.Depts[scjg].Admin); !errors.Is(err, creditio.ErrNotThisEvent) || !strings.Contains(err.Error(), "do not belong to it") {
		t.Fatalf("moved ciphertext: %v", err)
	}
	// a wrap forged with the right key id but another key does not unwrap
	forged := *rec
	forged.Details.Wraps = append([]credit.Wrap(nil), rec.Details.Wraps...)
	other, _ := smcrypto.GenerateKey()
	fake, _ := creditio.Seal(rec.Kind, s, rec.DecisionNo, []byte("x"), []creditio.Reader{{Dept: "SCJG", KeyID: "x", Key: other.PublicKey()}})
	for i := range forged.Details.Wraps {
		forged.Details.Wraps[i].WrappedKey = fake.Wraps[0].WrappedKey
	}
	if _, err := creditio.Open(&forged, c.Depts[scjg].Admin); err == nil || !strings.Contains(err.Error(), "unwrap the data key") {
		t.Fatalf("forged wrap: %v", err)
	}

	// what the chain refuses
	stranger, _ := smcrypto.GenerateKey()
	bad := []struct {
		name   string
		mod    func(e *credit.Envelope)
		reason string
	}{
		{"scheme", func(e *credit.Envelope) { e.Scheme = "sm4-cbc" }, `details scheme "sm4-cbc"`},
		{"short ciphertext", func(e *credit.Envelope) { e.Ciphertext = e.Ciphertext[:28] }, "details ciphertext is 28 bytes"},
		{"no wraps", func(e *credit.Envelope) { e.Wraps = nil }, "0 wrapped keys"},
		{"unknown key", func(e *credit.Envelope) { e.Wraps[0].KeyID = stranger.PublicKey().ID().String() }, "no identity with key id"},
		{"key of another dept", func(e *credit.Envelope) { e.Wraps[0].Dept = "ZWFW" }, "belongs to RSJ, not ZWFW"},
		{"unknown dept", func(e *credit.Envelope) { e.Wraps[0].Dept = "ABC" }, "department ABC is not on chain"},
		{"unsorted", func(e *credit.Envelope) { e.Wraps[0], e.Wraps[1] = e.Wraps[1], e.Wraps[0] }, "sorted by dept then key_id"},
		{"repeat", func(e *credit.Envelope) { e.Wraps[1] = e.Wraps[0] }, "without repeats"},
		{"not SM2", func(e *credit.Envelope) { e.Wraps[0].WrappedKey = make([]byte, 16) }, "wrapped_key is 16 bytes"},
		{"not for recorder", func(e *credit.Envelope) { e.Wraps = e.Wraps[:1] }, "no wrapped key for the recording department SCJG"},
	}
	for i, b := range bad {
		e := event(t, credit.KindPenalty, s, fmt.Sprintf("罚%d", i), append(admins(c, rsj, scjg), reader("SCJG", op)))
		if e.Details.Wraps[0].Dept != "RSJ" {
			t.Fatalf("wraps not sorted: %+v", e.Details.Wraps)
		}
		b.mod(&e.Details)
		t.Run(b.name, func(t *testing.T) {
			expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrBadEnvelope, b.reason)
		})
	}
	// a suspended key cannot be wrapped for
	c.MustOK(c.Tx(c.Depts[wjw].Admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: wjwOp.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "leave"}))
	e = event(t, credit.KindPenalty, s, "罚99", []creditio.Reader{reader("SCJG", op), reader("WJW", wjwOp)})
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrBadEnvelope, "of WJW is suspended")
}

// TestRepairAcrossHeights: a black list entry and a penalty are repaired;
// the profile at a height before the repair shows the subject black
// listed, after it not; the history keeps both events at every height, with
// proofs.
func TestRepairAcrossHeights(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	rd := admins(c, scjg)
	s := uscc(40)
	other := uscc(41)
	bl := string(c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindBlacklist, s, "榕信惩〔2026〕1号", rd))).Data)
	pen := string(c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, s, "榕市监罚〔2026〕3号", rd))).Data)
	c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindBlacklist, other, "榕信惩〔2026〕2号", rd)))
	hBefore := c.Height

	p := profileAt(t, c, hBefore, s)
	if !p.Blacklisted || len(p.Active.Blacklist) != 1 || p.Active.Blacklist[0] != bl || len(p.Active.Penalties) != 1 || p.Counts.Blacklist != 1 || p.Counts.Penalty != 1 {
		t.Fatalf("before repair: %+v", p)
	}
	if got := blacklistAt(t, c, hBefore); len(got) != 2 || got[0].SubjectRef != s || got[0].ID != bl {
		t.Fatalf("blacklist before: %+v", got)
	}

	// only the recorder (or governance) repairs; only penalties and black list entries
	wjwOp := c.Officer(wjw)
	expectCode(t, c, c.Tx(wjwOp, credit.MsgRecord, repairOf(t, bl, s, "卫修1", admins(c, wjw))), credit.ErrNotRecorder, "recorded by SCJG; only SCJG or a governance proposal can repair it, not WJW")
	expectCode(t, c, c.Tx(op, credit.MsgRecord, repairOf(t, "000000009999", s, "修0", rd)), credit.ErrNotFound, "000000009999")
	expectCode(t, c, c.Tx(op, credit.MsgRecord, repairOf(t, bl, other, "修0", rd)), credit.ErrBadSubject, "is about org "+s)
	lic := string(c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindLicence, s, "榕市监许〔2026〕1号", rd))).Data)
	expectCode(t, c, c.Tx(op, credit.MsgRecord, repairOf(t, lic, s, "修0", rd)), credit.ErrNotRepairable, "licence event")
	// a department without credit:repair cannot repair even its own
	rsjOp := c.Officer(rsj)
	red := string(c.MustOK(c.Tx(rsjOp, credit.MsgRecord, event(t, credit.KindRedlist, s, "红〔2026〕1号", admins(c, rsj)))).Data)
	expectCode(t, c, c.Tx(rsjOp, credit.MsgRecord, repairOf(t, red, s, "修0", admins(c, rsj))), identity.ErrNoGrant, "credit:repair")

	rep := string(c.MustOK(c.Tx(op, credit.MsgRecord, repairOf(t, bl, s, "榕信修〔2026〕1号", rd))).Data)
	hRepair := c.Height
	expectCode(t, c, c.Tx(op, credit.MsgRecord, repairOf(t, bl, s, "榕信修〔2026〕2号", rd)), credit.ErrAlreadyRepair, fmt.Sprintf("repaired by event %s at height %d", rep, hRepair))

	// before: black listed, at and after the repair: not
	if p := profileAt(t, c, hBefore, s); !p.Blacklisted {
		t.Fatal("profile at the earlier height lost the black listing")
	}
	p = profileAt(t, c, hRepair, s)
	if p.Blacklisted || len(p.Active.Blacklist) != 0 || !p.Redlisted || len(p.Active.Penalties) != 1 {
		t.Fatalf("after repair: %+v", p)
	}
	if len(p.History) != 5 || p.History[0].Record.ID != bl || p.History[0].Status != credit.StatusRepaired || p.History[0].Record.RepairedBy != rep ||
		p.History[4].Record.ID != rep || p.History[4].Record.Repairs != bl || p.Counts.Repair != 1 || p.Counts.Blacklist != 1 {
		t.Fatalf("history after repair: %+v", p.History)
	}
	if got := blacklistAt(t, c, hRepair); len(got) != 1 || got[0].SubjectRef != other {
		t.Fatalf("blacklist after repair: %+v", got)
	}
	if got := blacklistAt(t, c, hBefore); len(got) != 2 {
		t.Fatalf("blacklist as of the earlier height: %+v", got)
	}
	// proofs: at the earlier height the list key is present and the
	// record unrepaired; later the list key is proven absent and the record
	// names its repair
	lk := credit.ListKey(credit.KindBlacklist, s, bl)
	if provenJSON[credit.ListEntry](t, c, hBefore, lk) == nil || provenJSON[credit.ListEntry](t, c, hRepair, lk) != nil {
		t.Fatal("list key proofs")
	}
	if r := provenJSON[credit.Record](t, c, hBefore, credit.EventKey(bl)); r.RepairedBy != "" {
		t.Fatal("record at the earlier height is repaired")
	}
	if r := provenJSON[credit.Record](t, c, hRepair, credit.EventKey(bl)); r.RepairedBy != rep || r.RepairedHeight != hRepair {
		t.Fatalf("record after: %+v", r)
	}
	sub := provenJSON[credit.Subject](t, c, hRepair, credit.SubjectKey(s))
	if len(sub.Events) != 5 || len(sub.Open) != 2 {
		t.Fatalf("subject: %+v", sub)
	}

	// the penalty is repaired by governance on a proposal of WJW (not its recorder)
	act, _ := json.Marshal(repairOf(t, pen, s, "政府决定〔2026〕1号", admins(c, wjw)))
	body, _ := json.Marshal(gov.Execute{Type: credit.MsgRecord, Body: act})
	r := c.MustOK(c.Tx(c.Depts[wjw].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: body, Reason: "信用修复 by the district"}))
	pid, _ := strconv.ParseUint(string(r.Data), 10, 64)
	for _, i := range []int{zwfw, scjg} {
		c.MustOK(c.Tx(c.Depts[i].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove}))
	}
	p = profileAt(t, c, c.Height, s)
	if len(p.Active.Penalties) != 0 || p.Counts.Repair != 2 {
		t.Fatalf("after governance repair: %+v", p)
	}
	last := p.History[len(p.History)-1].Record
	if last.Kind != credit.KindRepair || last.Repairs != pen || last.Signer != "governance" || last.Dept != "WJW" {
		t.Fatalf("governance repair record: %+v", last)
	}
}

// TestPublicationEndsByBlockTime: an event is published while the block
// time is before its publish_end, and the black list follows.
func TestPublicationEndsByBlockTime(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	s := uscc(50)
	end := chaintest.Genesis0.Add(time.Hour)
	e := event(t, credit.KindBlacklist, s, "榕信惩〔2026〕9号", admins(c, scjg))
	e.PublishEnd = end.UTC().Format(time.RFC3339)
	id := string(c.MustOK(c.Tx(op, credit.MsgRecord, e)).Data)
	h1 := c.Height
	p := profileAt(t, c, h1, s)
	if !p.Blacklisted || p.History[0].Status != credit.StatusPublished || p.Published.Blacklist != 1 {
		t.Fatalf("at %d: %+v", h1, p)
	}
	// a block one second before the end: still published
	c.BlockAt(end.Add(-time.Second))
	h2 := c.Height
	if p := profileAt(t, c, h2, s); !p.Blacklisted {
		t.Fatalf("one second before the end: %+v", p)
	}
	// a block exactly at the end: publication over, off the active list
	c.BlockAt(end)
	h3 := c.Height
	p = profileAt(t, c, h3, s)
	if p.Blacklisted || p.History[0].Status != credit.StatusEnded || p.Published.Blacklist != 0 || p.Counts.Blacklist != 1 {
		t.Fatalf("at the end: %+v", p)
	}
	if got := blacklistAt(t, c, h3); len(got) != 0 {
		t.Fatalf("blacklist at the end: %+v", got)
	}
	if got := blacklistAt(t, c, h2); len(got) != 1 || got[0].ID != id {
		t.Fatalf("blacklist before the end: %+v", got)
	}
	// the record is unchanged: the end is a matter of time, not of a write
	if r := provenJSON[credit.Record](t, c, h3, credit.EventKey(id)); r.RepairedBy != "" || r.PublishEnd != e.PublishEnd {
		t.Fatalf("record: %+v", r)
	}
}

// TestBatchAllOrNothing: one bad event rejects the whole batch with its
// index; a good batch gets consecutive ids.
func TestBatchAllOrNothing(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	rd := admins(c, scjg)
	var evs []credit.Event
	for i := 0; i < 20; i++ {
		evs = append(evs, event(t, credit.KindPenalty, uscc(100+i), fmt.Sprintf("榕市监罚〔2026〕%d号", 100+i), rd))
	}
	bad := append([]credit.Event(nil), evs...)
	bad[13].SubjectRef = "91350100M000100Y44"
	expectCode(t, c, c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: bad}), credit.ErrBadSubject, "event 13 of 20", "check character is 4")
	dup := append(append([]credit.Event(nil), evs...), evs[2])
	expectCode(t, c, c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: dup}), credit.ErrDuplicate, "event 20 of 21")
	expectCode(t, c, c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{}), credit.ErrBadInput, "no events")
	r := c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs}))
	if string(r.Data) != "000000000001..000000000020" {
		t.Fatalf("data %q", r.Data)
	}
	v := c.View()
	items, more, err := credit.ListByDept(v, "SCJG", "", 1)
	if err != nil || more || len(items) != 20 || items[0].ID != "000000000020" || items[19].ID != "000000000001" {
		t.Fatalf("list: %d %v %v", len(items), more, err)
	}
	if items, _, _ := credit.ListByDept(v, "SCJG", credit.KindLicence, 1); len(items) != 0 {
		t.Fatalf("licences: %d", len(items))
	}
	if items, _, _ := credit.ListByDept(v, "RSJ", "", 1); len(items) != 0 {
		t.Fatalf("RSJ: %d", len(items))
	}
}

func TestBatchLimit(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}}, Grants: defaultGrants(),
		Genesis: map[string]json.RawMessage{credit.Name: json.RawMessage(`{"subject_salt":"` + testSalt + `","max_batch":3}`)}})
	op := c.Officer(scjg)
	var evs []credit.Event
	for i := 0; i < 4; i++ {
		evs = append(evs, event(t, credit.KindPenalty, uscc(200+i), fmt.Sprint("罚", i), admins(c, scjg)))
	}
	expectCode(t, c, c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs}), credit.ErrBatchTooLarge, "4 events; at most 3")
	c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs[:3]}))
}

func TestGenesis(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}}})
	p, err := credit.GetParams(c.View())
	if err != nil || p.SaltSource != "chain-id" || p.SubjectSalt != credit.ChainIDSalt(chaintest.ChainID) || p.MaxBatch != credit.DefaultMaxBatch {
		t.Fatalf("%+v %v", p, err)
	}
	if rr, err := credit.GetRules(c.View()); err != nil || rr.Version != 1 || rr.Rules.Base != 850 {
		t.Fatalf("default rules: %+v %v", rr, err)
	}
	for _, g := range []string{`{"subject_salt":"00ff"}`, `{"subject_salt":"00112233445566778899AABBCCDDEEFF"}`, `{"other":1}`,
		`{"rules":{"base":900,"min":0,"max":1000,"kinds":[],"decay":[{"until_days":365,"permille":1000}],"thresholds":{"a":850,"b":700,"c":-1}}}`} {
		func() {
			defer func() { _ = recover() }()
			ft := &fatalT{TB: t}
			chaintest.New(ft, chaintest.Options{Modules: []module.Module{credit.Module{}}, Genesis: map[string]json.RawMessage{credit.Name: json.RawMessage(g)}})
			if !ft.failed {
				t.Errorf("genesis %s accepted", g)
			}
		}()
	}
}

// fatalT records a Fatal instead of failing the test.
type fatalT struct {
	testing.TB
	failed bool
}

func (f *fatalT) Fatal(args ...any) { f.failed = true; panic("fatal") }
func (f *fatalT) Helper()           {}

// TestSealedDetailsBelongToOneEvent: details sealed for one event and
// copied onto a new one (by another department that can read them, or by
// the same one) are refused with credit/531 naming the event they belong
// to, also inside one batch; a reader of such a copy is told the details
// were sealed for the other event, not "decryption failed".
func TestSealedDetailsBelongToOneEvent(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, wjwOp := c.Officer(scjg), c.Officer(wjw)
	s := uscc(40)
	readers := append(admins(c, scjg, wjw), reader("SCJG", op), reader("WJW", wjwOp))
	orig := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕40号", readers)
	first := string(c.MustOK(c.Tx(op, credit.MsgRecord, orig)).Data)

	// WJW may read SCJG's details; it copies them onto its own penalty
	copied := event(t, credit.KindPenalty, s, "榕卫罚〔2026〕3号", readers)
	copied.Details = orig.Details
	expectCode(t, c, c.Tx(wjwOp, credit.MsgRecord, copied), credit.ErrSealedElsewhere,
		"are the details of event "+first+" (SCJG penalty decision \"榕市监罚〔2026〕40号\" of "+s+")")
	// the same department cannot reuse them either
	again := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕41号", readers)
	again.Details = orig.Details
	expectCode(t, c, c.Tx(op, credit.MsgRecord, again), credit.ErrSealedElsewhere, "event "+first)
	// nor can two events of one batch share sealed details
	a := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕42号", readers)
	b := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕43号", readers)
	b.Details = a.Details
	expectCode(t, c, c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: []credit.Event{a, b}}), credit.ErrSealedElsewhere,
		"event 1 of 2", "are the details of event 000000000002 (SCJG penalty decision")
	// freshly sealed details are fine
	c.MustOK(c.Tx(wjwOp, credit.MsgRecord, event(t, credit.KindPenalty, s, "榕卫罚〔2026〕3号", readers)))

	// A record holding copied details (as a chain without this rule could
	// have accepted): the reader learns whose details they are.
	rec := provenJSON[credit.Record](t, c, c.Height, credit.EventKey(first))
	dup := *rec
	dup.ID, dup.Dept, dup.DecisionNo = "000000000009", "WJW", "榕卫罚〔2026〕3号"
	_, err := creditio.Open(&dup, wjwOp)
	var nte *creditio.NotThisEventError
	if !errors.As(err, &nte) || !errors.Is(err, creditio.ErrNotThisEvent) || nte.SealedFor != nil ||
		!strings.Contains(err.Error(), "the details of event 000000000009 do not belong to it: they do not open under its binding (kind penalty, subject "+s+`, decision number "榕卫罚〔2026〕3号"), so they were sealed for another event (copied from it) or altered`) {
		t.Fatalf("copied details without candidates: %v", err)
	}
	_, err = creditio.Open(&dup, wjwOp, &dup, rec)
	if !errors.As(err, &nte) || nte.SealedFor == nil || nte.SealedFor.ID != first ||
		err.Error() != "details are sealed for event "+first+" (SCJG penalty decision \"榕市监罚〔2026〕40号\" of "+s+"), not this event 000000000009: they were copied from it" {
		t.Fatalf("copied details with candidates: %v", err)
	}
	// the original still opens
	if _, err := creditio.Open(rec, wjwOp, &dup); err != nil {
		t.Fatal(err)
	}
}

// TestDecisionNumbersPeopleRead: a decision number is what people and the
// duplicate guard know a decision by, so a look-alike (invisible or
// reordering characters, not NFC) is refused with credit/530; the legal
// basis follows the rule for text.
func TestDecisionNumbersPeopleRead(t *testing.T) {
	c := newChain(t, defaultGrants())
	op := c.Officer(scjg)
	rd := admins(c, scjg)
	s := uscc(41)
	c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, s, "榕市监罚〔2026〕1号", rd)))
	for _, tc := range []struct{ no, msg string }{
		{"榕市监罚〔2026〕1号\u200B", "decision_no contains U+200B ZERO WIDTH SPACE at byte 26 (format/bidi control characters are not allowed)"},
		{"榕市监罚〔2026〕\u202E号1", "decision_no contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 22"},
		{"榕市监罚〔2026〕1号 ", "decision_no ends with a space"},
		{"榕市监罚\u3000〔2026〕1号", "decision_no contains U+3000 IDEOGRAPHIC SPACE"},
		{"Cafe\u0301〔2026〕1号", "decision_no is not in Unicode normalization form NFC"},
	} {
		expectCode(t, c, c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, s, tc.no, rd)), credit.ErrUnreadable, tc.msg)
	}
	e := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕2号", rd)
	e.LegalBasis = "《食品安全法》\u2067第一百二十四条\u2069"
	expectCode(t, c, c.Tx(op, credit.MsgRecord, e), credit.ErrUnreadable, "legal_basis contains U+2067 RIGHT-TO-LEFT ISOLATE")
}
