package fabricnet_test

import (
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/testnet/fabricnet"
)

// TestCommittedCryptoIsLowS: every committed certificate verifies against
// its issuer and carries a low-S signature (Fabric v2.1 rejects high-S
// certificates under current Go).
func TestCommittedCryptoIsLowS(t *testing.T) {
	half := new(big.Int).Rsh(elliptic.P256().Params().N, 1)
	n := 0
	err := filepath.WalkDir(fabricnet.Crypto(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".pem") || strings.HasSuffix(path, ".crt")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return err
		}
		var sig struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(c.Signature, &sig); err != nil {
			return err
		}
		if sig.S.Cmp(half) > 0 {
			t.Errorf("%s: high-S signature", path)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d certificates found under %s", n, fabricnet.Crypto())
	}
}

// TestNetworkRunsLicenceChaincode starts the orderer, the peer and the
// chaincode (external builder, no Docker) and anchors a licence.
func TestNetworkRunsLicenceChaincode(t *testing.T) {
	if _, err := fabricnet.Bin(); err != nil {
		t.Skipf("SKIPPING the Fabric network test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, err := fabricnet.Start(ctx, t.TempDir())
	if n != nil {
		defer n.Stop()
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := n.Invoke(ctx, "anchor", `{"hash":"`+strings.Repeat("ab", 32)+`","type":"BL","licence_no":"津BL-1","issue_date":"2026-01-01"}`)
	if err != nil {
		t.Fatalf("%v\n%s", err, n.Logs())
	}
	t.Logf("invoke: %s", out)
	got, err := n.Query(ctx, "get", strings.Repeat("ab", 32))
	if err != nil || !strings.Contains(got, `"issuer":"TJSCJGMSP"`) || !strings.Contains(got, `"status":"valid"`) {
		t.Fatalf("query: %q %v", got, err)
	}
}

// Fixture is contracts/recognition/testdata/fabric/licence.json: blocks of
// the licence chaincode as the peer committed them, with the network's CA
// certificates and (test) keys so tests can re-seal tampered blocks.
type Fixture struct {
	Hash    string            `json:"hash"`
	Channel string            `json:"channel"`
	Blocks  map[string][]byte `json:"blocks"` // anchor, attest_valid, revoke, attest_revoked
	PEM     map[string]string `json:"pem"`    // certificates and keys by role
}

// TestRecordFabricFixtures re-records the fixture (GOVCHAIN_RECORD_FABRIC_FIXTURES=1).
func TestRecordFabricFixtures(t *testing.T) {
	if os.Getenv("GOVCHAIN_RECORD_FABRIC_FIXTURES") == "" {
		t.Skip("set GOVCHAIN_RECORD_FABRIC_FIXTURES=1 to re-record contracts/recognition/testdata/fabric/licence.json")
	}
	if _, err := fabricnet.Bin(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, err := fabricnet.Start(ctx, t.TempDir())
	if n != nil {
		defer n.Stop()
	}
	if err != nil {
		t.Fatal(err)
	}
	hash := "5b1f3c1ea5c65ff3f2f0c3a4d0e8c4a9a7d2b1e0f9c8d7e6f5a4b3c2d1e0f9a8"
	f := Fixture{Hash: hash, Channel: fabricnet.Channel, Blocks: map[string][]byte{}, PEM: map[string]string{}}
	steps := []struct {
		name string
		args []string
	}{
		{"anchor", []string{"anchor", `{"hash":"` + hash + `","type":"BL","licence_no":"津BL-FAB-0001","holder_kind":"org","holder_ref":"91350100M000100Y43","issue_date":"2026-01-01","valid_from":"2026-01-01","valid_until":"2030-12-31"}`}},
		{"attest_valid", []string{"attest", hash}},
		{"revoke", []string{"revoke", hash, "04"}},
		{"attest_revoked", []string{"attest", hash}},
	}
	for _, s := range steps {
		if _, err := n.Invoke(ctx, s.args...); err != nil {
			t.Fatalf("%s: %v\n%s", s.name, err, n.Logs())
		}
		h, err := n.Height(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Blocks[s.name], err = n.LedgerBlock(ctx, h-1); err != nil {
			t.Fatal(err)
		}
	}
	peer := filepath.Join(fabricnet.PeerOrg(), "peers", "peer0.scjg.tianjin.example", "msp")
	ord := filepath.Join(fabricnet.OrdererOrg(), "orderers", "orderer0.orderer.tianjin.example", "msp")
	for role, path := range map[string]string{
		"peer_ca_cert":    filepath.Join(fabricnet.PeerOrg(), "ca", "ca.scjg.tianjin.example-cert.pem"),
		"peer_ca_key":     filepath.Join(fabricnet.PeerOrg(), "ca", "priv_sk"),
		"peer_cert":       filepath.Join(peer, "signcerts", "peer0.scjg.tianjin.example-cert.pem"),
		"peer_key":        filepath.Join(peer, "keystore", "priv_sk"),
		"client_cert":     filepath.Join(fabricnet.UserMSP("Admin"), "signcerts", "Admin@scjg.tianjin.example-cert.pem"),
		"client_key":      filepath.Join(fabricnet.UserMSP("Admin"), "keystore", "priv_sk"),
		"orderer_ca_cert": filepath.Join(fabricnet.OrdererOrg(), "ca", "ca.orderer.tianjin.example-cert.pem"),
		"orderer_cert":    filepath.Join(ord, "signcerts", "orderer0.orderer.tianjin.example-cert.pem"),
		"orderer_key":     filepath.Join(ord, "keystore", "priv_sk"),
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f.PEM[role] = string(b)
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(fabricnet.Root(), "..", "..", "contracts", "recognition", "testdata", "fabric", "licence.json")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", dst)
}
