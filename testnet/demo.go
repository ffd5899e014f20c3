package testnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/govchain/govchain/catalog-chain/catalogdemo"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/contracts/credit/creditdemo"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/demokit"
)

// demos are the modules' demo data, seeded in this order after the
// identity demo data: one line per module (its …demo package,
// docs/architecture.md "Module layout").
var demos = []demokit.Demo{catalogdemo.Demo, certdemo.Demo, creditdemo.Demo}

// DemoGenesis returns module genesis sections for demo networks (grants the
// demo departments need live in DemoGrants).
func DemoGenesis() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, d := range demos {
		if d.Genesis != nil {
			out[d.Module] = d.Genesis()
		}
	}
	return out
}

// DemoGrants are the department grants a demo network starts with, by
// department code.
var DemoGrants = demoGrants()

func demoGrants() map[string][]string {
	out := map[string][]string{}
	for _, d := range demos {
		for dept, gs := range d.Grants {
			out[dept] = append(out[dept], gs...)
		}
	}
	return out
}

// DemoNet is the network as the modules' demo data sees it.
func (n *Network) DemoNet() *demokit.Net {
	dn := &demokit.Net{ChainID: n.ChainID, Dir: n.Dir, Nodes: n}
	for _, ni := range n.Nodes {
		dn.Depts = append(dn.Depts, ni.Dept)
	}
	return dn
}

// demoOfficers are the officer identities the demo registers, one per
// department, with the department's admin key.
var demoOfficers = []string{"王芳 Wang Fang", "李强 Li Qiang", "张伟 Zhang Wei", "刘洋 Liu Yang", "陈静 Chen Jing", "杨磊 Yang Lei", "赵敏 Zhao Min", "黄勇 Huang Yong"}

// SeedDemo submits the demo transactions and writes what it did to w. The
// officer keys are kept under DIR/keys so the walkthrough can sign with them.
func SeedDemo(ctx context.Context, n *Network, w io.Writer) error {
	keysDir := filepath.Join(n.Dir, "keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return err
	}
	for i, ni := range n.Nodes {
		admin, err := n.DeptKey(i)
		if err != nil {
			return err
		}
		if err := copyFile(filepath.Join(ni.Home, "keys", "dept.pem"), filepath.Join(keysDir, strings.ToLower(ni.Dept)+"-admin.pem")); err != nil {
			return err
		}
		c := n.Client(i)
		s, err := client.NewSigner(ctx, c, n.ChainID, admin)
		if err != nil {
			return err
		}
		officer, err := smcrypto.GenerateKey()
		if err != nil {
			return err
		}
		pem, err := smcrypto.MarshalPrivateKeyPEM(officer, []byte(Passphrase))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(keysDir, strings.ToLower(ni.Dept)+"-officer.pem"), pem, 0o600); err != nil {
			return err
		}
		name := demoOfficers[i%len(demoOfficers)]
		reg, err := s.RegisterAccount(officer, name)
		if err != nil {
			return err
		}
		res, err := s.Send(ctx, c, identity.MsgRegisterAccount, reg, "commit")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-5s registered officer %s (key %s) in block %d\n", ni.Dept, name, officer.PublicKey().ID(), res.Height)
	}
	dn := n.DemoNet()
	for _, d := range demos {
		if d.Seed == nil {
			continue
		}
		fmt.Fprintf(w, "%s:\n", d.Title)
		if err := d.Seed(ctx, dn, w); err != nil {
			return fmt.Errorf("%s demo data: %w", d.Title, err)
		}
	}
	return nil
}

// OfficerKey loads the demo officer key of node i's department.
func (n *Network) OfficerKey(i int) (*smcrypto.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(n.Dir, "keys", strings.ToLower(n.Nodes[i].Dept)+"-officer.pem"))
	if err != nil {
		return nil, err
	}
	return smcrypto.ParsePrivateKeyPEM(b, []byte(Passphrase))
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// NextSteps is the demo's closing walkthrough.
func NextSteps(n *Network) string {
	api := n.Nodes[0].API
	var b strings.Builder
	fmt.Fprintf(&b, "\nWhat to try next (keys are in %s, passphrase in %s):\n", filepath.Join(n.Dir, "keys"), filepath.Join(n.Dir, "passphrase.txt"))
	fmt.Fprintf(&b, "  export GOVCHAIN_NODE=%s GOVCHAIN_PASSPHRASE=%s\n", api, Passphrase)
	fmt.Fprintf(&b, "  govchain testnet status --dir %s          # every node's height and app hash\n", n.Dir)
	fmt.Fprintf(&b, "  govchain query departments                    # the founding departments\n")
	fmt.Fprintf(&b, "  govchain query messages                       # message types and the roles they need\n")
	fmt.Fprintf(&b, "  govchain query state id/dept/%s --prove      # a record with its Merkle proof, checked locally\n", n.Nodes[0].Dept)
	fmt.Fprintf(&b, "  govchain keys create me --home %s\n", n.Dir)
	fmt.Fprintf(&b, "  govchain tx register-account --home %s --key %s-admin --public-key \"$(govchain keys show me --home %s -o json | jq -r .public_key)\" --name Me\n",
		n.Dir, strings.ToLower(n.Nodes[0].Dept), n.Dir)
	fmt.Fprintf(&b, "  open http://%s/verify                         # citizens: drop a certificate file (demo files in %s)\n", api, filepath.Join(n.Dir, "certificates"))
	fmt.Fprintf(&b, "  govchain verify init-trust --nodes %s,%s   # a trust root two nodes agree on\n", api, n.Nodes[1%len(n.Nodes)].API)
	fmt.Fprintf(&b, "  govchain verify %s   # the same check from the CLI (light client)\n", filepath.Join(n.Dir, "certificates", "<file>"))
	fmt.Fprintf(&b, "  govchain audit --node %s --rpc %s          # an auditor re-derives the whole chain\n", api, n.Nodes[0].RPC)
	fmt.Fprintf(&b, "  govchain watch --filter module=credit         # the chain's events, live and resumable (docs/integration.md)\n")
	fmt.Fprintf(&b, "  curl -s http://%s/openapi.json | jq .paths   # the HTTP API\n", api)
	fmt.Fprintf(&b, "  curl -s http://%s/metrics | grep govchain_   # Prometheus metrics\n", n.Nodes[0].Prom)
	return b.String()
}
