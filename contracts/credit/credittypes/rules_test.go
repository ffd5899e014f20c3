package credittypes

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/contracts/identifier"
)

// TestErrorCodes pins the credit codespace: clients switch on these codes,
// so moving or renaming an error must not change its codespace, code or
// message.
func TestErrorCodes(t *testing.T) {
	want := []struct {
		err  *errs.Error
		code uint32
		name string
	}{
		{ErrBadInput, 501, "invalid input"},
		{ErrBadSubject, 502, "invalid subject"},
		{ErrPersonalData, 503, "personal data in clear"},
		{ErrBadDates, 504, "invalid dates"},
		{ErrBadEnvelope, 505, "invalid details envelope"},
		{ErrNotFound, 506, "unknown credit event"},
		{ErrNotRepairable, 507, "event cannot be repaired"},
		{ErrNotRecorder, 508, "not the recording department"},
		{ErrAlreadyRepair, 509, "event already repaired"},
		{ErrDuplicate, 510, "event already recorded"},
		{ErrBatchTooLarge, 511, "batch too large"},
		{ErrBadSeverity, 512, "invalid severity"},
		{ErrUnknownKind, 513, "unknown event kind"},
		{ErrSubjectUnknown, 514, "no credit events for subject"},
		{ErrUnreadable, 530, "text not plainly readable"},
		{ErrSealedElsewhere, 531, "details sealed for another event"},
	}
	for _, w := range want {
		if w.err.Codespace != "credit" || w.err.Code != w.code || w.err.Name != w.name {
			t.Errorf("error %s/%d %q, want credit/%d %q", w.err.Codespace, w.err.Code, w.err.Name, w.code, w.name)
		}
	}
}

func testUSCC(t *testing.T, n int) string {
	body := fmt.Sprintf("91350100MA%07d", n)
	c, err := identifier.USCCCheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

// TestRulesReturnCodes: the client-side rules fail with the coded errors
// the chain returns for the same input.
func TestRulesReturnCodes(t *testing.T) {
	org := testUSCC(t, 7)
	good := Event{Kind: KindPenalty, SubjectKind: SubjectOrg, SubjectRef: org, LegalBasis: "《食品安全法》第一百二十四条",
		DecisionNo: "榕市监罚〔2026〕12号", EffectiveDate: "2026-03-01", PublishEnd: "2029-02-28T16:00:00Z", Severity: 3}
	if err := ValidateFields(&good); err != nil {
		t.Fatalf("valid event refused: %v", err)
	}
	idBody := "35010219900101123"
	cc, err := identifier.CitizenIDCheckChar(idBody)
	if err != nil {
		t.Fatal(err)
	}
	citizen := idBody + string(cc)
	bad := func(f func(*Event)) *Event { e := good; f(&e); return &e }
	for _, c := range []struct {
		name string
		err  error
		want *errs.Error
	}{
		{"unknown kind", ValidateFields(bad(func(e *Event) { e.Kind = "praise" })), ErrUnknownKind},
		{"lower-case USCC", ValidateSubject(SubjectOrg, "9135"+"0100ma0000007x"), ErrBadSubject},
		{"citizen ID as person ref", ValidateSubject(SubjectPerson, citizen), ErrPersonalData},
		{"citizen ID in legal basis", ValidateFields(bad(func(e *Event) { e.LegalBasis = "当事人 " + citizen })), ErrPersonalData},
		{"control character", ValidateFields(bad(func(e *Event) { e.LegalBasis = "a\tb" })), ErrBadInput},
		{"bidi override", ValidateFields(bad(func(e *Event) { e.DecisionNo = "罚\u202e12号" })), ErrUnreadable},
		{"no such date", ValidateFields(bad(func(e *Event) { e.EffectiveDate = "2026-02-30" })), ErrBadDates},
		{"publish end not UTC", ValidateFields(bad(func(e *Event) { e.PublishEnd = "2029-03-01T00:00:00+08:00" })), ErrBadDates},
		{"severity 6", ValidateFields(bad(func(e *Event) { e.Severity = 6 })), ErrBadSeverity},
		{"repairs on a penalty", ValidateFields(bad(func(e *Event) { e.Repairs = "000000000001" })), ErrBadInput},
		{"bad day", func() error { _, err := PublishEndOfDay("2026-13-01"); return err }(), ErrBadDates},
	} {
		got := errs.From(c.err)
		if c.err == nil || got.Codespace != c.want.Codespace || got.Code != c.want.Code {
			t.Errorf("%s: got %v, want code %s/%d", c.name, c.err, c.want.Codespace, c.want.Code)
		}
	}
	if pe, err := PublishEndOfDay("2026-12-31"); err != nil || pe != "2026-12-31T16:00:00Z" {
		t.Errorf("PublishEndOfDay(2026-12-31) = %q, %v; want 2026-12-31T16:00:00Z (next midnight CST)", pe, err)
	}
}
