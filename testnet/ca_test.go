package testnet_test

import (
	"context"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// TestCARevocationOnNetwork: one CRL submission and every node rejects the
// revoked officer's transactions from the next block.
func TestCARevocationOnNetwork(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root, err := net.CA()
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	cert, der, err := root.Issue(ca.Request{Kind: ca.KindOfficer, Dept: net.Nodes[1].Dept, Name: "李强", PublicKey: officer.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := net.DeptKey(1)
	as, err := client.NewSigner(ctx, net.Client(1), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	adm, err := as.AdmitCert(officer, der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.Send(ctx, net.Client(1), identity.MsgAdmitCert, adm, "commit"); err != nil {
		t.Fatal(err)
	}
	// before revocation every node authenticates the officer (its admin-only
	// request then fails on permission, tx/12)
	probe := func(i int, seq uint64) (uint32, string) {
		s := &client.Signer{ChainID: net.ChainID, Key: officer}
		s.Rewind(seq)
		raw, _ := s.Build(identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: officer.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "probe"})
		r, err := net.Client(i).Submit(ctx, raw, "sync")
		if err != nil {
			t.Fatal(err)
		}
		return r.Code, r.Codespace
	}
	for i := range net.Nodes {
		if code, space := probe(i, 1); code != 12 || space != "tx" {
			t.Fatalf("node %d before revocation: %s/%d, want tx/12", i, space, code)
		}
	}
	crl, err := root.Revoke(ca.Serial(cert.SerialNumber), 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// the CRL is carried by another department: the CA's signature is what counts
	other, _ := net.DeptKey(3)
	os, err := client.NewSigner(ctx, net.Client(3), net.ChainID, other)
	if err != nil {
		t.Fatal(err)
	}
	res, err := os.Send(ctx, net.Client(3), identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	if err := net.WaitHeight(ctx, res.Height+1); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		if code, space := probe(i, 1); code != 13 || space != "tx" {
			t.Fatalf("node %d after revocation at %d: %s/%d, want tx/13 (signer not active)", i, res.Height, space, code)
		}
		a, err := net.Client(i).Account(ctx, officer.PublicKey().ID())
		if err != nil || a.Account.Status != identity.StatusRevoked || a.Account.StatusHeight != res.Height {
			t.Fatalf("node %d account: %+v %v", i, a, err)
		}
	}
}
