package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// TestRotationUnderLoad rotates, on a 4-validator network under load, with
// the operator runbook's commands (docs/operator.md): ZWFW's admin SM2 key
// (the key its node attests blocks with), SCJG's validator consensus key,
// and RSJ's intermediate CA (its officer's certificate re-issued by the new
// CA while that officer keeps sending transactions). Throughout, every
// height's SM2 quorum certificate is verified from outside, and nothing
// restarts except, at the end, SCJG's node to check it comes back on the
// new key. A rotation to an already registered key is refused
// (identity/112).
func TestRotationUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	net := startAnchorNet(ctx, t, 0) // BL certificates, which RSJ's officer anchors
	const zwfw, scjg, rsj, wjw = 0, 1, 2, 3
	home := func(i int) string { return net.Nodes[i].Home }

	run := func(nodeIdx int, args ...string) ([]byte, error) {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--node", net.Nodes[nodeIdx].API, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Logf("govchain %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out, err
	}
	ok := func(nodeIdx int, args ...string) []byte {
		t.Helper()
		out, err := run(nodeIdx, args...)
		if err != nil {
			t.Fatalf("govchain %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	field := func(out []byte, k string) any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return m[k]
	}

	// RSJ's first intermediate CA and a certificate-bound officer
	caDir := func(n string) string { return filepath.Join(net.Dir, "ca-"+n) }
	ca1 := field(ok(rsj, "ca", "init", "--dir", caDir("rsj1"), "--parent", filepath.Join(net.Dir, "ca"), "--dept", "RSJ", "--name", "人社局 CA 1"), "key_id").(string)
	ok(rsj, "tx", "register-ca", "--home", home(rsj), "--key", "dept", "--cert", filepath.Join(caDir("rsj1"), "ca.pem"))
	ok(rsj, "keys", "create", "officer1", "--home", home(rsj))
	cert1 := filepath.Join(net.Dir, "officer1.crt")
	ok(rsj, "ca", "issue", "--dir", caDir("rsj1"), "--kind", "officer", "--dept", "RSJ", "--name", "王芳", "--key-file", "officer1", "--home", home(rsj), "--out", cert1)
	ok(rsj, "tx", "admit-cert", "--home", home(rsj), "--key", "dept", "--cert", cert1, "--new-key", "officer1")

	// load: WJW's admin registers officers, RSJ's officer anchors certificates
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		k, err := net.DeptKey(wjw)
		if err != nil {
			t.Error(err)
			return
		}
		stream(ctx, t, net, wjw, k, stop, &sent, func(s *client.Signer, x int) (string, any, error) {
			nk, _ := smcrypto.GenerateKey()
			m, err := s.RegisterAccount(nk, fmt.Sprintf("load officer %d", x))
			return identity.MsgRegisterAccount, m, err
		})
	}()
	go func() {
		defer wg.Done()
		b, err := os.ReadFile(filepath.Join(home(rsj), "keys", "officer1.pem"))
		if err != nil {
			t.Error(err)
			return
		}
		k, err := smcrypto.ParsePrivateKeyPEM(b, []byte(testnet.Passphrase))
		if err != nil {
			t.Error(err)
			return
		}
		body := "91350100MA0000002"
		c, _ := identifier.USCCCheckChar(body)
		day, until := time.Now().Format("2006-01-02"), time.Now().AddDate(4, 0, 0).Format("2006-01-02")
		stream(ctx, t, net, rsj, k, stop, &sent, func(s *client.Signer, x int) (string, any, error) {
			return certificate.MsgAnchor, certificate.Anchor{Hash: smcrypto.SM3Hex([]byte(fmt.Sprintf("rotate/%d", x))), Type: "BL", LicenceNo: fmt.Sprintf("BL-R-%d", x),
				HolderKind: identifier.HolderOrg, HolderRef: body + string(c), IssueDate: day, ValidFrom: day, ValidUntil: until}, nil
		})
	}()
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()
	waitSent := func(n int64) {
		t.Helper()
		for sent.Load() < n {
			if ctx.Err() != nil || t.Failed() {
				t.Fatalf("load stalled at %d txs", sent.Load())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitSent(20)

	// bad input: ZWFW rotates its admin key to SCJG's (registered) key
	out, err := run(zwfw, "tx", "rotate-key", "--home", home(zwfw), "--key", "dept", "--new-key", filepath.Join(home(scjg), "keys", "dept.pem"), "--overlap", "5")
	if err == nil || field(out, "codespace") != "identity" || field(out, "code") != float64(identity.ErrRotateToRegistered.Code) {
		t.Fatalf("rotation to a registered key: %v %s", err, out)
	}

	// 1. ZWFW's admin key: the node picks the new key up from keys/dept.next.pem
	oldAdmin, err := net.DeptKey(zwfw)
	if err != nil {
		t.Fatal(err)
	}
	newAdmin := field(ok(zwfw, "keys", "create", "dept.next", "--home", home(zwfw)), "key_id").(string)
	const overlap = 10
	rotAt := int64(field(ok(zwfw, "tx", "rotate-key", "--home", home(zwfw), "--key", "dept", "--new-key", "dept.next", "--overlap", fmt.Sprint(overlap)), "height").(float64))
	retireAt := rotAt + overlap

	// 2. SCJG's validator key
	vr := ok(scjg, "node", "rotate-validator", "--home", home(scjg), "--key", "dept")
	oldVal, newVal := field(vr, "old_address").(string), field(vr, "new_address").(string)
	activeFrom := int64(field(vr, "active_from").(float64))
	t.Logf("admin key of ZWFW rotated at %d (retires at the end of %d); validator of SCJG %s -> %s from height %d", rotAt, retireAt, oldVal, newVal, activeFrom)

	// 3. RSJ's new intermediate CA re-issues the officer's certificate; the
	// old CA is retired (refused while the officer still depends on it)
	waitSent(sent.Load() + 10)
	ok(rsj, "ca", "init", "--dir", caDir("rsj2"), "--parent", filepath.Join(net.Dir, "ca"), "--dept", "RSJ", "--name", "人社局 CA 2")
	ok(rsj, "tx", "register-ca", "--home", home(rsj), "--key", "dept", "--cert", filepath.Join(caDir("rsj2"), "ca.pem"))
	if out, err := run(rsj, "tx", "retire-ca", "--home", home(rsj), "--key", "dept", "--ca", ca1); err == nil || field(out, "code") != float64(identity.ErrCAInUse.Code) {
		t.Fatalf("retiring a CA in use: %v %s", err, out)
	}
	cert2 := filepath.Join(net.Dir, "officer1-2.crt")
	ok(rsj, "ca", "issue", "--dir", caDir("rsj2"), "--kind", "officer", "--dept", "RSJ", "--name", "王芳", "--key-file", "officer1", "--home", home(rsj), "--out", cert2)
	ok(rsj, "tx", "renew-cert", "--home", home(rsj), "--key", "dept", "--cert", cert2)
	ok(rsj, "tx", "retire-ca", "--home", home(rsj), "--key", "dept", "--ca", ca1)
	waitSent(sent.Load() + 10) // the officer keeps signing under the new CA

	// wait past both switches, with load
	end := max(retireAt, activeFrom) + 6
	if err := net.WaitHeight(ctx, end); err != nil {
		t.Fatal(err)
	}
	// the node promotes keys/dept.next.pem once the old key is retired
	for {
		k, err := net.DeptKey(zwfw)
		if err == nil && k.PublicKey().ID().String() == newAdmin {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("keys/dept.pem of ZWFW never became the new key %s", newAdmin)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopLoad()
	if t.Failed() {
		return
	}

	// SCJG's node restarts on the rotated validator key (promoted files)
	if err := net.StopNode(scjg, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := net.StartNode(scjg); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Client(scjg).WaitHeight(ctx, end); err != nil { // serving again: the files were promoted at start
		t.Fatal(err)
	}
	cfg, err := node.Home(home(scjg)).CometConfig()
	if err != nil {
		t.Fatal(err)
	}
	if a := privval.LoadFilePVEmptyState(cfg.PrivValidatorKeyFile(), "").GetAddress().String(); a != newVal {
		t.Fatalf("after restart priv_validator_key.json is %s, want %s", a, newVal)
	}
	top, err := net.Client(zwfw).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := top.Height + 4
	if err := net.WaitHeight(ctx, last+1); err != nil {
		t.Fatal(err)
	}

	// every height's SM2 QC verifies, from outside, against the headers,
	// CometBFT's validator sets and the identity registry
	verifyQCs(ctx, t, net, wjw, 1, last)
	c := net.Client(wjw)
	rpc, err := rpchttp.New("tcp://" + net.Nodes[wjw].RPC)
	if err != nil {
		t.Fatal(err)
	}
	var newAdminSeen, newValSigned, maxRound int
	for h := int64(1); h <= last; h++ {
		r, err := c.State(ctx, string(chain.AttestKey(h)), 0, false)
		if err != nil || !r.Found {
			t.Fatalf("QC %d: %v", h, err)
		}
		var q attest.QC
		if err := json.Unmarshal(r.Value, &q); err != nil {
			t.Fatal(err)
		}
		for _, a := range q.Attestations {
			switch {
			case a.Dept == "ZWFW" && h > retireAt && a.KeyID == oldAdmin.PublicKey().ID():
				t.Fatalf("height %d: attested by ZWFW's retired key", h)
			case a.Dept == "ZWFW" && a.KeyID.String() == newAdmin:
				if h <= rotAt {
					t.Fatalf("height %d: attested by ZWFW's new key before its rotation at %d", h, rotAt)
				}
				newAdminSeen++
			case a.Validator == oldVal && h >= activeFrom:
				t.Fatalf("height %d: attested by SCJG's old validator %s", h, oldVal)
			}
		}
		cm, err := rpc.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if h <= end {
			// before SCJG's restart: the rotations cost no height more than
			// one round (a slow proposer's timeout)
			maxRound = max(maxRound, int(cm.Commit.Round))
		}
		for _, s := range cm.Commit.Signatures {
			addr := s.ValidatorAddress.String()
			if h >= activeFrom && addr == oldVal {
				t.Fatalf("height %d committed by SCJG's old validator key", h)
			}
			if addr == newVal && s.Signature != nil {
				if h < activeFrom {
					t.Fatalf("height %d: new validator key signed before %d", h, activeFrom)
				}
				newValSigned++
			}
		}
	}
	if maxRound > 1 {
		t.Errorf("a height up to %d needed round %d", end, maxRound)
	}
	if newAdminSeen == 0 || newValSigned == 0 {
		t.Fatalf("ZWFW's new admin key attested %d heights, SCJG's new validator key signed %d commits", newAdminSeen, newValSigned)
	}
	t.Logf("heights 1..%d: every QC verified; ZWFW's new key attested %d heights, SCJG's new validator key signed %d of %d commits from %d; highest commit round up to %d: %d; %d load txs",
		last, newAdminSeen, newValSigned, last-activeFrom+1, activeFrom, end, maxRound, sent.Load())

	// the registry tells the story
	acct, err := c.Account(ctx, oldAdmin.PublicKey().ID())
	if err != nil || acct.Account.Status != identity.StatusRetired || acct.Account.RotatedTo != newAdmin {
		t.Fatalf("old ZWFW admin key: %+v %v", acct.Account, err)
	}
	// govchain status warns of what expires: the founders' admin
	// certificates (730 days), except ZWFW's, whose admin key is now a raw key
	var rep struct {
		Height int64                `json:"height"`
		Expiry *client.ExpiryReport `json:"expiry"`
	}
	if err := json.Unmarshal(ok(wjw, "status", "--horizon", "3650d"), &rep); err != nil || rep.Expiry == nil {
		t.Fatalf("status: %v %+v", err, rep)
	}
	admins := map[string]bool{}
	for _, w := range rep.Expiry.Warnings {
		if w.Kind == identity.ExpiryAdmin {
			admins[w.Dept] = true
		}
	}
	if len(admins) != 3 || admins["ZWFW"] {
		t.Fatalf("admin expiry warnings for %v: %+v", admins, rep.Expiry.Warnings)
	}
	if out := ok(wjw, "status"); bytes.Contains(out, []byte(`"kind"`)) {
		t.Fatalf("warnings within the default 30 days: %s", out)
	}
	// and exports the gauges (refreshed once the height moves)
	for {
		b, err := httpGet(ctx, "http://"+net.Nodes[wjw].Prom+"/metrics")
		if err == nil && bytes.Contains(b, []byte(`govchain_expiring{kind="admin"} 0`)) && bytes.Contains(b, []byte(`govchain_expired{kind="cert"} 0`)) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no expiry gauges at %s: %v", net.Nodes[wjw].Prom, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

// stream sends msg(x) for x = 0, 1, ... signed by k to node i until stop
// is closed, counting accepted txs; a full mempool is waited out, any other
// refusal fails the test.
func stream(ctx context.Context, t *testing.T, net *testnet.Network, i int, k *smcrypto.PrivateKey, stop <-chan struct{}, sent *atomic.Int64, msg func(*client.Signer, int) (string, any, error)) {
	cl := net.Client(i)
	s, err := client.NewSigner(ctx, cl, net.ChainID, k)
	if err != nil {
		t.Error(err)
		return
	}
	for x := 0; ; x++ {
		select {
		case <-stop:
			return
		default:
		}
		typ, m, err := msg(s, x)
		if err != nil {
			t.Error(err)
			return
		}
		raw, err := s.Build(typ, m)
		if err != nil {
			t.Error(err)
			return
		}
		for {
			r, err := cl.Submit(ctx, raw, "sync")
			if err == nil && r.Code == 0 {
				sent.Add(1)
				time.Sleep(20 * time.Millisecond) // steady load, not a flood: the machine is shared
				break
			}
			if ctx.Err() != nil {
				return
			}
			if full := (err != nil && strings.Contains(err.Error(), "mempool is full")) || (r != nil && strings.Contains(r.Log, "mempool is full")); full {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			t.Errorf("node %d, %s %d: %v %+v", i, typ, x, err, r)
			return
		}
	}
}
