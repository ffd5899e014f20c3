package node_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
)

// TestRecognitionAPIProofs: GET /v1/recognition/{hash} answers with a
// proof of absence that verifies client side (and fails once tampered),
// and the certificate API carries the recognition proof when this chain
// holds no certificate record. The recognised case runs against real
// networks in testnet (TestRecognitionAcrossTwoNetworks, ...FromFabricPartner).
func TestRecognitionAPIProofs(t *testing.T) {
	c, srv := certAPI(t)
	c.Block()
	hash := smcrypto.SM3Hex([]byte("a partner's licence"))
	var r node.RecognitionResult
	if code := getJSON(t, srv.URL+"/v1/recognition/"+hash+"?prove=true", &r); code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	if r.Status != "not_found" || r.Key != "recognition/rec/"+hash {
		t.Fatalf("%+v", r)
	}
	rec, status, err := r.Verify()
	if err != nil || rec != nil || status != "not_found" {
		t.Fatalf("verify: %v %v %s", rec, err, status)
	}
	r.AppHash[0] ^= 1
	if _, _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), "PROOF INVALID") {
		t.Fatalf("tampered app hash: %v", err)
	}
	if code := getJSON(t, srv.URL+"/v1/recognition/zz?prove=true", &struct{}{}); code != 400 {
		t.Fatalf("bad hash: HTTP %d", code)
	}
	var cr node.CertificateResult
	if code := getJSON(t, srv.URL+"/v1/certificates/"+hash+"?prove=true", &cr); code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	if cr.RecognitionProof == nil || cr.RecognitionKey != "recognition/rec/"+hash {
		t.Fatalf("certificate answer without the recognition proof: %+v", cr)
	}
	chk, err := cr.Verify(nil)
	if err != nil || chk.Status != "not_found" || !strings.Contains(strings.Join(chk.Verified, "\n"), "not recognised from a partner province") {
		t.Fatalf("%+v %v", chk, err)
	}
	cr.RecognitionProof.Key = []byte("recognition/rec/" + strings.Repeat("0", 64))
	if _, err := cr.Verify(nil); err == nil {
		t.Fatal("a recognition proof for another key verified")
	}
}
