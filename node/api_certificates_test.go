package node_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node"
)

// certAPI serves the real API handlers over an in-memory chain.
func certAPI(t *testing.T) (*chaintest.Chain, *httptest.Server) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return c, srv
}

// defineBL defines the BL licence type (department 1's admin) and returns
// department 1's officer, who may issue it.
func defineBL(c *chaintest.Chain) *smcrypto.PrivateKey {
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825}))
	return c.Officer(1)
}

// blAnchor anchors hash as a BL licence of one organisation, issued and
// valid from 2026-01-01 until until.
func blAnchor(hash, licence, until string) certificate.Anchor {
	return certificate.Anchor{Hash: hash, Type: "BL", LicenceNo: licence, HolderKind: "org",
		HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: until}
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return r.StatusCode
}

func TestCertificateAPIWithProofs(t *testing.T) {
	c, srv := certAPI(t)
	op := defineBL(c)
	single := smcrypto.SM3Hex([]byte("licence"))
	c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(single, "BL-1", "2026-01-01")))
	hAnchor := c.Height
	var hashes []string
	for i := 0; i < 100; i++ {
		hashes = append(hashes, smcrypto.SM3Hex([]byte(fmt.Sprint("member ", i))))
	}
	bf, err := certificate.NewBatchFile(hashes, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: bf.Root, Count: bf.Count, IssueDate: "2026-01-01"}))
	c.MustOK(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: hashes[7], Reason: "02", Batch: bf.Membership(&bf.Members[7])}))
	c.MustOK(c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: single, Reason: "04"}))
	hRevoke := c.Height

	get := func(hash, query string) *node.CertificateResult {
		t.Helper()
		var r node.CertificateResult
		if code := getJSON(t, srv.URL+"/v1/certificates/"+hash+"?prove=true"+query, &r); code != 200 {
			t.Fatalf("HTTP %d", code)
		}
		return &r
	}
	check := func(r *node.CertificateResult, m *certificate.BatchMember, want string) *node.CertificateCheck {
		t.Helper()
		chk, err := r.Verify(m)
		if err != nil {
			t.Fatal(err)
		}
		if chk.Status != want {
			t.Fatalf("status %s, want %s (%v)", chk.Status, want, chk.Verified)
		}
		// what the node says agrees with what the client proved: the
		// status (a member with no record of its own is "batch_member" to
		// the node, which never sees its path), and the record (passed
		// through as stored) field by field
		if r.Status != chk.Status && r.Status != "batch_member" {
			t.Fatalf("node says %s, proofs say %s", r.Status, chk.Status)
		}
		if chk.Record != nil && !reflect.DeepEqual(r.Record, chk.Record) {
			t.Fatalf("answer's record %+v, proven record %+v", r.Record, chk.Record)
		}
		return chk
	}
	// the single certificate at several heights; it expired on its last day
	// (block times are in 2026-01-01, so it is still valid then)
	check(get(single, fmt.Sprintf("&height=%d", hAnchor-1)), nil, "not_found")
	check(get(single, fmt.Sprintf("&height=%d", hAnchor)), nil, "valid")
	check(get(single, fmt.Sprintf("&height=%d", hRevoke-1)), nil, "valid")
	chk := check(get(single, ""), nil, "revoked")
	if chk.Record.History[1].Reason != "04" {
		t.Fatalf("%+v", chk.Record)
	}
	// an untouched batch member: valid only with its inclusion path
	r := get(hashes[42], "&batch="+bf.Root)
	if r.Status != "batch_member" || r.Record != nil || r.Batch == nil {
		t.Fatalf("%+v", r)
	}
	check(r, &bf.Members[42], "valid")
	check(r, nil, "batch_member_unverified")
	// the suspended member: its record names the batch, which comes along
	r = get(hashes[7], "")
	if r.Batch == nil || r.BatchProof == nil {
		t.Fatal("batch of a member record not returned")
	}
	check(r, &bf.Members[7], "suspended")

	// tampering is caught on the client
	r = get(hashes[42], "&batch="+bf.Root)
	bad := bf.Members[42]
	bad.Path = append([]string(nil), bad.Path...)
	bad.Path[2] = strings.Repeat("0", 64)
	if _, err := r.Verify(&bad); err == nil || !strings.Contains(err.Error(), "INCLUSION PATH INVALID") {
		t.Fatalf("tampered path: %v", err)
	}
	if _, err := r.Verify(&bf.Members[43]); err == nil {
		t.Fatal("another member's path accepted for this hash")
	}
	r = get(single, "")
	r.Proof.Value = []byte(strings.Replace(string(r.Proof.Value), `"revoked"`, `"valid"`, -1))
	if _, err := r.Verify(nil); err == nil || !strings.Contains(err.Error(), "PROOF INVALID") {
		t.Fatalf("edited record: %v", err)
	}
	r = get(single, "")
	r.Proof.Value = nil // claim absence with a membership proof
	if _, err := r.Verify(nil); err == nil {
		t.Fatal("absence claimed with a membership proof")
	}

	// listing and bad requests
	var l node.CertificateList
	if code := getJSON(t, srv.URL+"/v1/certificates?issuer=SCJG", &l); code != 200 || len(l.Items) != 3 || l.Items[2].ID != single {
		t.Fatalf("list: %d %+v", code, l)
	}
	ids := map[string]string{}
	for _, it := range l.Items {
		ids[it.ID] = it.Kind
	}
	if ids[bf.Root] != "batch" || ids[hashes[7]] != "certificate" {
		t.Fatalf("list: %v", ids)
	}
	if code := getJSON(t, srv.URL+"/v1/certificates?holder=91350100M000100Y43", &l); code != 200 || len(l.Items) != 1 || l.Items[0].Record.Status != "revoked" {
		t.Fatalf("by holder: %d %+v", code, l)
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/v1/certificates", 400},
		{"/v1/certificates?holder=11010519491231002X", 400},
		{"/v1/certificates?issuer=SCJG&page=0", 400},
		{"/v1/certificates/xyz", 400},
		{"/v1/certificates/" + single + "?batch=nothex", 400},
		{"/v1/certificates/" + single + "?height=99999", 404},
	} {
		var e node.Error
		if code := getJSON(t, srv.URL+tc.path, &e); code != tc.code || e.Message == "" {
			t.Errorf("%s: HTTP %d %+v, want %d", tc.path, code, e, tc.code)
		}
	}
}

// TestCertificateAPIExpired: the node reads valid_until from the stored
// record and says expired once the block time (China Standard Time) is
// past it, as the client concludes from the proof.
func TestCertificateAPIExpired(t *testing.T) {
	c, srv := certAPI(t)
	op := defineBL(c)
	h := smcrypto.SM3Hex([]byte("short licence"))
	c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(h, "BL-9", "2026-01-01")))
	status := func() (string, string) {
		var r node.CertificateResult
		if code := getJSON(t, srv.URL+"/v1/certificates/"+h+"?prove=true", &r); code != 200 {
			t.Fatalf("HTTP %d", code)
		}
		chk, err := r.Verify(nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status, chk.Status
	}
	// 23:59 on its last day in Beijing is still valid; 00:00 the next day is not
	for _, tc := range []struct{ at, want string }{{"2026-01-01T15:59:00Z", "valid"}, {"2026-01-01T16:00:00Z", "expired"}} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		c.BlockAt(at)
		if node, client := status(); node != tc.want || client != tc.want {
			t.Fatalf("at %s: node says %s, proofs say %s, want %s", tc.at, node, client, tc.want)
		}
	}
}
