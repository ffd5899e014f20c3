package testnet_test

import (
	"bytes"
	"context"
	varint "encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"
	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/store/badgerdb"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/audit"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/explore"
	"github.com/govchain/govchain/testnet"
)

// startDemoNet is a 4-validator network with the demo genesis and grants,
// loaded with every module's demo data (identity, certificate, credit,
// catalog), as `govchain demo` does.
func startDemoNet(t *testing.T) *testnet.Network {
	t.Helper()
	base, err := testnet.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: 4, BasePort: base, Binary: binary, TimeoutCommit: 300 * time.Millisecond,
		GenesisModules: testnet.DemoGenesis(), Grants: testnet.DemoGrants})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			tailLogs(t, net)
		}
		_ = net.Stop()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := net.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := testnet.SeedDemo(ctx, net, &out); err != nil {
		t.Fatalf("demo data: %v\n%s", err, out.String())
	}
	return net
}

func tailLogs(t *testing.T, net *testnet.Network) {
	for _, ni := range net.Nodes {
		b, _ := os.ReadFile(filepath.Join(ni.Home, "node.log"))
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		t.Logf("--- tail of %s node.log ---\n%s", ni.Dept, b)
	}
}

func auditNode(t *testing.T, net *testnet.Network, i int, o audit.Options) *audit.Report {
	t.Helper()
	src, err := audit.NewRPCSource(net.Nodes[i].RPC)
	if err != nil {
		t.Fatal(err)
	}
	o.Source, o.Label = src, net.Nodes[i].API
	o.State = audit.APIState{C: net.Client(i)}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := audit.Run(ctx, o)
	if err != nil {
		t.Fatalf("audit of node %d: %v", i, err)
	}
	return rep
}

// TestAuditOnFourNodes: on a real network with identity (registrations,
// a CA certificate admission), certificate, credit, catalog and
// governance transactions (including a validator power change), the audit
// of every node passes. Then node 3's operator hides a certificate
// revocation in its own databases while the node is stopped: the stored
// result of the revoking tx in CometBFT's state store says it failed, and
// the certificate record in the app's badger store reads "valid" again.
// The node restarts and keeps validating (neither edit touches consensus),
// and other nodes cannot see it (compare finds the same headers), but the
// audit of node 3 reports exactly the altered result at the revocation's
// height and the altered record, while node 0 still passes.
func TestAuditOnFourNodes(t *testing.T) {
	net := startDemoNet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// identity: an officer certified by the network's root CA, admitted by SCJG
	root, err := net.CA()
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	_, der, err := root.Issue(ca.Request{Kind: ca.KindOfficer, Dept: net.Nodes[1].Dept, Name: "审计测试", PublicKey: officer.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	signers := make([]*client.Signer, 4)
	for i := range signers {
		k, _ := net.DeptKey(i)
		if signers[i], err = client.NewSigner(ctx, net.Client(i), net.ChainID, k); err != nil {
			t.Fatal(err)
		}
	}
	adm, err := signers[1].AdmitCert(officer, der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signers[1].Send(ctx, net.Client(1), identity.MsgAdmitCert, adm, "commit"); err != nil {
		t.Fatal(err)
	}
	// governance: RSJ's validator to power 14 (ZWFW proposes, SCJG and RSJ approve;
	// 15 of 45 would be the 1/3 governance refuses)
	res, err := signers[0].Send(ctx, net.Client(0), gov.MsgPropose, gov.Propose{Kind: gov.KindSetValidator, Action: mustRaw(gov.SetValidator{Code: "RSJ", Power: 14}), Reason: "audit test"}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseUint(res.Data, 10, 64)
	if _, err := signers[1].Send(ctx, net.Client(1), gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}, "commit"); err != nil {
		t.Fatal(err)
	}
	vres, err := signers[2].Send(ctx, net.Client(2), gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	valChange := vres.Height
	if err := net.WaitHeight(ctx, valChange+4); err != nil {
		t.Fatal(err)
	}

	// every node's chain passes
	for i := range net.Nodes {
		rep := auditNode(t, net, i, audit.Options{})
		if !rep.OK {
			t.Fatalf("node %d failed the audit: %+v", i, rep.Failures)
		}
		if rep.CommitsVerified != rep.To+1 || rep.StateChecked == nil || rep.StateChecked.Keys < 100 {
			t.Fatalf("node %d: %d commits verified to %d, state %+v", i, rep.CommitsVerified, rep.To, rep.StateChecked)
		}
		if i == 0 {
			t.Logf("node 0: %s", rep.Summary())
			types := map[string]bool{}
			for _, c := range rep.ByDept {
				types[c.Type] = true
			}
			for _, want := range []string{identity.MsgRegisterAccount, identity.MsgAdmitCert, certificate.MsgAnchor, certificate.MsgAnchorBatch,
				certificate.MsgRevoke, gov.MsgPropose, gov.MsgVote, "credit.record", "catalog.import"} {
				if !types[want] {
					t.Errorf("no %s txs counted: %+v", want, rep.ByDept)
				}
			}
			changed := false
			for _, a := range rep.Anomalies {
				if a.Kind == audit.KindValidatorChange && a.Height == valChange {
					changed = true
				}
			}
			if !changed {
				t.Errorf("no validator change reported at %d: %+v", valChange, rep.Anomalies)
			}
		}
	}

	// the CLI, with a report file and a checkpoint that a second run resumes
	dir := t.TempDir()
	cp := filepath.Join(dir, "audit.cp")
	out := runCLI(t, 0, "audit", "--node", net.Nodes[0].API, "--rpc", net.Nodes[0].RPC, "--report", filepath.Join(dir, "audit.xlsx"), "--checkpoint", cp, "--no-progress", "-o", "json")
	var cliRep audit.Report
	if err := json.Unmarshal(out, &cliRep); err != nil || !cliRep.OK {
		t.Fatalf("govchain audit: %v %s", err, out)
	}
	x, err := excelize.OpenFile(filepath.Join(dir, "audit.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Departments")
	x.Close()
	if len(rows) != len(cliRep.ByDept)+1 {
		t.Fatalf("xlsx Departments has %d rows for %d counts", len(rows), len(cliRep.ByDept))
	}
	out = runCLI(t, 0, "audit", "--node", net.Nodes[0].API, "--checkpoint", cp, "--no-progress", "--no-state-check", "-o", "json")
	var resumed audit.Report
	if err := json.Unmarshal(out, &resumed); err != nil || !resumed.OK || resumed.Resumed == nil || resumed.Resumed.Height != cliRep.To || resumed.CommitsSkipped != cliRep.To {
		t.Fatalf("resumed audit: %v %+v", err, resumed)
	}

	// the revocation the demo made, as node 0 reports it
	rpc0 := mustRPC(t, net, 0)
	sr, err := rpc0.TxSearch(ctx, "certificate.status.status='revoked'", false, nil, nil, "asc")
	if err != nil || len(sr.Txs) != 1 {
		t.Fatalf("revocation search: %v %+v", err, sr)
	}
	revH, revIdx := sr.Txs[0].Height, sr.Txs[0].Index
	var certHash string
	for _, ev := range sr.Txs[0].TxResult.Events {
		if ev.Type == "certificate.status" {
			for _, a := range ev.Attributes {
				if a.Key == "hash" {
					certHash = a.Value
				}
			}
		}
	}
	key := string(certificate.RecordKey(certHash))
	before, err := net.Client(0).State(ctx, key, revH-1, true)
	if err != nil || !before.Found || !strings.Contains(string(before.Value), `"status":"valid"`) {
		t.Fatalf("%s before the revocation: %v %s", key, err, before.Value)
	}

	checkExplore(t, net, certHash, revH)

	// node 3's operator edits its stopped node
	if err := net.StopNode(3, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	tamperResult(t, net.Nodes[3].Home, revH, int(revIdx))
	tamperRecord(t, net.Nodes[3].Home, key, before.Value)
	if err := net.StartNode(3); err != nil {
		t.Fatal(err)
	}
	s0, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Client(3).WaitHeight(ctx, s0.Height+2); err != nil {
		t.Fatalf("tampered node did not rejoin: %v", err)
	}
	// node 3 now tells its users the certificate is valid
	var cres node.CertificateResult
	if err := net.Client(3).Get(ctx, "/v1/certificates/"+certHash, &cres); err != nil || cres.Status != certificate.StatusValid {
		t.Fatalf("tampered node should serve the certificate as valid: %v %+v", err, cres.Status)
	}

	// headers are untouched: comparing nodes cannot see it
	var srcs []audit.HeaderSource
	var names []string
	for i := range net.Nodes {
		s, _ := audit.NewRPCSource(net.Nodes[i].RPC)
		srcs, names = append(srcs, s), append(names, net.Nodes[i].Dept)
	}
	cmp, err := audit.Compare(ctx, names, srcs, audit.CompareOptions{})
	if err != nil || !cmp.Agree {
		t.Fatalf("compare: %v %+v", err, cmp)
	}

	rep := auditNode(t, net, 3, audit.Options{})
	if rep.OK {
		t.Fatal("the tampered node passed the audit")
	}
	kinds := map[string]audit.Finding{}
	for _, f := range rep.Failures {
		kinds[f.Kind] = f
	}
	if len(rep.Failures) != 3 {
		t.Fatalf("want 3 failures (result, results hash, state), got %+v", rep.Failures)
	}
	if f := kinds[audit.KindResults]; f.Height != revH || f.Index != int(revIdx) || f.Type != certificate.MsgRevoke || f.Dept != "SCJG" {
		t.Errorf("result failure %+v, want the revoke at %d index %d", f, revH, revIdx)
	}
	if f := kinds[audit.KindResultsHash]; f.Height != revH {
		t.Errorf("results hash failure %+v, want height %d", f, revH)
	}
	if f := kinds[audit.KindState]; f.Height != rep.To || !strings.Contains(f.Reason, key) || !strings.Contains(f.Reason, "does not verify") {
		t.Errorf("state failure %+v, want key %s at %d", f, key, rep.To)
	}
	t.Logf("node 3 after tampering: %s", rep.Summary())
	for _, f := range rep.Failures {
		t.Logf("  %s at %d: %s", f.Kind, f.Height, f.Reason)
	}
	// the honest node still passes, and the CLI exits non-zero on node 3
	if rep0 := auditNode(t, net, 0, audit.Options{}); !rep0.OK {
		t.Fatalf("node 0: %+v", rep0.Failures)
	}
	cmd := exec.Command(binary, "audit", "--node", net.Nodes[3].API, "--no-progress")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "audit FAILED") {
		t.Fatalf("govchain audit of node 3: %v\n%s", err, msg)
	}
}

// checkExplore runs the explorer's commands against node 0 and checks
// them against what the test knows: the demo's revoked certificate.
func checkExplore(t *testing.T, net *testnet.Network, certHash string, revH int64) {
	t.Helper()
	ex := func(v any, args ...string) {
		t.Helper()
		out := runCLI(t, 0, append([]string{"explore", "--node", net.Nodes[0].API, "-o", "json"}, args...)...)
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("explore %v: %v\n%s", args, err, out)
		}
	}
	var st explore.Status
	ex(&st, "status")
	if len(st.Validators) != 4 || st.Txs == 0 || st.Validators[0].Dept == "" {
		t.Fatalf("explore status: %+v", st)
	}
	var search explore.SearchResult
	ex(&search, "search", "--cert", certHash)
	if search.Total != 2 || search.Txs[0].Type != certificate.MsgAnchor || search.Txs[1].Type != certificate.MsgRevoke || search.Txs[1].Height != revH {
		t.Fatalf("explore search --cert: %+v", search)
	}
	var byDept explore.SearchResult
	ex(&byDept, "search", "--dept", "SCJG", "--type", certificate.MsgRevoke)
	if byDept.Total != 1 || byDept.Txs[0].Hash != search.Txs[1].Hash {
		t.Fatalf("explore search --dept --type: %+v", byDept)
	}
	var tx explore.TxDetail
	ex(&tx, "tx", search.Txs[1].Hash)
	if tx.Height != revH || tx.Dept != "SCJG" || !strings.Contains(tx.Included, "Merkle proof verified") {
		t.Fatalf("explore tx: %+v", tx)
	}
	var hist explore.History
	ex(&hist, "record", string(certificate.RecordKey(certHash)))
	if len(hist.Versions) != 2 || hist.Versions[0].Height != revH || hist.Versions[1].Height != search.Txs[0].Height || !hist.Versions[1].Created ||
		len(hist.Versions[0].Txs) != 1 || hist.Versions[0].Txs[0].Hash != tx.Hash {
		t.Fatalf("explore record: %+v", hist)
	}
	var dept explore.DeptActivity
	ex(&dept, "dept", "SCJG")
	if dept.Counts["certificate status changes"] != 2 || len(dept.Grants) == 0 || len(dept.Identities) < 2 {
		t.Fatalf("explore dept: %+v", dept)
	}
	var blocks explore.BlockPage
	ex(&blocks, "blocks", "--limit", "5")
	if len(blocks.Blocks) != 5 || blocks.Blocks[0].Height != blocks.To || blocks.Older != blocks.From-1 {
		t.Fatalf("explore blocks: %+v", blocks)
	}
}

// tamperResult makes the stored FinalizeBlock result of tx idx at height h
// say the tx failed (CometBFT's state store, served by /block_results).
func tamperResult(t *testing.T, home string, h int64, idx int) {
	t.Helper()
	cfg, err := node.Home(home).CometConfig()
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbm.NewDB("state", dbm.BackendType(cfg.DBBackend), cfg.DBDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := sm.NewStore(db, sm.StoreOptions{})
	resp, err := st.LoadFinalizeBlockResponse(h)
	if err != nil {
		t.Fatal(err)
	}
	r := resp.TxResults[idx]
	r.Code, r.Codespace, r.Log, r.Data, r.Events = 4, certificate.Name, "certificate/4 not found", nil, nil
	if err := st.SaveFinalizeBlockResponse(h, resp); err != nil {
		t.Fatal(err)
	}
}

// tamperRecord rewrites the value IAVL's fast index (badger, key 'f'+key
// under the store's "i/" prefix) returns for key, keeping its version: the
// tree's nodes and hashes are untouched, so the node's app hash and
// consensus are unaffected, but every read of the key returns value.
func tamperRecord(t *testing.T, home, key string, value []byte) {
	t.Helper()
	opts := badgerdb.DefaultOptions()
	root, err := badgerdb.Open(node.Home(home).StateDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	db := badgerdb.NewPrefixed(root, []byte("i/"))
	fk := append([]byte{'f'}, key...)
	old, err := db.Get(fk)
	if err != nil || old == nil {
		t.Fatalf("fast node of %s: %v (%d bytes)", key, err, len(old))
	}
	ver, n := varint.Varint(old)
	if n <= 0 {
		t.Fatalf("fast node of %s: bad version", key)
	}
	nv := varint.AppendVarint(nil, ver)
	nv = varint.AppendUvarint(nv, uint64(len(value)))
	nv = append(nv, value...)
	if err := db.SetSync(fk, nv); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, want int, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("govchain %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, stderr.String())
	}
	return out
}

// TestAuditCompareFindsFork runs two networks from one genesis (the same
// chain id, validators and keys: the second is a copy of the first's
// directories on other ports) and gives them different transactions. The
// compare command finds the first height where their headers differ by
// binary search, checked here against a linear scan, and reports the
// validators that signed both blocks of that height. (Block 1 is the same
// on both; from block 2 the headers differ at the latest by their times,
// which come from each network's own votes.)
func TestAuditCompareFindsFork(t *testing.T) {
	baseA, err := testnet.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	a, err := testnet.Create(dirA, testnet.Options{Validators: 4, BasePort: baseA, Binary: binary, TimeoutCommit: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var baseB int
	for {
		if baseB, err = testnet.FreeBasePort(4); err != nil {
			t.Fatal(err)
		}
		if baseB >= baseA+40 || baseB+40 <= baseA {
			break
		}
	}
	copyNet(t, dirA, dirB, baseA, baseB)
	b, err := testnet.Load(dirB)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*testnet.Network{a, b} {
		n := n
		t.Cleanup(func() {
			if t.Failed() {
				tailLogs(t, n)
			}
			_ = n.Stop()
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, n := range []*testnet.Network{a, b} {
		if err := n.Start(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if err := n.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// different registrations on each network
	for i, n := range []*testnet.Network{a, b} {
		k, _ := n.DeptKey(i)
		s, err := client.NewSigner(ctx, n.Client(i), n.ChainID, k)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := smcrypto.GenerateKey()
		reg, err := s.RegisterAccount(o, fmt.Sprintf("net %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(ctx, n.Client(i), identity.MsgRegisterAccount, reg, "commit"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.WaitHeight(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if err := a.WaitHeight(ctx, 8); err != nil {
		t.Fatal(err)
	}
	nodes := []string{a.Nodes[0].RPC, a.Nodes[1].RPC, b.Nodes[2].RPC}
	out := runCLI(t, 1, "audit", "compare", "--nodes", strings.Join(nodes, ","), "-o", "json")
	var rep audit.CompareReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Agree || len(rep.Divergences) != 1 || rep.Divergences[0].Node != b.Nodes[2].RPC {
		t.Fatalf("compare: %s", out)
	}
	d := rep.Divergences[0]
	// ground truth by a linear scan of both nodes' headers
	ra, rb := mustRPC(t, a, 0), mustRPC(t, b, 2)
	first := int64(0)
	for h := int64(1); h <= rep.Common && first == 0; h++ {
		ha, err := ra.Header(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		hb, err := rb.Header(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ha.Header.Hash(), hb.Header.Hash()) {
			first = h
		}
	}
	if d.Height != first || first == 0 {
		t.Fatalf("compare says the first divergent height is %d, a linear scan says %d", d.Height, first)
	}
	if d.RefHeader.Hash == d.NodeHeader.Hash {
		t.Fatal("divergent headers reported equal")
	}
	commitA, err := ra.Commit(ctx, &first)
	if err != nil {
		t.Fatal(err)
	}
	commitB, err := rb.Commit(ctx, &first)
	if err != nil {
		t.Fatal(err)
	}
	if commitA.Commit.Round == commitB.Commit.Round {
		// the same keys signed both blocks: every validator that signed
		// both commits double-signed
		both := 0
		for i := range commitA.Commit.Signatures {
			if commitA.Commit.Signatures[i].BlockIDFlag == types.BlockIDFlagCommit && commitB.Commit.Signatures[i].BlockIDFlag == types.BlockIDFlagCommit {
				both++
			}
		}
		if len(d.Equivocations) != both || both == 0 {
			t.Fatalf("%d equivocations reported, %d validators signed both commits", len(d.Equivocations), both)
		}
	}
	t.Logf("fork at height %d found in %d probes over %d common heights; %d double signers", d.Height, d.Probes, rep.Common, len(d.Equivocations))
	// the nodes of one network agree
	runCLI(t, 0, "audit", "compare", "--nodes", a.Nodes[0].RPC+","+a.Nodes[3].RPC)
}

func mustRPC(t *testing.T, n *testnet.Network, i int) *rpchttp.HTTP {
	t.Helper()
	c, err := rpchttp.New("tcp://" + n.Nodes[i].RPC)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var portRe = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// copyNet copies a created (not started) network to dst, moving every
// port p in [baseA, baseA+40) to baseB + (p - baseA) and the directory.
func copyNet(t *testing.T, src, dst string, baseA, baseB int) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(to, info.Mode())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".toml", ".json":
			b = portRe.ReplaceAllFunc(b, func(m []byte) []byte {
				port, _ := strconv.Atoi(string(m[len("127.0.0.1:"):]))
				if port >= baseA && port < baseA+40 {
					port = baseB + port - baseA
				}
				return []byte("127.0.0.1:" + strconv.Itoa(port))
			})
			b = bytes.ReplaceAll(b, []byte(src), []byte(dst))
		}
		return os.WriteFile(to, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}
