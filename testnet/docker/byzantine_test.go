package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/node"
)

// startTwin runs a second node with validator k's consensus key (a copy of
// its home with a fresh node key, an empty data/ and a fresh
// priv_validator_state.json: nothing stops it from signing what node k
// signed), the way an operator double-signs by starting a standby copy of
// a validator beside the live one. It joins through the network's api
// bridge, block-syncs and then votes beside node k. It returns the
// container's name; stopTwin removes it.
func startTwin(t *testing.T, net *Network, k int) string {
	t.Helper()
	src := node.Home(net.Nodes[k].Home)
	home := filepath.Join(net.Dir, fmt.Sprintf("twin%d", k))
	if err := copyHome(string(src), home); err != nil {
		t.Fatal(err)
	}
	h := node.Home(home)
	if err := os.MkdirAll(h.Path("data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.Path("data", "priv_validator_state.json"), []byte(`{"height":"0","round":0,"step":0}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(h.Path("config", "node_key.json")); err != nil {
		t.Fatal(err)
	}
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile()); err != nil {
		t.Fatal(err)
	}
	var peers []string
	for _, nd := range net.Nodes {
		peers = append(peers, fmt.Sprintf("%s@%s:%d", nd.NodeID, nd.Service, P2PPort))
	}
	if err := node.SetPeers(h, peers); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s-twin%d", net.Project, k)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Docker(ctx, "run", "-d", "--name", name, "--hostname", fmt.Sprintf("twin%d", k),
		"--network", net.Project+"_api", "--user", net.User, "--env-file", filepath.Join(net.Dir, PassphraseEnvFile),
		"-v", home+":/govchain", net.Image, "node", "start", "--home", "/govchain"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if t.Failed() {
			logs, _ := Docker(ctx, "logs", "--tail", "25", name)
			t.Logf("--- last lines of %s ---\n%s", name, logs)
		}
		_, _ = Docker(ctx, "rm", "-f", name)
	})
	return name
}

// signedAppHash reads, from node i's CometBFT RPC, the header at height
// h+1 and its commit, verifies the commit against the validator set of
// h+1 (more than 2/3 of the power signed that header) and returns the app
// hash it carries: the root of the state after height h.
func signedAppHash(ctx context.Context, net *Network, i int, h int64) ([]byte, error) {
	c, err := rpchttp.New(net.RPCURL(i))
	if err != nil {
		return nil, err
	}
	next := h + 1
	com, err := c.Commit(ctx, &next)
	if err != nil {
		return nil, err
	}
	vr, err := c.Validators(ctx, &next, nil, nil)
	if err != nil {
		return nil, err
	}
	vals := cmttypes.NewValidatorSet(vr.Validators)
	if got := vals.Hash(); string(got) != string(com.Header.ValidatorsHash) {
		return nil, fmt.Errorf("validator set of %d hashes to %X, header says %X", next, got, com.Header.ValidatorsHash)
	}
	if err := vals.VerifyCommitLight(net.ChainID, com.Commit.BlockID, next, com.Commit); err != nil {
		return nil, fmt.Errorf("commit of %d: %w", next, err)
	}
	if com.Commit.BlockID.Hash.String() != com.Header.Hash().String() {
		return nil, fmt.Errorf("commit of %d signs block %s, header hashes to %s", next, com.Commit.BlockID.Hash, com.Header.Hash())
	}
	return com.Header.AppHash, nil
}

// waitValidators waits until every node reports n validators.
func waitValidators(t *testing.T, net *Network, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok := true
		for i := range net.Nodes {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s, err := net.Client(i).Status(ctx)
			cancel()
			ok = ok && err == nil && s.Validators == n
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes do not all report %d validators after %s", n, within)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestByzantineDoubleSign runs a second copy of department ZJW's validator
// (node 4 of 5) with the same consensus key. The two sign conflicting
// votes; CometBFT turns them into duplicate-vote evidence and commits it;
// the app records it (id/evidence/<address>/...) and sets the validator's
// power to 0 in that block. The test proves the record from outside (ICS23
// up to an app hash in a header whose commit verifies against the
// validator set), checks the department keeps its rights (its admin's txs
// still commit), then stops the twin and reinstates the validator by a
// governance proposal. Five validators: with four, the three left after
// the jailing would each hold 1/3 and governance refuses such a set.
func TestByzantineDoubleSign(t *testing.T) {
	net := up(t, 5)
	r := &result{Scenario: "Byzantine: a validator double-signs (twin with its key), governance reinstates",
		Note: "stall: longest gap from the twin's start to the reinstated set; recovery: twin start → evidence on chain and power 0"}
	record(t, r)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 10, progressLimit)
	ctx := bg(t)
	const k = 4
	dept := net.Nodes[k].Dept
	d0, err := net.Client(0).State(ctx, string(identity.DeptKey(dept)), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var before identity.Department
	if err := json.Unmarshal(d0.Value, &before); err != nil || before.Validator == nil {
		t.Fatalf("department %s: %s (%v)", dept, d0.Value, err)
	}
	addr := fmt.Sprintf("%X", cmtAddress(before.Validator.PubKey))

	fault := time.Now()
	r.Baseline = mon.interval(time.Time{}, fault)
	twin := startTwin(t, net, k)
	// the evidence record appears on chain
	var ev identity.Evidence
	var evKey string
	var evHeight int64
	deadline := time.Now().Add(progressLimit)
	for evKey == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no evidence against %s (%s) on chain %s after the twin started", dept, addr, progressLimit)
		}
		time.Sleep(500 * time.Millisecond)
		l, err := net.Client(0).List(ctx, string(identity.EvidencePrefix(addr)), "", 10)
		if err != nil || len(l.Entries) == 0 {
			continue
		}
		evKey, evHeight = l.Entries[0].Key, l.Height
		if err := json.Unmarshal(l.Entries[0].Value, &ev); err != nil {
			t.Fatal(err)
		}
	}
	r.Recovery = time.Since(fault)
	t.Logf("evidence %s: %+v", evKey, ev)
	if ev.Dept != dept || ev.Kind != identity.EvidenceDuplicateVote || ev.PowerBefore != 10 || ev.PowerAfter != 0 {
		t.Fatalf("evidence record %+v: want %s's duplicate vote, power 10 → 0", ev, dept)
	}
	// proven from outside: ICS23 proof of the record up to the app hash in
	// a header the validators signed (read from another node than the one
	// that served the proof)
	sr, err := net.Client(1).State(ctx, evKey, evHeight, true)
	if err != nil {
		t.Fatal(err)
	}
	if !sr.Found || sr.Proof == nil {
		t.Fatalf("node 1 has no evidence %s at %d", evKey, evHeight)
	}
	if err := sr.Proof.Verify(sr.AppHash); err != nil {
		t.Fatalf("evidence proof: %v", err)
	}
	if _, err := net.Client(2).WaitHeight(ctx, evHeight+1); err != nil {
		t.Fatal(err)
	}
	signed, err := signedAppHash(ctx, net, 2, evHeight)
	if err != nil {
		t.Fatal(err)
	}
	if string(signed) != string(sr.AppHash) {
		t.Fatalf("proof is to app hash %X; the signed header %d carries %X", sr.AppHash, evHeight+1, signed)
	}
	// power 0 at once: the set shrinks two blocks later (CometBFT's rule)
	waitValidators(t, net, 4, progressLimit)
	var after identity.Department
	d1, err := net.Client(0).State(ctx, string(identity.DeptKey(dept)), 0, false)
	if err != nil || json.Unmarshal(d1.Value, &after) != nil {
		t.Fatalf("department %s: %v", dept, err)
	}
	if after.Status != identity.StatusActive || after.Validator.Power != 0 {
		t.Fatalf("department %s after the evidence: status %s power %d; want active, 0", dept, after.Status, after.Validator.Power)
	}
	// the chain goes on, and the department's own txs still commit
	h := top(net, all(net)...)
	blocksContinue(t, net, others(net, k), 3, progressLimit)
	for deadline := time.Now().Add(progressLimit); !ld.ackedBy(k, h); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no tx of %s acknowledged above %d after its validator lost its power", dept, h)
		}
	}
	// the operator stops the copy; governance gives the power back
	if _, err := Docker(ctx, "rm", "-f", twin); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(gov.SetValidator{Code: dept, Power: 10})
	res := govSend(t, ctx, net, 0, gov.MsgPropose, gov.Propose{Kind: gov.KindSetValidator, Action: raw, Reason: "double signing: standby copy removed"})
	id := proposalID(t, res.Data)
	for _, v := range []int{1, 2, 3} {
		if _, err := net.Client(v).WaitHeight(ctx, res.Height); err != nil {
			t.Fatal(err)
		}
		govSend(t, ctx, net, v, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove})
	}
	waitValidators(t, net, 5, progressLimit)
	blocksContinue(t, net, all(net), 3, progressLimit)
	r.Stall = mon.stall(fault, time.Now())
	time.Sleep(2 * time.Second)
	acks := ld.stop()
	r.Acked = len(acks)
	r.Height, r.Lost = verify(t, net, acks)

	// the explorer lists the record; the audit re-derives it from the
	// blocks (a replay whose app hash matches every signed header) and
	// reports the equivocation
	var dept0 struct {
		Evidence []identity.Evidence `json:"evidence"`
	}
	runJSON(t, &dept0, "explore", "dept", dept, "--node", net.Nodes[1].API, "--rpc", net.Nodes[1].RPC)
	if len(dept0.Evidence) == 0 || dept0.Evidence[0].Validator != addr {
		t.Fatalf("explore dept %s shows evidence %+v", dept, dept0.Evidence)
	}
	var rep struct {
		OK            bool `json:"ok"`
		Equivocations []struct {
			Validator string `json:"validator"`
		} `json:"equivocations"`
	}
	runJSON(t, &rep, "audit", "--node", net.Nodes[2].API, "--rpc", net.Nodes[2].RPC, "--no-progress")
	if !rep.OK || len(rep.Equivocations) == 0 || !strings.EqualFold(rep.Equivocations[0].Validator, addr) {
		t.Fatalf("audit: ok %v, equivocations %+v; want ok and %s's", rep.OK, rep.Equivocations, addr)
	}
}

// runJSON runs the suite's govchain binary with -o json and decodes its
// output into out.
func runJSON(t *testing.T, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append(args, "-o", "json")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// copyHome copies a node's home but its data/ (the chain and app state,
// the signing state).
func copyHome(src, dst string) error {
	return filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "data" {
			return filepath.SkipDir
		}
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
}

func cmtAddress(pub []byte) []byte { return ed25519.PubKey(pub).Address() }

func proposalID(t *testing.T, data string) uint64 {
	t.Helper()
	id, err := strconv.ParseUint(data, 10, 64)
	if err != nil {
		t.Fatalf("proposal id %q: %v", data, err)
	}
	return id
}

// ackedBy reports whether signer i has a tx acknowledged above height h.
func (l *load) ackedBy(i int, h int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.acks {
		if a.signer == i && a.height > h {
			return true
		}
	}
	return false
}
