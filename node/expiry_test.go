package node

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov"
)

// The expiry watcher's index, kept up from each block's identity writes,
// answers as a scan of the whole state does, block after block, through a
// key rotation to a certificate-bound key, its expiry, a lock-out and the
// governance renewal; and it scans again when it was not following.
func TestExpiryFollowerMatchesScan(t *testing.T) {
	t0 := chaintest.Genesis0
	root, err := ca.InitRoot(filepath.Join(t.TempDir(), "root"), ca.RootOptions{District: "CY", Name: "根CA", Passphrase: []byte("p"), Now: t0.Add(-time.Hour), Validity: 40 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{gov.Module{}}, IdentityRoots: [][]byte{root.Cert.Raw}})
	var f expiryFollower
	check := func(step string) {
		t.Helper()
		view := c.View()
		if err := f.update(c.App.Store(), view); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if f.at != view.Version() {
			t.Fatalf("%s: index at %d, state at %d", step, f.at, view.Version())
		}
		now := t0.Add(time.Duration(c.Height) * time.Second)
		for _, h := range []time.Duration{10 * time.Second, DefaultExpiryHorizon, 365 * 24 * time.Hour} {
			want, err := identity.Expiring(view, now, h)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.idx.Expiring(now, h); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, horizon %s:\nindex %+v\n scan %+v", step, h, got, want)
			}
		}
	}
	c.Block()
	check("first block")
	old := c.Depts[0].Admin
	admin, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, der, err := root.Issue(ca.Request{Kind: ca.KindDepartment, Dept: "ZWFW", DeptName: "ZWFW department", Name: "ZWFW admin", PublicKey: admin.PublicKey(), NotBefore: t0, Validity: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := identity.NewRotateKey(chaintest.ChainID, "ZWFW", old.PublicKey().ID(), admin, 0, der)
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(old, identity.MsgRotateKey, rot))
	check("rotation")
	if len(f.idx.Expiring(t0.Add(10*time.Second), DefaultExpiryHorizon)) == 0 {
		t.Fatal("no warning after rotating to a certificate-bound admin key")
	}
	for c.Height < 70 {
		c.Block()
		if c.Height%7 == 0 {
			check("blocks")
		}
	}
	check("expired")
	_, der2, err := root.Issue(ca.Request{Kind: ca.KindDepartment, Dept: "ZWFW", DeptName: "ZWFW department", Name: "ZWFW admin", PublicKey: admin.PublicKey(), NotBefore: t0, Validity: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	propose := gov.Propose{Kind: gov.KindExecute, Reason: "test", Action: module.MustJSON(gov.Execute{Type: identity.MsgRenewCert, Body: module.MustJSON(identity.RenewCert{Cert: der2})})}
	r := c.MustOK(c.Tx(c.Depts[1].Admin, gov.MsgPropose, propose))
	id := string(r.Data)
	check("proposal")
	for _, i := range []int{2, 3} {
		var n uint64
		for _, ch := range id {
			n = n*10 + uint64(ch-'0')
		}
		c.MustOK(c.Tx(c.Depts[i].Admin, gov.MsgVote, gov.CastVote{ID: n, Vote: gov.VoteApprove}))
		check("vote")
	}
	// a follower that missed blocks catches up from their writes; one
	// whose version is ahead of the state (a rollback) scans again
	f.at -= 3
	check("after missed blocks")
	f.at = c.Height + 10
	check("after a rollback")
}
