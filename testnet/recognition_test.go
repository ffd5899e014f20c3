package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/relay"
	"github.com/govchain/govchain/node/relay/fabric"
	"github.com/govchain/govchain/testnet"
	"github.com/govchain/govchain/testnet/fabricnet"
)

// startChain starts a network with its own chain id and certificate genesis.
func startChain(t *testing.T, chainID string, n int, grants map[string][]string) *testnet.Network {
	t.Helper()
	base, err := testnet.FreeBasePort(n)
	if err != nil {
		t.Fatal(err)
	}
	net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: n, ChainID: chainID, BasePort: base, Binary: binary, TimeoutCommit: 300 * time.Millisecond,
		GenesisModules: map[string]json.RawMessage{certificate.Name: certdemo.Genesis()}, Grants: grants})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, ni := range net.Nodes {
				b, _ := os.ReadFile(filepath.Join(ni.Home, "node.log"))
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("--- tail of %s/%s node.log ---\n%s", chainID, ni.Dept, b)
			}
		}
		_ = net.Stop()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := net.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	return net
}

// TestRecognitionAcrossTwoNetworks runs a district network (4 validators,
// chain chaoyang-1) and a partner province network (2 validators, chain
// tianjin-1, SCJG issues business licences) on this machine. The district
// registers the partner by a governance proposal whose trust anchor is the
// partner's header 1 and genesis validators, sets a BL → BL agreement by
// a gov execute proposal, the partner anchors a licence, the relayer (RSJ's key: relaying needs no grant
// and no particular role) relays it: recognised on the district,
// with proofs, through `cert status` and `recognition status`. Then a
// following relayer (`relay --follow`) sees the partner revoke it and the
// district's recognition is revoked.
func TestRecognitionAcrossTwoNetworks(t *testing.T) {
	partner := startChain(t, "tianjin-1", 2, map[string][]string{"SCJG": {"issuer:BL"}})
	district := startChain(t, "chaoyang-1", 4, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	gc := func(api string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", api, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
	key := func(n *testnet.Network, i int) string { return filepath.Join(n.Nodes[i].Home, "keys", "dept.pem") }
	const zwfw, scjg, rsj = 0, 1, 2
	pAPI, pRPC := partner.Nodes[0].API, partner.Nodes[0].RPC
	dAPI := district.Nodes[0].API

	// The partner issues a business licence.
	file := filepath.Join(t.TempDir(), "tj-bl-津门餐饮有限公司.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.7 营业执照 天津津门餐饮有限公司 (fictional) 91350100M000100Y43"), 0o644); err != nil {
		t.Fatal(err)
	}
	gc(pAPI, "cert", "type", "define", "--key", key(partner, scjg), "--code", "BL", "--name", "营业执照 business licence", "--max-days", "1825")
	var anchored node.SubmitResult
	certJSON(t, gc(partner.Nodes[scjg].API, "cert", "anchor", "--key", key(partner, scjg), "--type", "BL", "--file", file,
		"--licence-no", "津BL-2026-000001", "--holder-kind", "org", "--holder-id", "91350100M000100Y43", "--valid-until", "2030-12-31"), &anchored)
	if anchored.Code != 0 {
		t.Fatalf("anchor on partner: %+v", anchored)
	}
	var hashes []struct{ File, Hash string }
	certJSON(t, gc(pAPI, "cert", "hash", file), &hashes)
	hash := hashes[0].Hash

	// The district defines its own BL type, registers the partner and the agreement by governance.
	gc(dAPI, "cert", "type", "define", "--key", key(district, scjg), "--code", "BL", "--name", "营业执照 business licence", "--max-days", "1825")
	cfgFile := filepath.Join(t.TempDir(), "partner-tj.json")
	var anchorInfo struct {
		ChainID    string `json:"chain_id"`
		Height     int64  `json:"height"`
		HeaderHash string `json:"header_hash"`
		Validators int    `json:"validators"`
	}
	certJSON(t, gc(dAPI, "recognition", "partner-config", "--rpc", pRPC, "--height", "1", "--trusting-period", "336h", "--out", cfgFile), &anchorInfo)
	if anchorInfo.ChainID != "tianjin-1" || anchorInfo.Height != 1 || anchorInfo.Validators != 2 {
		t.Fatalf("anchor: %+v", anchorInfo)
	}
	propose := func(args ...string) string {
		t.Helper()
		var r node.SubmitResult
		certJSON(t, gc(dAPI, append(args, "--key", key(district, zwfw))...), &r)
		if r.Code != 0 || r.Data == "" {
			t.Fatalf("propose: %+v", r)
		}
		for _, i := range []int{scjg, rsj} {
			gc(district.Nodes[i].API, "gov", "vote", r.Data, "approve", "--key", key(district, i))
		}
		// The last vote committed on its own node; node 0 may be a block behind.
		for deadline := time.Now().Add(2 * time.Minute); ; {
			var v struct {
				Proposal struct{ Status, Error string } `json:"proposal"`
			}
			certJSON(t, gc(dAPI, "gov", "show", r.Data), &v)
			if v.Proposal.Status == "passed" {
				break
			}
			if time.Now().After(deadline) { // bounds a hung run only
				t.Fatalf("proposal %s: %+v", r.Data, v.Proposal)
			}
			time.Sleep(250 * time.Millisecond)
		}
		return r.Data
	}
	propose("gov", "propose", "register-partner", "TJ", "--name", "天津市 Tianjin", "--kind", "govchain", "--config", cfgFile, "--reason", "京津冀互认")
	propose("recognition", "propose-agreement", "--partner", "TJ", "--partner-type", "BL", "--local-type", "BL",
		"--conditions", "京津冀营业执照互认协议 (test) 第3条")

	// Before relaying: not recognised (proof of absence).
	var before struct {
		Check node.CertificateCheck `json:"check"`
	}
	certJSON(t, gc(dAPI, "cert", "status", "--file", file), &before)
	if before.Check.Status != "not_found" {
		t.Fatalf("before relaying: %+v", before.Check)
	}

	// Relay once, signed by RSJ's key (any active identity may relay).
	var rep relay.Report
	certJSON(t, gc(district.Nodes[rsj].API, "relay", "--partner", "TJ", "--partner-node", pAPI, "--partner-rpc", pRPC, "--key", key(district, rsj)), &rep)
	if len(rep.Recognised) != 1 || rep.Recognised[0].Hash != hash {
		t.Fatalf("relay report: %+v", rep)
	}
	recH := rep.Recognised[0].Height
	if err := district.WaitHeight(ctx, recH+1); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 3} {
		var v struct {
			Check node.CertificateCheck `json:"check"`
		}
		certJSON(t, gc(district.Nodes[i].API, "cert", "status", "--file", file), &v)
		if v.Check.Status != "recognised" || v.Check.Recognition == nil || v.Check.Recognition.Partner != "TJ" ||
			v.Check.Recognition.Issuer != "SCJG" || v.Check.Recognition.LicenceNo != "津BL-2026-000001" {
			t.Fatalf("node %d cert status: %+v", i, v.Check)
		}
	}
	textOut := func(api string, args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", api)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if s := textOut(dAPI, "cert", "status", "--file", file); !strings.Contains(s, "RECOGNISED") || !strings.Contains(s, "recognised from TJ") {
		t.Fatalf("cert status text:\n%s", s)
	}
	t.Logf("cert status on the district:\n%s", textOut(dAPI, "cert", "status", "--file", file))
	// A second round has nothing to do.
	certJSON(t, gc(dAPI, "relay", "--partner", "TJ", "--partner-node", pAPI, "--partner-rpc", pRPC, "--key", key(district, rsj)), &rep)
	if len(rep.Recognised)+len(rep.Revoked) != 0 {
		t.Fatalf("second round: %+v", rep)
	}

	// A following relayer picks up the partner's revocation.
	logFile := filepath.Join(t.TempDir(), "relay.log")
	lf, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	follow := exec.Command(binary, "relay", "--partner", "TJ", "--partner-node", pAPI, "--partner-rpc", pRPC, "--key", key(district, rsj),
		"--node", district.Nodes[rsj].API, "--follow", "--interval", "1s")
	follow.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
	follow.Stdout, follow.Stderr = lf, lf
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = follow.Process.Signal(syscall.SIGTERM)
		_ = follow.Wait()
		lf.Close()
		b, _ := os.ReadFile(logFile)
		t.Logf("relay --follow output:\n%s", b)
	}()
	var revoked node.SubmitResult
	certJSON(t, gc(partner.Nodes[scjg].API, "cert", "revoke", "--key", key(partner, scjg), "--file", file, "--reason", "04"), &revoked)
	if revoked.Code != 0 {
		t.Fatalf("revoke on partner: %+v", revoked)
	}
	for {
		var v struct {
			Check node.CertificateCheck `json:"check"`
		}
		certJSON(t, gc(district.Nodes[3].API, "cert", "status", "--file", file), &v)
		if v.Check.Status == "recognition_revoked" {
			if r := v.Check.Recognition; r.PartnerStatus != certificate.StatusRevoked || len(r.History) != 2 || r.PartnerHeight < revoked.Height {
				t.Fatalf("revoked recognition: %+v", r)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the district never revoked the recognition: %+v", v.Check)
		case <-time.After(time.Second):
		}
	}
	caughtUp(ctx, t, district, 3) // dAPI's node may be a block behind node 3
	if s := textOut(dAPI, "recognition", "status", "--file", file); !strings.Contains(s, "REVOKED") || !strings.Contains(s, "ICS23 proof") {
		t.Fatalf("recognition status text:\n%s", s)
	}
	t.Logf("recognition status after the partner's revocation:\n%s", textOut(dAPI, "recognition", "status", "--file", file))
}

// TestRecognitionFromFabricPartner: the partner province runs Hyperledger
// Fabric v2.1.1 (solo orderer, one peer, the licence chaincode through an
// external builder; testnet/fabricnet). The district registers it by
// governance (kind fabric: its MSP and orderer CAs, endorsement policy
// 1:TJSCJGMSP) with a BL → BL agreement; the partner issues a licence
// through fabric-sdk-go; `govchain relay` attests it on Fabric and relays
// the committed block, which the district verifies on chain; the partner
// revokes it and the next relay round revokes the recognition.
func TestRecognitionFromFabricPartner(t *testing.T) {
	if _, err := fabricnet.Bin(); err != nil {
		t.Skipf("SKIPPING the Fabric partner test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fnet, err := fabricnet.Start(ctx, t.TempDir())
	if fnet != nil {
		defer fnet.Stop()
	}
	if err != nil {
		t.Fatal(err)
	}
	district := startChain(t, "chaoyang-1", 4, nil)
	gc := func(api string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", api, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s%s\n%s", strings.Join(args, " "), err, out, stderr.String(), fnet.Logs())
		}
		return out
	}
	key := func(i int) string { return filepath.Join(district.Nodes[i].Home, "keys", "dept.pem") }
	const zwfw, scjg, rsj = 0, 1, 2
	dAPI := district.Nodes[0].API

	// The partner's registry, through fabric-sdk-go as User1 of TJSCJGMSP.
	profile := filepath.Join(t.TempDir(), "tj-fabric.yaml")
	org, err := fnet.ConnectionProfile(profile, "User1")
	if err != nil {
		t.Fatal(err)
	}
	gw, err := fabric.NewSDKGateway(profile, fabricnet.Channel, fabricnet.Chaincode, org, "User1")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	file := filepath.Join(t.TempDir(), "tjf-bl-海河物流有限公司.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.7 营业执照 天津海河物流有限公司 (fictional, Fabric registry)"), 0o644); err != nil {
		t.Fatal(err)
	}
	var hashes []struct{ File, Hash string }
	certJSON(t, gc(dAPI, "cert", "hash", file), &hashes)
	hash := hashes[0].Hash
	if _, _, err := gw.Submit(ctx, "anchor", `{"hash":"`+hash+`","type":"BL","licence_no":"津BL-F-000001","holder_kind":"org","holder_ref":"91350100M000100Y43","issue_date":"2026-01-01","valid_from":"2026-01-01","valid_until":"2030-12-31"}`); err != nil {
		t.Fatalf("anchor on Fabric: %v\n%s", err, fnet.Logs())
	}

	// Governance: the partner's CAs and policy, and the agreement.
	gc(dAPI, "cert", "type", "define", "--key", key(scjg), "--code", "BL", "--name", "营业执照 business licence", "--max-days", "1825")
	cfgFile := filepath.Join(t.TempDir(), "partner-tjf.json")
	gc(dAPI, "recognition", "fabric-config", "--channel", fabricnet.Channel, "--chaincode", fabricnet.Chaincode,
		"--msp", fabricnet.PeerMSP+"="+filepath.Join(fabricnet.PeerOrg(), "ca", "ca.scjg.tianjin.example-cert.pem"),
		"--orderer-msp", fabricnet.OrdererMSP+"="+filepath.Join(fabricnet.OrdererOrg(), "ca", "ca.orderer.tianjin.example-cert.pem"),
		"--endorsement", "1:"+fabricnet.PeerMSP, "--out", cfgFile)
	propose := func(args ...string) {
		t.Helper()
		var r node.SubmitResult
		certJSON(t, gc(dAPI, append(args, "--key", key(zwfw))...), &r)
		if r.Code != 0 || r.Data == "" {
			t.Fatalf("propose: %+v", r)
		}
		for _, i := range []int{scjg, rsj} {
			gc(district.Nodes[i].API, "gov", "vote", r.Data, "approve", "--key", key(i))
		}
		// The last vote committed on its own node; node 0 may be a block behind.
		for deadline := time.Now().Add(2 * time.Minute); ; {
			var v struct {
				Proposal struct{ Status, Error string } `json:"proposal"`
			}
			certJSON(t, gc(dAPI, "gov", "show", r.Data), &v)
			if v.Proposal.Status == "passed" {
				break
			}
			if time.Now().After(deadline) { // bounds a hung run only
				t.Fatalf("proposal %s: %+v", r.Data, v.Proposal)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	propose("gov", "propose", "register-partner", "TJF", "--name", "天津市 (Fabric)", "--kind", "fabric", "--config", cfgFile)
	propose("recognition", "propose-agreement", "--partner", "TJF", "--partner-type", "BL", "--local-type", "BL", "--conditions", "京津冀营业执照互认 (test)")

	relayOnce := func() relay.Report {
		var rep relay.Report
		certJSON(t, gc(district.Nodes[rsj].API, "relay", "--partner", "TJF", "--partner-node", profile, "--fabric-user", "User1", "--key", key(rsj)), &rep)
		return rep
	}
	rep := relayOnce()
	if len(rep.Recognised) != 1 || rep.Recognised[0].Hash != hash {
		t.Fatalf("relay: %+v", rep)
	}
	if err := district.WaitHeight(ctx, rep.Recognised[0].Height+1); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Check node.CertificateCheck `json:"check"`
	}
	certJSON(t, gc(district.Nodes[3].API, "cert", "status", "--file", file), &v)
	if r := v.Check.Recognition; v.Check.Status != "recognised" || r == nil || r.PartnerKind != "fabric" || r.Issuer != fabricnet.PeerMSP || r.PartnerChain != fabricnet.Channel {
		t.Fatalf("cert status: %+v", v.Check)
	}

	// The partner revokes; the next round revokes the recognition.
	if _, _, err := gw.Submit(ctx, "revoke", hash, "04"); err != nil {
		t.Fatal(err)
	}
	rep = relayOnce()
	if len(rep.Revoked) != 1 || rep.Revoked[0].Hash != hash {
		t.Fatalf("relay after revocation: %+v", rep)
	}
	if err := district.WaitHeight(ctx, rep.Revoked[0].Height+1); err != nil {
		t.Fatal(err)
	}
	certJSON(t, gc(district.Nodes[3].API, "cert", "status", "--file", file), &v)
	if v.Check.Status != "recognition_revoked" || v.Check.Recognition.PartnerStatus != "revoked" {
		t.Fatalf("after the partner's revocation: %+v", v.Check)
	}
	out, _ := exec.Command(binary, "recognition", "status", "--file", file, "--node", dAPI).CombinedOutput()
	t.Logf("recognition status:\n%s", out)
}
