package rectypes_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/proof/prooftest"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// TestRecognitionVerify: an honest answer (a record, an expired record, an
// absence) verifies with the status the record has at the block time; an
// answer without proof, with a proof of another key, an edited record, a
// record of another certificate or a wrong app hash is refused, naming
// what failed.
func TestRecognitionVerify(t *testing.T) {
	tree := prooftest.NewTree()
	rec, old, other, absent := smcrypto.SM3Hex([]byte("partner licence")), smcrypto.SM3Hex([]byte("old licence")),
		smcrypto.SM3Hex([]byte("other licence")), smcrypto.SM3Hex([]byte("never recognised"))
	put := func(key []byte, r rectypes.Record) {
		b, _ := json.Marshal(r)
		if err := tree.Set(key, b); err != nil {
			t.Fatal(err)
		}
	}
	put(rectypes.RecordKey(rec), rectypes.Record{Hash: rec, Partner: "TJ", Status: rectypes.StatusRecognised, ValidUntil: "2030-12-31"})
	put(rectypes.RecordKey(old), rectypes.Record{Hash: old, Partner: "TJ", Status: rectypes.StatusRecognised, ValidUntil: "2026-01-31"})
	// A record stored under other's key that names rec.
	put(rectypes.RecordKey(other), rectypes.Record{Hash: rec, Partner: "TJ", Status: rectypes.StatusRecognised})
	root, version, err := tree.Commit()
	if err != nil {
		t.Fatal(err)
	}
	answer := func(hash string, edit func(*rectypes.RecognitionResult)) *rectypes.RecognitionResult {
		p, err := tree.Prove(version, rectypes.RecordKey(hash))
		if err != nil {
			t.Fatal(err)
		}
		r := &rectypes.RecognitionResult{Hash: hash, Height: version, AppHash: root, BlockTime: "2026-06-01T00:00:00Z", Proof: &p}
		if edit != nil {
			edit(r)
		}
		return r
	}
	for _, tc := range []struct {
		name       string
		r          *rectypes.RecognitionResult
		wantStatus string
		wantErr    string
	}{
		{"recognised", answer(rec, nil), rectypes.StatusRecognised, ""},
		{"expired at block time", answer(old, nil), rectypes.StatusExpired, ""},
		{"absent", answer(absent, nil), "not_found", ""},
		{"no proof", answer(rec, func(r *rectypes.RecognitionResult) { r.Proof = nil }), "", "no proof"},
		{"proof of another key", answer(old, func(r *rectypes.RecognitionResult) { r.Hash = rec }), "", "proof is for key"},
		{"edited record", answer(rec, func(r *rectypes.RecognitionResult) {
			r.Proof.Value = bytes.Replace(r.Proof.Value, []byte(`"2030-12-31"`), []byte(`"2031-12-31"`), 1)
		}), "", "PROOF INVALID"},
		{"wrong app hash", answer(rec, func(r *rectypes.RecognitionResult) { h := smcrypto.SM3([]byte("x")); r.AppHash = h[:] }), "", "PROOF INVALID"},
		{"absence under a wrong app hash", answer(absent, func(r *rectypes.RecognitionResult) { h := smcrypto.SM3([]byte("x")); r.AppHash = h[:] }), "", "PROOF INVALID"},
		{"record of another certificate", answer(other, nil), "", "proven record is for " + rec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, status, err := tc.r.Verify()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus {
				t.Fatalf("status %s, want %s", status, tc.wantStatus)
			}
			if (got == nil) != (status == "not_found") || (got != nil && got.Hash != tc.r.Hash) {
				t.Fatalf("record %+v for %s", got, tc.r.Hash)
			}
		})
	}
}
