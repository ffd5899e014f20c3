package testnet_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// TestUpgradeAtHeight: four validators under load run version A (the
// release build); an upgrade plan passes through the CLI (policy ALL); at
// its height every node halts before executing the block, naming the plan
// and the release; restarted with version B (the same source built with
// -tags upgradetest, which registers the plan's migration), three of them
// migrate the state and carry on, agreeing on the app hash, while the
// fourth, left on A, refuses to start; started on B it catches up. Every
// certificate whose anchoring was acknowledged (committed) is on every
// node afterwards.
func TestUpgradeAtHeight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	binB := buildB(t)
	sum := fileSHA256(t, binB)
	net := startAnchorNet(ctx, t, 0)
	binA := net.Binary

	// officers anchor certificates on nodes 0-2 all along (5 txs a round,
	// the last waiting for its block: a committed sequence number means
	// every earlier one of that signer is committed too)
	officers := make([]*smcrypto.PrivateKey, 4)
	for d := range officers {
		officers[d] = registerOfficer(ctx, t, net, d)
	}
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for d := range officers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := anchorUntil(ctx, net, d, officers[d], stop)
			mu.Lock()
			defer mu.Unlock()
			acked = append(acked, got...)
		}()
	}

	// the plan, through the CLI as docs/operator.md shows it
	s, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Height + 30
	cli := func(bin string, node int, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--node", net.Nodes[node].API, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	key := func(i int) string { return filepath.Join(net.Nodes[i].Home, "keys", "dept.pem") }
	var sub struct{ Data string }
	if err := json.Unmarshal(cli(binA, 0, "gov", "propose", "upgrade", "example-v2", "--height", strconv.FormatInt(h, 10), "--binary", binB,
		"--notes", "worked example: renewal notices on certificate types", "--key", key(0)), &sub); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 4; i++ {
		cli(binA, i, "gov", "vote", sub.Data, "approve", "--key", key(i))
	}
	var st upgrade.Status
	if err := json.Unmarshal(cli(binA, 0, "query", "upgrade"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Pending == nil || st.Pending.Name != "example-v2" || st.Pending.Height != h || st.Pending.SHA256 != sum {
		t.Fatalf("pending plan: %+v (want example-v2 at %d, %s)", st.Pending, h, sum)
	}
	if m := metrics(ctx, t, net, 0); !strings.Contains(m, fmt.Sprintf(`govchain_upgrade_pending_height{plan="example-v2"} %d`, h)) {
		t.Fatalf("no pending-plan gauge in the metrics:\n%s", grepLines(m, "govchain_upgrade"))
	}

	// at the height every node of version A halts: the process exits
	// after committing h-1, naming the plan and the release
	for i := range net.Nodes {
		waitExit(ctx, t, net, i)
		log := nodeLog(t, net, i)
		if !strings.Contains(log, `UPGRADE NEEDED: plan "example-v2" is scheduled at height `+strconv.FormatInt(h, 10)) || !strings.Contains(log, sum) {
			t.Fatalf("node %d log lacks the upgrade message:\n%s", i, tail(log))
		}
	}

	// version B on nodes 0-2: they migrate and continue
	net.Binary = binB
	for i := 0; i < 3; i++ {
		if err := net.StartNode(i); err != nil {
			t.Fatal(err)
		}
	}
	// version A on node 3 refuses to start
	net.Binary = binA
	before := len(nodeLog(t, net, 3))
	if err := net.StartNode(3); err != nil {
		t.Fatal(err)
	}
	waitExit(ctx, t, net, 3)
	if log := nodeLog(t, net, 3)[before:]; !strings.Contains(log, `UPGRADE NEEDED: plan "example-v2"`) || strings.Contains(log, "govchain node started") {
		t.Fatalf("node 3 on version A did not refuse to start:\n%s", tail(log))
	}
	if err := net.WaitHeight(ctx, h+5); err != nil {
		t.Fatal(err)
	}
	agree(ctx, t, net, h)
	// the state of h is B's: the migration ran in it, the plan is applied
	for i := 0; i < 3; i++ {
		c := net.Client(i)
		if r, err := c.State(ctx, string(upgrade.VersionKey(certificate.Name)), h-1, false); err != nil || r.Found {
			t.Fatalf("node %d: version/certificate at %d: %+v %v", i, h-1, r, err)
		}
		if r, err := c.State(ctx, string(upgrade.VersionKey(certificate.Name)), h, true); err != nil || string(r.Value) != "2" || r.Proof.Verify(r.AppHash) != nil {
			t.Fatalf("node %d: version/certificate at %d: %+v %v", i, h, r, err)
		}
		ty, err := c.State(ctx, string(certificate.TypeKey("BL")), h, false)
		if err != nil || !strings.Contains(string(ty.Value), `"renewal_notice_days":30`) {
			t.Fatalf("node %d: BL type after the migration: %s %v", i, ty.Value, err)
		}
	}
	// the signed headers carry the app version from h+1 on
	rpc := rpcClient(t, net, 0)
	for _, hh := range []int64{h, h + 1} {
		b, err := rpc.Block(ctx, &hh)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int64]uint64{h: 1, h + 1: 2}[hh]; b.Block.Header.Version.App != want {
			t.Fatalf("header %d: app version %d, want %d", hh, b.Block.Header.Version.App, want)
		}
	}
	if err := json.Unmarshal(cli(binB, 0, "query", "upgrade"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Pending != nil || len(st.Applied) != 1 || st.Applied[0].Height != h || len(st.History) != 2 || st.Versions[upgrade.App] != 2 || st.Versions[certificate.Name] != 2 {
		t.Fatalf("after the upgrade: %+v", st)
	}
	if m := metrics(ctx, t, net, 0); strings.Contains(m, "govchain_upgrade_pending_height{") {
		t.Fatalf("the gauge still shows a pending plan:\n%s", grepLines(m, "govchain_upgrade"))
	}

	// node 3 on version B catches up through the upgrade
	if err := net.WaitHeight(ctx, h+10); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	net.Binary = binB
	if err := net.StartNode(3); err != nil {
		t.Fatal(err)
	}
	top, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	agree(ctx, t, net, top.Height)
	got := acked // the loads have ended
	if len(got) == 0 {
		t.Fatal("no anchoring was acknowledged")
	}
	for i := range net.Nodes {
		for _, hash := range got {
			r, err := net.Client(i).State(ctx, string(certificate.RecordKey(hash)), 0, false)
			if err != nil || !r.Found {
				t.Fatalf("node %d lost acknowledged certificate %s (%v)", i, hash, err)
			}
		}
	}
	// an auditor replays the chain from genesis with B (through the
	// migration, every app hash checked); with A it stops at the plan
	audit := func(bin string) (string, error) {
		cmd := exec.Command(bin, "audit", "--node", net.Nodes[0].API, "--to", strconv.FormatInt(h+5, 10), "--no-progress")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := audit(binB); err != nil {
		t.Fatalf("audit with version B: %v\n%s", err, tail(out))
	}
	if out, err := audit(binA); err == nil || !strings.Contains(out, `UPGRADE NEEDED: plan "example-v2"`) {
		t.Fatalf("audit with version A past the plan: %v\n%s", err, tail(out))
	}
	t.Logf("plan at height %d; %d acknowledged certificates on all 4 nodes up to height %d", h, len(got), top.Height)
}

var (
	buildBOnce sync.Once
	binBPath   string
	binBErr    error
)

// buildB builds version B: the same source with -tags upgradetest, which
// registers the example plans (node/upgrades_example.go). Once per run,
// beside version A (binary, a release build).
func buildB(t *testing.T) string {
	t.Helper()
	buildBOnce.Do(func() {
		binBPath = filepath.Join(filepath.Dir(binary), "govchain-b") // removed with TestMain's build directory
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if out, err := exec.Command(goBin, "build", "-tags", "upgradetest", "-o", binBPath, "../cmd/govchain").CombinedOutput(); err != nil {
			binBErr = fmt.Errorf("build version B: %v\n%s", err, out)
		}
	})
	if binBErr != nil {
		t.Fatal(binBErr)
	}
	return binBPath
}

// TestUpgradeMigrationFailsHalts: a plan whose migration fails (the test
// build's example-fails, which writes a key and then errs) halts the node
// at its height with the error; the state stays that of the height
// before, without the key; started again, the node halts the same way.
func TestUpgradeMigrationFailsHalts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	binB := buildB(t)
	net := startNetWith(t, testnet.Options{Validators: 1, Binary: binB})
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, net.Client(0), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	st, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := st.Height + 8
	// one department: its own approval meets ALL
	if _, err := s.Send(ctx, net.Client(0), gov.MsgPropose, gov.Propose{Kind: gov.KindUpgrade, Reason: "test",
		Action: mustRaw(gov.Upgrade{Name: "example-fails", Height: h, SHA256: fileSHA256(t, binB)})}, "commit"); err != nil {
		t.Fatal(err)
	}
	waitExit(ctx, t, net, 0)
	want := `UPGRADE FAILED: plan "example-fails" at height ` + strconv.FormatInt(h, 10) + ": example-fails: this migration always fails (test build)"
	if log := nodeLog(t, net, 0); !strings.Contains(log, want) {
		t.Fatalf("the node's log lacks %q:\n%s", want, tail(log))
	}
	untouched := func() {
		t.Helper()
		home := node.Home(net.Nodes[0].Home)
		conf, err := home.LoadConfig()
		if err != nil {
			t.Fatal(err)
		}
		store, err := state.Open(home.StateDir(), conf.StateOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		v, _ := store.LastCommit()
		view, err := store.At(v)
		if err != nil {
			t.Fatal(err)
		}
		written, _ := view.Get([]byte("upgrade/example-fails"))
		plan, _ := upgrade.Pending(view)
		if v != h-1 || written != nil || plan == nil || plan.Name != "example-fails" {
			t.Fatalf("state after the failed migration: height %d (want %d), written %q, plan %+v", v, h-1, written, plan)
		}
	}
	untouched()
	before := len(nodeLog(t, net, 0))
	if err := net.StartNode(0); err != nil {
		t.Fatal(err)
	}
	waitExit(ctx, t, net, 0)
	if log := nodeLog(t, net, 0)[before:]; !strings.Contains(log, want) {
		t.Fatalf("restarted, the node did not halt the same way:\n%s", tail(log))
	}
	untouched()
}

// registerOfficer registers an operator key of department d (committed).
func registerOfficer(ctx context.Context, t *testing.T, net *testnet.Network, d int) *smcrypto.PrivateKey {
	t.Helper()
	admin, err := net.DeptKey(d)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, net.Client(d), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(k, "upgrade load officer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, net.Client(d), "identity.register_account", reg, "commit"); err != nil {
		t.Fatal(err)
	}
	return k
}

// anchorUntil anchors BL certificates as officer k of department d through
// node d%3 until stop, riding out the nodes' halt and restart: on any
// failure it waits and reads its sequence anew. It returns the hashes whose
// anchoring was acknowledged as committed.
func anchorUntil(ctx context.Context, net *testnet.Network, d int, k *smcrypto.PrivateKey, stop <-chan struct{}) []string {
	body := "91350100MA0000002"
	cc, _ := identifier.USCCCheckChar(body)
	holder := body + string(cc)
	day := time.Now().Format("2006-01-02")
	until := time.Now().AddDate(4, 0, 0).Format("2006-01-02")
	cl := net.Client(d % 3)
	var acked []string
	var s *client.Signer
	for x := 0; ; {
		select {
		case <-stop:
			return acked
		case <-ctx.Done():
			return acked
		default:
		}
		if s == nil {
			var err error
			if s, err = client.NewSigner(ctx, cl, net.ChainID, k); err != nil {
				s = nil
				time.Sleep(200 * time.Millisecond)
				continue
			}
		}
		var round []string
		ok := true
		for j := 0; j < 5 && ok; j++ {
			x++
			h := smcrypto.SM3Hex([]byte(fmt.Sprintf("upgrade/%d/%d/%d", d, x, time.Now().UnixNano())))
			raw, err := s.Build(certificate.MsgAnchor, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: fmt.Sprintf("BL-UP-%d-%d", d, x),
				HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: day, ValidFrom: day, ValidUntil: until})
			if err != nil {
				return acked
			}
			wait := "sync"
			if j == 4 {
				wait = "commit"
			}
			r, err := cl.Submit(ctx, raw, wait)
			ok = err == nil && r.Code == 0
			round = append(round, h)
		}
		if ok {
			acked = append(acked, round...)
			continue
		}
		s = nil
		time.Sleep(200 * time.Millisecond)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitExit waits until node i's process has exited.
func waitExit(ctx context.Context, t *testing.T, net *testnet.Network, i int) {
	t.Helper()
	for net.Running(i) {
		select {
		case <-ctx.Done():
			t.Fatalf("node %d is still running: %v\n%s", i, ctx.Err(), tail(nodeLog(t, net, i)))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func nodeLog(t *testing.T, net *testnet.Network, i int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(net.Nodes[i].Home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

func metrics(ctx context.Context, t *testing.T, net *testnet.Network, i int) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+net.Nodes[i].Prom+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
