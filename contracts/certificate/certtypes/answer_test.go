package certtypes_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// fixture is a state with one certificate record, one batch of four and
// one recognised partner certificate, and the answers a node gives for
// them at that version.
type fixture struct {
	tree    *prooftest.Tree
	version int64
	root    []byte
	single  string
	members *certtypes.BatchFile
	partner string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{tree: prooftest.NewTree(), single: smcrypto.SM3Hex([]byte("licence")), partner: smcrypto.SM3Hex([]byte("partner licence"))}
	var hashes []string
	for _, s := range []string{"a", "b", "c", "d"} {
		hashes = append(hashes, smcrypto.SM3Hex([]byte(s)))
	}
	bf, err := certtypes.NewBatchFile(hashes, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.members = bf
	put := func(key []byte, v any) {
		b, _ := json.Marshal(v)
		if err := f.tree.Set(key, b); err != nil {
			t.Fatal(err)
		}
	}
	put(certtypes.RecordKey(f.single), certtypes.Record{Hash: f.single, Type: "BL", Issuer: "SCJG", IssueDate: "2026-01-01", ValidUntil: "2030-12-31", Status: certtypes.StatusRevoked})
	put(certtypes.BatchKey(bf.Root), certtypes.Batch{Root: bf.Root, Type: "BL", Issuer: "SCJG", Count: bf.Count, IssueDate: "2026-01-01", Height: 3})
	put(rectypes.RecordKey(f.partner), rectypes.Record{Hash: f.partner, Partner: "TJ", PartnerName: "Tianjin", Status: rectypes.StatusRecognised, PartnerStatus: "valid"})
	if f.root, f.version, err = f.tree.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

// answer is what an honest node says about hash (batchRoot: the batch it
// was asked about, if any).
func (f *fixture) answer(t *testing.T, hash, batchRoot string) *certtypes.CertificateResult {
	t.Helper()
	prove := func(key []byte) *proof.Proof {
		p, err := f.tree.Prove(f.version, key)
		if err != nil {
			t.Fatal(err)
		}
		return &p
	}
	r := &certtypes.CertificateResult{Hash: hash, Height: f.version, AppHash: f.root, BlockTime: "2026-06-01T00:00:00Z", Proof: prove(certtypes.RecordKey(hash))}
	if batchRoot != "" {
		r.BatchProof = prove(certtypes.BatchKey(batchRoot))
	}
	if r.Proof.Value == nil && batchRoot == "" {
		r.RecognitionProof = prove(rectypes.RecordKey(hash))
	}
	return r
}

func TestCertificateVerify(t *testing.T) {
	f := newFixture(t)
	m := &f.members.Members[2]
	for _, tc := range []struct {
		name, hash, batch string
		member            *certtypes.BatchMember
		want              string
	}{
		{"a record", f.single, "", nil, certtypes.StatusRevoked},
		{"a batch member with its path", m.Hash, f.members.Root, m, certtypes.StatusValid},
		{"a batch member without its path", m.Hash, f.members.Root, nil, "batch_member_unverified"},
		{"a partner's certificate recognised here", f.partner, "", nil, rectypes.StatusRecognised},
		{"nothing", smcrypto.SM3Hex([]byte("unknown")), "", nil, "not_found"},
	} {
		c, err := f.answer(t, tc.hash, tc.batch).Verify(tc.member)
		if err != nil || c.Status != tc.want {
			t.Errorf("%s: %v %+v, want %s", tc.name, err, c, tc.want)
		}
	}
}

// TestCertificateVerifyTampered: every edit of an answer is caught, and
// the error names the step that failed.
func TestCertificateVerifyTampered(t *testing.T) {
	f := newFixture(t)
	m := f.members.Members[2]
	for _, tc := range []struct {
		name, hash, batch string
		member            *certtypes.BatchMember
		edit              func(r *certtypes.CertificateResult, m *certtypes.BatchMember)
		want              string
	}{
		{"no proof", f.single, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) { r.Proof = nil }, "no proof"},
		{"record edited", f.single, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) {
			r.Proof.Value = []byte(strings.Replace(string(r.Proof.Value), `"revoked"`, `"valid"`, 1))
		}, "PROOF INVALID"},
		{"absence claimed with a membership proof", f.single, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) { r.Proof.Value = nil }, "PROOF INVALID"},
		{"another hash's record", f.single, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) { r.Hash = f.partner }, "proof is for key"},
		{"another app hash", f.single, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) {
			r.AppHash = append([]byte(nil), r.AppHash...)
			r.AppHash[0] ^= 1
		}, "PROOF INVALID"},
		{"batch count edited", m.Hash, f.members.Root, &m, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) {
			r.BatchProof.Value = []byte(strings.Replace(string(r.BatchProof.Value), `"count":4`, `"count":5`, 1))
		}, "PROOF INVALID"},
		{"member path edited", m.Hash, f.members.Root, &m, func(_ *certtypes.CertificateResult, m *certtypes.BatchMember) {
			m.Path = append([]string(nil), m.Path...)
			m.Path[0] = strings.Repeat("0", 64)
		}, "INCLUSION PATH INVALID"},
		{"another member's index", m.Hash, f.members.Root, &m, func(_ *certtypes.CertificateResult, m *certtypes.BatchMember) { m.Index = 1 }, "INCLUSION PATH INVALID"},
		{"member of a batch not on chain", m.Hash, "", &m, func(*certtypes.CertificateResult, *certtypes.BatchMember) {}, "not on chain"},
		{"recognition edited", f.partner, "", nil, func(r *certtypes.CertificateResult, _ *certtypes.BatchMember) {
			r.RecognitionProof.Value = []byte(strings.Replace(string(r.RecognitionProof.Value), `"TJ"`, `"XX"`, 1))
		}, "PROOF INVALID"},
	} {
		r := f.answer(t, tc.hash, tc.batch)
		var mem *certtypes.BatchMember
		if tc.member != nil {
			c := *tc.member
			mem = &c
		}
		tc.edit(r, mem)
		if _, err := r.Verify(mem); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
