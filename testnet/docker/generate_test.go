package docker

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/node"
)

// TestGenerate checks the generated layout without Docker: homes with the
// container hostnames as external addresses, one genesis, hostname peers,
// no peer exchange, one /29 per validator pair and a compose file whose
// /etc/hosts entries point every peer at the shared link.
func TestGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	n, err := Generate(dir, Options{Validators: 4, Image: "govchain:test", BasePort: 31000, Subnet: "10.201.3.0/24", Project: "gc-test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, Options{Validators: 4, Subnet: "10.201.3.0/24"}); err == nil {
		t.Fatal("Generate overwrote an existing network")
	}
	if len(n.Links) != 6 {
		t.Fatalf("%d links for 4 validators, want 6", len(n.Links))
	}
	var genesis []byte
	for i, nd := range n.Nodes {
		h := node.Home(nd.Home)
		g, err := os.ReadFile(h.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		if genesis == nil {
			genesis = g
		} else if string(g) != string(genesis) {
			t.Fatalf("node %d has a different genesis", i)
		}
		cfg, err := h.CometConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.P2P.ExternalAddress != nd.Service+":26656" || cfg.P2P.ListenAddress != "tcp://0.0.0.0:26656" {
			t.Fatalf("node %d p2p listen %s external %s", i, cfg.P2P.ListenAddress, cfg.P2P.ExternalAddress)
		}
		if cfg.P2P.PexReactor {
			t.Fatalf("node %d has peer exchange on: it could route around a partition", i)
		}
		peers := strings.Split(cfg.P2P.PersistentPeers, ",")
		if len(peers) != 3 || strings.Contains(cfg.P2P.PersistentPeers, nd.NodeID) {
			t.Fatalf("node %d peers %q: want the 3 others", i, cfg.P2P.PersistentPeers)
		}
		for _, p := range peers {
			if !strings.HasSuffix(p, ":26656") || !strings.Contains(p, "@node") {
				t.Fatalf("node %d peer %q is not node_id@nodeN:26656", i, p)
			}
		}
		c, err := h.LoadConfig()
		if err != nil || c.APIListen != "0.0.0.0:26680" {
			t.Fatalf("node %d API listen %v %v", i, c, err)
		}
		if _, err := n.DeptKey(i); err != nil {
			t.Fatalf("node %d department key: %v", i, err)
		}
	}
	compose, err := os.ReadFile(filepath.Join(n.Dir, ComposeFile))
	if err != nil {
		t.Fatal(err)
	}
	cs := string(compose)
	for _, l := range n.Links {
		for _, end := range []int{l.A, l.B} {
			peer := l.A + l.B - end
			// end's address on the link, and the peer's hosts entry for it
			if !strings.Contains(cs, "ipv4_address: "+l.IP(end)+"\n") || !strings.Contains(cs, `"`+n.Nodes[end].Service+":"+l.IP(end)+`"`) {
				t.Fatalf("compose file lacks node %d's address %s on %s (for node %d)", end, l.IP(end), l.Key, peer)
			}
		}
		if !strings.Contains(cs, "  "+l.Key+":\n    driver: bridge\n    internal: true\n    ipam:\n      config:\n        - subnet: "+l.Subnet+"\n") {
			t.Fatalf("compose file lacks the internal network %s %s", l.Key, l.Subnet)
		}
	}
	if strings.Count(cs, `env_file: ["`+filepath.Join(n.Dir, PassphraseEnvFile)+`"]`) != 4 {
		t.Fatal("every service must read the passphrase env file")
	}
	if env, err := os.ReadFile(filepath.Join(n.Dir, PassphraseEnvFile)); err != nil || !strings.HasPrefix(string(env), "GOVCHAIN_PASSPHRASE=") {
		t.Fatalf("passphrase env file: %q %v", env, err)
	}
	if strings.Count(cs, `"127.0.0.1:`) != 8 || strings.Contains(cs, `"0.0.0.0:`) {
		t.Fatal("compose file must publish exactly the API and RPC port of each node, on 127.0.0.1 only")
	}
	// the manifest round-trips
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(m.Manifest)
	b, _ := json.Marshal(n.Manifest)
	if string(a) != string(b) {
		t.Fatalf("manifest changed on reload:\n%s\n%s", a, b)
	}
	// compose itself accepts the file, when it is installed
	if cc, err := ComposeCommand(t.Context()); err == nil {
		args := append(append([]string{}, cc[1:]...), "-p", n.Project, "-f", filepath.Join(n.Dir, ComposeFile), "config", "-q")
		if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
			t.Fatalf("compose rejects the generated file: %v\n%s", err, out)
		}
	}
}

func TestCheckStatic(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("SKIPPED: no sh binary to test the refusal of a dynamically linked binary with")
	}
	err = CheckStatic(sh)
	if err == nil {
		t.Skipf("SKIPPED: %s is statically linked here; no dynamic binary to test the refusal with", sh)
	}
	if !strings.Contains(err.Error(), "dynamically linked") || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("unhelpful error: %v", err)
	}
	if err := CheckStatic(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("a missing binary passed")
	}
}

func TestSuiteBinaryIsStatic(t *testing.T) {
	needDocker(t)
	if err := CheckStatic(binary); err != nil {
		t.Fatalf("the suite's CGO_ENABLED=0 binary: %v", err)
	}
}
