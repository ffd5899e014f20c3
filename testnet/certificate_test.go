package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/testnet"
)

// startCertNet is startNet with the certificate genesis (a random holder
// salt) and the demo issuer grants: SCJG issuer:BL, WJW issuer:MPL.
func startCertNet(t *testing.T, n int) *testnet.Network {
	t.Helper()
	return startNetWith(t, testnet.Options{Validators: n,
		GenesisModules: map[string]json.RawMessage{certificate.Name: certdemo.Genesis()},
		Grants:         map[string][]string{"SCJG": {"issuer:BL"}, "WJW": {"issuer:MPL"}}})
}

// TestCertificatesOnFourNodes runs the certificate demo seeder (types,
// five certificates, a batch of 1,000, a revocation, a suspended batch
// member) on a 4-validator network, then anchors and revokes one more
// certificate through the govchain binary, and reads every status with
// proofs from every node: same app hash, same verdict, at the right heights.
func TestCertificatesOnFourNodes(t *testing.T) {
	net := startCertNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var seedOut bytes.Buffer
	if err := certdemo.Seed(ctx, net.DemoNet(), &seedOut); err != nil {
		t.Fatalf("seed: %v\n%s", err, seedOut.String())
	}
	t.Logf("seeder:\n%s", seedOut.String())
	dir := certdemo.Dir(net.Dir)

	cli := func(nodeIdx int, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", net.Nodes[nodeIdx].API, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
	const wjw = 3
	wjwKey := filepath.Join(net.Nodes[wjw].Home, "keys", "dept.pem")

	// Anchor and revoke one more certificate through the binary, on the
	// WJW node; the citizen ID stays on this machine.
	file := filepath.Join(t.TempDir(), "mpl-王医生.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.7 医师执业证书 王某某 (fictional) 11010519491231002X"), 0o644); err != nil {
		t.Fatal(err)
	}
	var anchored, revoked node.SubmitResult
	certJSON(t, cli(wjw, "cert", "anchor", "--key", wjwKey, "--type", "MPL", "--file", file, "--licence-no", "110350100099999",
		"--holder-kind", "person", "--holder-id", "11010519491231002x"), &anchored)
	certJSON(t, cli(wjw, "cert", "revoke", "--key", wjwKey, "--file", file, "--reason", "05"), &revoked)
	if anchored.Code != 0 || revoked.Code != 0 || revoked.Height <= anchored.Height {
		t.Fatalf("anchor %+v revoke %+v", anchored, revoked)
	}
	var hashes []struct{ File, Hash string }
	certJSON(t, cli(0, "cert", "hash", file), &hashes)
	hash := hashes[0].Hash
	// the tx body carries the reference, not the ID number (read from the
	// node that committed it: node 0 may not have indexed it yet)
	txInfo, err := net.Client(wjw).Tx(ctx, anchored.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(txInfo.Body), "11010519491231002") || !strings.Contains(string(txInfo.Body), `"holder_ref"`) {
		t.Fatalf("anchor tx body: %s", txInfo.Body)
	}

	if err := net.WaitHeight(ctx, revoked.Height+1); err != nil {
		t.Fatal(err)
	}
	var bf certificate.BatchFile
	raw, err := os.ReadFile(filepath.Join(dir, "batch-BL-demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	certJSON(t, raw, &bf)
	if bf.Count != certdemo.BatchSize || len(bf.Members) != certdemo.BatchSize || bf.Height == 0 {
		t.Fatalf("batch file: count %d, %d members, height %d", bf.Count, len(bf.Members), bf.Height)
	}
	revokedDemo := certFileHash(t, filepath.Join(dir, "bl-福州三坊七巷餐饮有限公司.txt"))

	type probe struct {
		name   string
		hash   string
		height int64
		member *certificate.BatchMember
		batch  string
		want   string
	}
	probes := []probe{
		{"anchored by the CLI, before", hash, anchored.Height - 1, nil, "", "not_found"},
		{"anchored by the CLI", hash, anchored.Height, nil, "", "valid"},
		{"revoked by the CLI", hash, revoked.Height, nil, "", "revoked"},
		{"demo revoked certificate", revokedDemo, revoked.Height, nil, "", "revoked"},
		{"batch member 42", bf.Members[42].Hash, revoked.Height, &bf.Members[42], bf.Root, "valid"},
		{"suspended batch member 17", bf.Members[17].Hash, revoked.Height, &bf.Members[17], "", "suspended"},
		{"batch member 999 before its batch", bf.Members[999].Hash, bf.Height - 1, &bf.Members[999], bf.Root, "error"},
	}
	for _, p := range probes {
		var appHash []byte
		for i := range net.Nodes {
			path := fmt.Sprintf("/v1/certificates/%s?prove=true&height=%d", p.hash, p.height)
			if p.batch != "" {
				path += "&batch=" + p.batch
			}
			var r node.CertificateResult
			if err := net.Client(i).Get(ctx, path, &r); err != nil {
				t.Fatalf("%s, node %d: %v", p.name, i, err)
			}
			if r.Height != p.height {
				t.Fatalf("%s, node %d answered height %d", p.name, i, r.Height)
			}
			chk, err := r.Verify(p.member)
			if p.want == "error" {
				if err == nil || !strings.Contains(err.Error(), "not on chain") {
					t.Fatalf("%s, node %d: %v", p.name, i, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s, node %d: %v", p.name, i, err)
			}
			if chk.Status != p.want {
				t.Fatalf("%s, node %d: status %s, want %s (%v)", p.name, i, chk.Status, p.want, chk.Verified)
			}
			if appHash == nil {
				appHash = r.AppHash
			} else if !bytes.Equal(appHash, r.AppHash) {
				t.Fatalf("%s: node %d app hash %X, node 0 %X", p.name, i, r.AppHash, appHash)
			}
		}
	}

	// the same through `govchain cert status` (proofs checked by the CLI) on every node
	for i := range net.Nodes {
		var v struct {
			Check node.CertificateCheck `json:"check"`
		}
		certJSON(t, cli(i, "cert", "status", "--file", bf.Members[17].File, "--batch-file", filepath.Join(dir, "batch-BL-demo.json")), &v)
		if v.Check.Status != "suspended" || len(v.Check.Verified) != 3 {
			t.Fatalf("node %d: cert status %+v", i, v.Check)
		}
		certJSON(t, cli(i, "cert", "status", "--file", file, "--height", fmt.Sprint(anchored.Height)), &v)
		if v.Check.Status != "valid" {
			t.Fatalf("node %d: cert status at anchoring %+v", i, v.Check)
		}
	}
	// the holder finds the certificate by recomputing the reference locally
	var l node.CertificateList
	certJSON(t, cli(1, "cert", "list", "--holder-id", "11010519491231002X"), &l)
	if len(l.Items) != 1 || l.Items[0].ID != hash || l.Items[0].Record.Status != "revoked" {
		t.Fatalf("list by holder: %+v", l)
	}
	var ref struct {
		HolderRef string `json:"holder_ref"`
	}
	certJSON(t, cli(2, "cert", "holder-ref", "--holder-kind", "person", "--holder-id", " 11010519491231002x"), &ref)
	if ref.HolderRef != l.Items[0].Record.HolderRef {
		t.Fatalf("holder-ref %s, record has %s", ref.HolderRef, l.Items[0].Record.HolderRef)
	}

	// The rest of the commands docs/certificates.md shows, through the binary.
	const scjg = 1
	scjgKey := filepath.Join(net.Nodes[scjg].Home, "keys", "dept.pem")
	var res node.SubmitResult
	certJSON(t, cli(wjw, "cert", "type", "define", "--key", wjwKey, "--code", "NPL", "--name", "护士执业证书 nurse licence", "--max-days", "1825"), &res)
	if res.Code != 0 || res.Data != "NPL" {
		t.Fatalf("type define: %+v", res)
	}
	batchDir := t.TempDir()
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(filepath.Join(batchDir, fmt.Sprintf("licence-%d.ofd", i)), []byte(fmt.Sprint("营业执照 small batch ", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "batch.json")
	var br struct {
		node.SubmitResult
		Root  string `json:"root"`
		Count uint64 `json:"count"`
	}
	certJSON(t, cli(scjg, "cert", "anchor-batch", "--key", scjgKey, "--type", "BL", "--dir", batchDir, "--first-licence", "BL-2026-900000",
		"--last-licence", "BL-2026-900004", "--out", out), &br)
	var small certificate.BatchFile
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	certJSON(t, raw, &small)
	if br.Code != 0 || br.Count != 5 || small.Root != br.Root || small.Height != br.Height || len(small.Members) != 5 || small.Members[2].File != filepath.Join(batchDir, "licence-2.ofd") {
		t.Fatalf("anchor-batch: %+v, file %+v", br, small)
	}
	member := filepath.Join(batchDir, "licence-2.ofd")
	certJSON(t, cli(scjg, "cert", "suspend", "--key", scjgKey, "--file", member, "--batch-file", out, "--reason", "02"), &res)
	certJSON(t, cli(scjg, "cert", "reinstate", "--key", scjgKey, "--file", member, "--reason", "05"), &res)
	newFile := filepath.Join(t.TempDir(), "licence-2-v2.ofd")
	if err := os.WriteFile(newFile, []byte("营业执照 small batch 2, reissued"), 0o644); err != nil {
		t.Fatal(err)
	}
	certJSON(t, cli(scjg, "cert", "reissue", "--key", scjgKey, "--old-file", member, "--batch-file", out, "--file", newFile, "--reason", "02",
		"--licence-no", "BL-2026-900002", "--holder-kind", "org", "--holder-id", "91350100m000100y43", "--valid-until", "2030-01-01"), &res)
	if res.Code != 0 {
		t.Fatalf("reissue: %+v", res)
	}
	if err := net.WaitHeight(ctx, res.Height+1); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		var v struct {
			Check node.CertificateCheck `json:"check"`
		}
		certJSON(t, cli(i, "cert", "status", "--file", member, "--batch-file", out), &v)
		if v.Check.Status != "revoked" || v.Check.Record.ReplacedBy != certFileHash(t, newFile) || len(v.Check.Record.History) != 4 {
			t.Fatalf("node %d: reissued member %+v", i, v.Check.Record)
		}
		certJSON(t, cli(i, "cert", "status", "--file", newFile), &v)
		if v.Check.Status != "valid" || v.Check.Record.Replaces != small.Members[2].Hash || v.Check.Record.HolderRef != "91350100M000100Y43" {
			t.Fatalf("node %d: replacement %+v", i, v.Check.Record)
		}
	}
	certJSON(t, cli(0, "cert", "list", "--issuer", "SCJG", "--type", "BL"), &l)
	if len(l.Items) < 5 || l.Items[0].ID != certFileHash(t, newFile) {
		t.Fatalf("list --issuer SCJG --type BL: %+v", l.Items[0])
	}
}

func certJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func certFileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []struct{ Hash string }
	cmd := exec.Command(binary, "cert", "hash", path, "-o", "json")
	o, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	certJSON(t, o, &out)
	if len(b) == 0 || len(out) != 1 {
		t.Fatal("hash")
	}
	return out[0].Hash
}
