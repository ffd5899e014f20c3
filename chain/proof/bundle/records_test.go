package bundle

import (
	"encoding/json"
	"testing"

	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// TestKeyPrefixes: the prefixes derived from the modules' key functions
// are the keys' fixed parts.
func TestKeyPrefixes(t *testing.T) {
	for got, want := range map[*string]string{&recordPrefix: "cert/rec/", &batchPrefix: "cert/batch/", &deptPrefix: "id/dept/", &acctPrefix: "id/acct/"} {
		if *got != want {
			t.Errorf("prefix %q, want %q", *got, want)
		}
	}
}

// TestRecordsReadFieldsAddedLater: a record written by a newer chain (with
// fields this verifier does not know) still decodes; the proof covers its
// exact bytes either way.
func TestRecordsReadFieldsAddedLater(t *testing.T) {
	h := "ab"
	r, err := decodeRecord([]byte(`{"hash":"`+h+`","type":"BL","issuer":"SCJG","status":"valid","history":[],"later":{"x":[1,2]}}`), h)
	if err != nil || r.Issuer != "SCJG" || r.Status != certtypes.StatusValid {
		t.Fatalf("record with an unknown field: %+v, %v", r, err)
	}
	if _, err := decodeRecord([]byte(`{"hash":"cd"}`), h); StepOf(err) != StepRecord {
		t.Fatalf("record of another hash: %v", err)
	}
	var a idtypes.Account
	if err := json.Unmarshal([]byte(`{"key_id":"00112233445566778899aabbccddeeff00112233","dept":"SCJG","roles":["admin"],"status":"active","later":true}`), &a); err != nil || a.Dept != "SCJG" {
		t.Fatalf("account with an unknown field: %+v, %v", a, err)
	}
	var d idtypes.Department
	if err := json.Unmarshal([]byte(`{"code":"SCJG","name":"n","status":"active","validator":{"type":"ed25519","pub_key":"AAEC","power":10,"later":1},"later":"x"}`), &d); err != nil || d.Validator == nil || d.Validator.Power != 10 {
		t.Fatalf("department with unknown fields: %+v, %v", d, err)
	}
}

// TestCertificateJSON holds the certificate part of a Result (what the
// browser page reads) to its wire form.
func TestCertificateJSON(t *testing.T) {
	r := &certtypes.Record{Hash: "ab", Type: "BL", Issuer: "SCJG", LicenceNo: "L1", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01",
		Status: certtypes.StatusRevoked, AnchoredHeight: 2, AnchoredTime: "t0", ReplacedBy: "cd",
		History: []certtypes.Change{{Height: 2, Time: "t0", Action: "anchor", Status: "valid", By: "k"}, {Height: 5, Time: "t1", Action: "revoke", Status: "revoked", Reason: "04", By: "k"}}}
	c := certificateOf(r, map[string]*idtypes.Department{"SCJG": {Code: "SCJG", Name: "市场监管局"}})
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"BL","issuer":"SCJG","issuer_name":"市场监管局","licence_no":"L1","issue_date":"2026-01-01","valid_from":"2026-01-01","valid_until":"2027-01-01",` +
		`"status":"revoked","changed_height":5,"changed_time":"t1","reason":"04","reason_name":"revoked by law","reason_zh":"依法撤销/吊销","replaced_by":"cd",` +
		`"anchored_height":2,"anchored_time":"t0","history":[{"height":2,"time":"t0","action":"anchor","status":"valid","by":"k"},` +
		`{"height":5,"time":"t1","action":"revoke","status":"revoked","reason":"04","by":"k"}]}`
	if string(got) != want {
		t.Fatalf("certificate JSON:\n got %s\nwant %s", got, want)
	}
}
