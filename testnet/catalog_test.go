package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogdemo"
	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/testnet"
)

// TestCatalogOnFourNodes loads the sample catalog of four departments with
// the demo seeder on a 4-validator network, then drives the binary: a
// department writing another's resource is refused and changes nothing, a
// conditional request is approved only by its provider, delivered,
// acknowledged and revoked, every node proves the same answers, and the
// export of a department equals the files it imported.
func TestCatalogOnFourNodes(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var seedOut bytes.Buffer
	if err := catalogdemo.Seed(ctx, net.DemoNet(), &seedOut); err != nil {
		t.Fatalf("seed: %v\n%s", err, seedOut.String())
	}
	t.Logf("seeder:\n%s", seedOut.String())
	demo := catalogdemo.Last
	sample, err := catalogdemo.SampleDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, dept := range []string{"ZWFW", "SCJG", "RSJ", "WJW"} {
		rows, _, err := catalogio.ReadCSVDir(filepath.Join(sample, dept))
		if err != nil {
			t.Fatal(err)
		}
		c, _ := catalogio.Parse(rows, dept)
		if demo.Resources[dept] != len(c.Resources) || len(c.Resources) == 0 {
			t.Fatalf("%s: seeded %d resources, sample has %d", dept, demo.Resources[dept], len(c.Resources))
		}
	}

	run := func(nodeIdx int, args ...string) ([]byte, error) {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", net.Nodes[nodeIdx].API, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Logf("govchain %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out, err
	}
	ok := func(nodeIdx int, args ...string) []byte {
		t.Helper()
		out, err := run(nodeIdx, args...)
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	refused := func(code uint32, mention string, nodeIdx int, args ...string) node.SubmitResult {
		t.Helper()
		out, err := run(nodeIdx, args...)
		var r node.SubmitResult
		if err == nil || json.Unmarshal(out, &r) != nil || r.Codespace != catalog.Name || r.Code != code || !strings.Contains(r.Log, mention) {
			t.Fatalf("govchain %s: want catalog/%d mentioning %q, got err=%v %s", strings.Join(args, " "), code, mention, err, out)
		}
		return r
	}
	key := func(i int) string { return filepath.Join(net.Nodes[i].Home, "keys", "dept.pem") }
	const zwfw, scjg, rsj, wjw = 0, 1, 2, 3

	type resourceAnswer struct {
		Height    int64
		AppHash   []byte `json:"app_hash"`
		Verified  string
		BlockTime string `json:"block_time"`
		Data      catalog.ResourceView
	}
	// --- a department cannot write another department's entries ---
	var before resourceAnswer
	catDecode(t, ok(scjg, "catalog", "show", "resource", "110108-SCJG-0001", "--prove"), &before)
	var res catalog.Resource
	if err := before.Data.Resource.Decode(&res); err != nil || res.Provider != "SCJG" || before.Verified == "" {
		t.Fatalf("resource before: %+v %v", before, err)
	}
	forged := res.ResourceMsg
	forged.Name = "ZWFW 改写的企业登记信息"
	forged.Duties = []string{"ZWFW-ZZ-001"}
	file := filepath.Join(t.TempDir(), "forged.json")
	b, _ := json.Marshal(forged)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	refused(catalog.ErrOtherDept.Code, "belongs to SCJG", zwfw, "catalog", "resource", "--key", key(zwfw), "--file", file)
	// on SCJG's own node too: the rule is the chain's, not the node's
	refused(catalog.ErrOtherDept.Code, "belongs to SCJG", scjg, "catalog", "resource", "--key", key(zwfw), "--file", file)
	// a table over SCJG's resource signed by RSJ
	refused(catalog.ErrOtherDept.Code, "belongs to SCJG", rsj, "catalog", "table", "--key", key(rsj), "--system", "x", "--database", "y",
		"--table", "z", "--resource", "110108-SCJG-0001", "--schema-sm3", strings.Repeat("ab", 32), "--column", "企业.统一社会信用代码=c")
	var after resourceAnswer
	catDecode(t, ok(wjw, "catalog", "show", "resource", "110108-SCJG-0001", "--prove"), &after)
	var res2 catalog.Resource
	_ = after.Data.Resource.Decode(&res2)
	if res2.Version != 1 || res2.Name != res.Name || after.Verified == "" {
		t.Fatalf("SCJG's resource changed: v%d %s", res2.Version, res2.Name)
	}
	// the dry run of a sheet holding SCJG rows reports them, line by line
	mixed := t.TempDir()
	for _, s := range catalogio.Sheets {
		data, err := os.ReadFile(filepath.Join(sample, "SCJG", s.File))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mixed, s.File), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(zwfw, "catalog", "import", "--key", key(zwfw), "--dir", mixed, "--dry-run")
	var rep struct {
		Problems []catalogio.Problem
	}
	if err == nil || json.Unmarshal(out, &rep) != nil || len(rep.Problems) == 0 || rep.Problems[0].Where != "duties.csv line 2" ||
		!strings.Contains(rep.Problems[0].Reason, "belongs to SCJG") {
		t.Fatalf("dry run of SCJG's sheets by ZWFW: err=%v %s", err, out)
	}

	// --- sharing: conditional request approved by its provider only ---
	id := demo.Conditional
	refused(catalog.ErrOtherDept.Code, "only the provider RSJ", zwfw, "catalog", "share", "approve", id, "--key", key(zwfw))
	refused(catalog.ErrOtherDept.Code, "only the provider RSJ", wjw, "catalog", "share", "approve", id, "--key", key(wjw))
	var approved node.SubmitResult
	catDecode(t, ok(rsj, "catalog", "share", "approve", id, "--key", key(rsj), "--reason", "同意，限企业开办核验"), &approved)
	batch := filepath.Join(t.TempDir(), "batch.csv")
	if err := os.WriteFile(batch, []byte("单位社保编号,统一社会信用代码,缴费状态\nS0001,91110108MA0000001X,正常\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var delivered node.SubmitResult
	catDecode(t, ok(rsj, "catalog", "share", "deliver", id, "--key", key(rsj), "--rows", "1", "--batch", batch), &delivered)
	caughtUp(ctx, t, net, rsj)
	refused(catalog.ErrOtherDept.Code, "only the requester ZWFW", rsj, "catalog", "share", "ack", delivered.Data, "--key", key(rsj), "--rows", "1", "--batch", batch)
	ok(zwfw, "catalog", "share", "ack", delivered.Data, "--key", key(zwfw), "--rows", "1", "--batch", batch)
	// the not-shared request stays rejected whatever its provider does
	refused(catalog.ErrBadState.Code, "rejected", wjw, "catalog", "share", "approve", demo.NotShared, "--key", key(wjw))

	// every node proves the same state of the request at the same height
	type shareAnswer struct {
		Height   int64
		AppHash  []byte `json:"app_hash"`
		Verified string
		Data     catalog.ShareView
	}
	var s0 shareAnswer
	catDecode(t, ok(zwfw, "catalog", "share", "show", id, "--prove"), &s0)
	if err := net.WaitHeight(ctx, s0.Height+1); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		var si shareAnswer
		catDecode(t, ok(i, "catalog", "share", "show", id, "--prove", "--height", strconv.FormatInt(s0.Height, 10)), &si)
		var sh catalog.Share
		_ = si.Data.Share.Decode(&sh)
		if si.Verified == "" || !bytes.Equal(si.AppHash, s0.AppHash) || si.Data.State != catalog.ShareGranted || sh.Provider != "RSJ" || len(si.Data.Deliveries) != 1 {
			t.Fatalf("node %d: %+v", i, si)
		}
		var d catalog.Delivery
		_ = si.Data.Deliveries[0].Decode(&d)
		if d.Status != catalog.DeliveryAcknowledged || d.Rows != 1 {
			t.Fatalf("node %d delivery %+v", i, d)
		}
	}
	ok(zwfw, "catalog", "share", "revoke", id, "--key", key(zwfw), "--reason", "开办业务办结，不再需要")
	caughtUp(ctx, t, net, zwfw)
	var revoked struct {
		Verified string
		Data     []catalog.ShareEntry
	}
	catDecode(t, ok(scjg, "catalog", "share", "list", "--state", "revoked", "--prove"), &revoked)
	if len(revoked.Data) != 1 || revoked.Verified == "" {
		t.Fatalf("revoked list %+v", revoked)
	}
	var hist struct {
		Verified string
		Data     []catalog.Entry
	}
	catDecode(t, ok(wjw, "catalog", "history", "share", id, "--prove"), &hist)
	if len(hist.Data) != 3 || hist.Verified == "" { // pending, granted, revoked
		t.Fatalf("history of %s: %d versions", id, len(hist.Data))
	}

	// the duty -> resource -> table chain, proven
	var ch struct {
		Verified string
		Data     catalog.ItemChain
	}
	catDecode(t, ok(rsj, "catalog", "chain", "企业.统一社会信用代码", "--prove"), &ch)
	if ch.Verified == "" || ch.Data.Source == nil || ch.Data.Source.Key != "catalog/resource/110108-SCJG-0001" || len(ch.Data.Duties) != 1 ||
		len(ch.Data.Tables) == 0 || len(ch.Data.References) < 10 || len(ch.Data.Attestations) != 1 {
		t.Fatalf("chain: verified=%q source=%v duties=%d tables=%d refs=%d attest=%d", ch.Verified, ch.Data.Source, len(ch.Data.Duties), len(ch.Data.Tables), len(ch.Data.References), len(ch.Data.Attestations))
	}

	// export from another node gives back the imported files
	exp := t.TempDir()
	ok(wjw, "catalog", "export", "--dept", "RSJ", "--dir", exp, "--prove")
	for _, s := range catalogio.Sheets {
		want, _ := os.ReadFile(filepath.Join(sample, "RSJ", s.File))
		got, _ := os.ReadFile(filepath.Join(exp, s.File))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Fatalf("export RSJ/%s differs from the imported file", s.File)
		}
	}
}

func catDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
}
