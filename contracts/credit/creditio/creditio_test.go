package creditio_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/identifier"
)

const testSalt = "00112233445566778899aabbccddeeff0123456789abcdef"

func salt() []byte { b, _ := hex.DecodeString(testSalt); return b }

func uscc(n int) string {
	body := fmt.Sprintf("91350100MA%07d", n)
	c, _ := identifier.USCCCheckChar(body)
	return body + string(c)
}

func citizenID(area, birth string, seq int) string {
	body := fmt.Sprintf("%s%s%03d", area, birth, seq)
	c, _ := identifier.CitizenIDCheckChar(body)
	return body + string(c)
}

type person struct{ id, name string }

var persons = []person{
	{citizenID("350102", "19850312", 123), "林晓红"},
	{citizenID("350103", "19901107", 456), "陈志明"},
	{citizenID("350104", "19770101", 7), "黄秀英"},
	{citizenID("350111", "20000229", 88), "郑建国"},
}

// importCSV is an import file: organisations and persons, every kind but
// repair, and (when withBad) rows the dry run must report.
func importCSV(t *testing.T, withBad bool) []byte {
	t.Helper()
	var rows [][]string
	for i, p := range persons {
		id := p.id
		if i == 1 {
			id = strings.ToLower(id) // a lower-case x or letters are normalised
		}
		rows = append(rows, []string{"penalty", "person", id, p.name, "《中华人民共和国治安管理处罚法》第四十九条", fmt.Sprintf("榕公罚〔2026〕%d号", 10+i),
			"2026-01-01", "2027-12-31", "2", "对" + p.name + "处以罚款五百元", ""})
		rows = append(rows, []string{"blacklist", "", p.id, p.name, "《失信被执行人名单管理规定》", fmt.Sprintf("榕执惩〔2026〕%d号", 10+i),
			"2026-01-01", "2028-12-31T16:00:00Z", "4", "住址：福州市鼓楼区某某路" + fmt.Sprint(i) + "号", ""})
	}
	for i := 0; i < 30; i++ {
		kind := []string{"licence", "penalty", "blacklist", "commitment"}[i%4]
		rows = append(rows, []string{kind, "org", uscc(500 + i), fmt.Sprintf("福州第%d贸易有限公司", i), "《行政许可法》", fmt.Sprintf("榕市监〔2026〕%d号", 500+i),
			"2026-01-01", "2028-06-30", fmt.Sprint(1 + i%5), "", ""})
	}
	if withBad {
		rows = append(rows,
			[]string{"penalty", "org", "91350100M000100Y44", "坏公司", "法", "X1", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "person", "350102198503121230", "王五", "法", "X2", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "", "35010219850230123X", "赵六", "法", "X3", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"warning", "org", uscc(1), "", "法", "X4", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "org", uscc(1), "", "法", "X5", "2026-13-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "org", uscc(1), "", "法", "X6", "2026-01-01", "2027-01-01", "9", "", ""},
			[]string{"penalty", "org", uscc(1), "", "法 " + persons[0].id, "X7", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "org", uscc(500), "", "《行政许可法》", "榕市监〔2026〕501号", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "org", uscc(501), "", "《行政许可法》", "榕市监〔2026〕501号", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "person", persons[2].id, persons[2].name, "对" + persons[2].name + "的处罚", "X8", "2026-01-01", "2027-01-01", "1", "", ""},
			[]string{"penalty", "org", uscc(1), "", "法", "X9", "2026-01-01", "next year", "1", "", ""},
		)
	}
	var b bytes.Buffer
	if err := creditio.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDryRunReportsEveryBadRow: every bad row is reported with its line
// number and the reason; good rows pass.
func TestDryRunReportsEveryBadRow(t *testing.T) {
	rows, probs, err := creditio.ReadCSV(bytes.NewReader(importCSV(t, true)))
	if err != nil || len(probs) != 0 {
		t.Fatal(err, probs)
	}
	ins, probs := creditio.ParseRows(salt(), rows)
	if len(ins) != 39 { // 8 person rows, 30 organisation rows, line 47
		t.Errorf("%d good rows, want 39", len(ins))
	}
	want := []struct {
		line   int
		reason string
	}{
		{40, "unified social credit code: check character is 4, computed 3"},
		{41, "citizen identity number: check character is 0, computed X"},
		{42, "citizen identity number: birth date 19850230 is not a date"},
		{43, `kind "warning" is not one of`},
		{44, "effective_date 2026-13-01 is not a date"},
		{45, "severity 9 must be an integer 1..5"},
		{46, "legal_basis contains a citizen identity number"},
		{48, "same kind, subject and decision number as line 11"},
		{49, "person's name appears in legal_basis"},
		{50, `publish_until "next year" must be a date`},
	}
	if len(probs) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(probs), len(want), probs)
	}
	for i, w := range want {
		if i >= len(probs) {
			break
		}
		if probs[i].Line != w.line || !strings.Contains(probs[i].Reason, w.reason) {
			t.Errorf("problem %d: %s, want line %d: %s", i, probs[i], w.line, w.reason)
		}
	}
	// publish_until as a date: published through that day, China Standard Time
	if ins[0].Event.PublishEnd != "2027-12-31T16:00:00Z" || ins[1].Event.PublishEnd != "2028-12-31T16:00:00Z" {
		t.Errorf("publish ends %s %s", ins[0].Event.PublishEnd, ins[1].Event.PublishEnd)
	}
	if ins[1].Event.SubjectKind != credit.SubjectPerson || ins[2].Event.SubjectKind != credit.SubjectPerson {
		t.Error("subject kind not detected")
	}
	if ins[2].Event.SubjectRef != ins[3].Event.SubjectRef || ins[2].Details.SubjectID != persons[1].id {
		t.Error("lower-case ID number not normalised")
	}
	// header errors
	if _, _, err := creditio.ReadCSV(strings.NewReader("kind,subject\npenalty,x\n")); err == nil || !strings.Contains(err.Error(), "line 1: header must be kind,subject_kind") {
		t.Errorf("bad header: %v", err)
	}
	if _, probs, _ := creditio.ReadCSV(strings.NewReader(strings.Join(creditio.Header, ",") + "\na,b\n\n")); len(probs) != 0 {
		// short rows are padded (xlsx drops trailing cells) and fail in ParseRows
		t.Errorf("short row: %v", probs)
	}
	if _, probs, _ := creditio.ReadCSV(strings.NewReader(strings.Join(creditio.Header, ",") + "\n" + strings.Repeat("a,", 12) + "a\n")); len(probs) != 1 || probs[0].Line != 2 {
		t.Errorf("long row: %v", probs)
	}
}

// TestXLSXImport reads the same rows from an xlsx workbook.
func TestXLSXImport(t *testing.T) {
	rows, _, err := creditio.ReadCSV(bytes.NewReader(importCSV(t, false)))
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	_ = f.SetSheetRow(sheet, "A1", &creditio.Header)
	for i, r := range rows {
		cells := make([]any, len(r.Cells))
		for j, c := range r.Cells {
			cells[j] = c
		}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &cells); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "credit.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	xrows, probs, err := creditio.ReadFile(path)
	if err != nil || len(probs) != 0 || len(xrows) != len(rows) {
		t.Fatalf("%d rows, %v %v", len(xrows), probs, err)
	}
	for i := range rows {
		if xrows[i].Line != i+2 || strings.Join(xrows[i].Cells, "|") != strings.Join(rows[i].Cells, "|") {
			t.Fatalf("row %d: %+v vs %+v", i, xrows[i], rows[i])
		}
	}
}

// TestImportKeepsPersonalDataOffChain imports a batch with persons and
// organisations through the chain, then scans every key and value of the
// whole state: no citizen ID number (in any case, or its first 17 digits),
// no unsalted SM3 of one, and no person's name appears; an authorised
// department decrypts the details and finds them.
func TestImportKeepsPersonalDataOffChain(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{
		Modules: []module.Module{credit.Module{}},
		Grants:  map[string][]string{"SCJG": {"credit:penalty", "credit:blacklist", "credit:licence", "credit:commitment"}},
		Genesis: map[string]json.RawMessage{credit.Name: json.RawMessage(`{"subject_salt":"` + testSalt + `"}`)},
	})
	op := c.Officer(1)
	rows, _, err := creditio.ReadCSV(bytes.NewReader(importCSV(t, false)))
	if err != nil {
		t.Fatal(err)
	}
	ins, probs := creditio.ParseRows(salt(), rows)
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	// readers from the registry as the CLI picks them: admins of SCJG and
	// RSJ, plus the recording officer
	var depts []identity.Department
	var accts []identity.Account
	for k, v := range c.Dump() {
		switch {
		case strings.HasPrefix(k, "id/dept/"):
			var d identity.Department
			_ = json.Unmarshal([]byte(v), &d)
			depts = append(depts, d)
		case strings.HasPrefix(k, "id/acct/"):
			var a identity.Account
			_ = json.Unmarshal([]byte(v), &a)
			accts = append(accts, a)
		}
	}
	readers, err := creditio.SelectReaders(depts, accts, []string{"SCJG", "RSJ"}, creditio.WrapAdmin, op.PublicKey())
	if err != nil || len(readers) != 3 {
		t.Fatalf("readers %+v %v", readers, err)
	}
	if _, err := creditio.SelectReaders(depts, accts, []string{"XYZ"}, creditio.WrapAdmin, nil); err == nil || !strings.Contains(err.Error(), "XYZ is not on chain") {
		t.Fatalf("unknown dept: %v", err)
	}
	var evs []credit.Event
	for _, in := range ins {
		e, err := in.Seal(readers)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	batches := creditio.Batches(evs, 15, 1<<20)
	if len(batches) != 3 || len(batches[0]) != 15 || len(batches[2]) != 8 {
		t.Fatalf("batches of %d", len(batches))
	}
	if small := creditio.Batches(evs, 1000, 4000); len(small) < 10 {
		t.Fatalf("byte limit ignored: %d batches", len(small))
	}
	for _, b := range batches {
		c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: b}))
	}

	dump := c.Dump()
	if len(dump) < len(evs) {
		t.Fatalf("state has %d keys", len(dump))
	}
	var needles []string
	for _, p := range persons {
		needles = append(needles, p.id, strings.ToLower(p.id), p.id[:17], p.name, smcrypto.SM3Hex([]byte(p.id)),
			base64.StdEncoding.EncodeToString([]byte(p.id)), hex.EncodeToString([]byte(p.name)))
	}
	needles = append(needles, "福州市鼓楼区某某路", "处以罚款五百元")
	for k, v := range dump {
		for _, n := range needles {
			if strings.Contains(k, n) || strings.Contains(v, n) {
				t.Errorf("state key %q holds personal data %q", k, n)
			}
		}
	}
	// the persons are there, by reference, and the details decrypt
	ref := identifier.HolderRef(salt(), persons[0].id)
	p, err := credit.ProfileAt(c.View(), ref)
	if err != nil || p == nil || p.Counts.Penalty != 1 || p.Counts.Blacklist != 1 || !p.Blacklisted {
		t.Fatalf("profile of person 0: %+v %v", p, err)
	}
	pt, err := creditio.Open(p.History[0].Record, c.Depts[2].Admin) // RSJ admin
	if err != nil {
		t.Fatal(err)
	}
	var d creditio.Details
	if err := json.Unmarshal(pt, &d); err != nil || d.SubjectID != persons[0].id || d.SubjectName != persons[0].name {
		t.Fatalf("details %q", pt)
	}
	if _, err := creditio.Open(p.History[0].Record, c.Depts[3].Admin); err == nil { // WJW
		t.Fatal("WJW decrypted")
	}
}

// TestSelectReaders: admin mode wraps for admins, all mode for every active
// key; the recording key always; inactive keys and departments never.
func TestSelectReaders(t *testing.T) {
	key := func() *smcrypto.PrivateKey { k, _ := smcrypto.GenerateKey(); return k }
	acct := func(dept string, k *smcrypto.PrivateKey, status string, roles ...string) identity.Account {
		return identity.Account{KeyID: k.PublicKey().ID(), PublicKey: k.PublicKey().Bytes(), Dept: dept, Roles: roles, Status: status}
	}
	rsjAdmin, rsjOfficer, rsjGone, scjgAdmin, scjgOfficer, mzjAdmin := key(), key(), key(), key(), key(), key()
	depts := []identity.Department{{Code: "RSJ", Status: identity.StatusActive}, {Code: "SCJG", Status: identity.StatusActive}, {Code: "MZJ", Status: identity.StatusSuspended}}
	accts := []identity.Account{
		acct("RSJ", rsjAdmin, identity.StatusActive, identity.RoleAdmin, identity.RoleOperator),
		acct("RSJ", rsjOfficer, identity.StatusActive, identity.RoleOperator),
		acct("RSJ", rsjGone, identity.StatusRevoked, identity.RoleOperator),
		acct("SCJG", scjgAdmin, identity.StatusActive, identity.RoleAdmin, identity.RoleOperator),
		acct("SCJG", scjgOfficer, identity.StatusActive, identity.RoleOperator),
		acct("MZJ", mzjAdmin, identity.StatusActive, identity.RoleAdmin),
	}
	ids := func(rs []creditio.Reader) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.KeyID] = true
		}
		return m
	}
	id := func(k *smcrypto.PrivateKey) string { return k.PublicKey().ID().String() }
	rs, err := creditio.SelectReaders(depts, accts, []string{"RSJ", "SCJG"}, creditio.WrapAdmin, scjgOfficer.PublicKey())
	if m := ids(rs); err != nil || len(m) != 3 || !m[id(rsjAdmin)] || !m[id(scjgAdmin)] || !m[id(scjgOfficer)] {
		t.Fatalf("admin mode: %v %v", m, err)
	}
	rs, err = creditio.SelectReaders(depts, accts, []string{"RSJ", "SCJG"}, creditio.WrapAll, scjgOfficer.PublicKey())
	if m := ids(rs); err != nil || len(m) != 4 || !m[id(rsjOfficer)] || m[id(rsjGone)] {
		t.Fatalf("all mode: %v %v", m, err)
	}
	if _, err := creditio.SelectReaders(depts, accts, []string{"MZJ"}, creditio.WrapAll, nil); err == nil || !strings.Contains(err.Error(), "MZJ is not active") {
		t.Fatalf("suspended department: %v", err)
	}
	// an officer of an authorised department opens an all-mode envelope
	env, err := creditio.Seal(credit.KindPenalty, uscc(1), "罚1", []byte("secret"), rs)
	if err != nil {
		t.Fatal(err)
	}
	rec := &credit.Record{ID: "000000000001", Kind: credit.KindPenalty, SubjectRef: uscc(1), DecisionNo: "罚1", Details: env}
	if pt, err := creditio.Open(rec, rsjOfficer); err != nil || string(pt) != "secret" {
		t.Fatalf("RSJ officer: %q %v", pt, err)
	}
	if _, err := creditio.Open(rec, mzjAdmin); err == nil || !strings.Contains(err.Error(), "wrapped only for RSJ (keys ") {
		t.Fatalf("MZJ: %v", err)
	}
}
