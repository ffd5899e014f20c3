package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// protocolDoc holds the OpenSSL recipe this test runs verbatim.
const protocolDoc = "../docs/protocol.md"

// recipe reads the scripts of docs/protocol.md: each ```sh block after a
// "<!-- file: NAME -->" line is a file, the one after "<!-- run: NAME -->"
// a script to run.
func recipe(t *testing.T) (files map[string]string, runs map[string]string) {
	b, err := os.ReadFile(protocolDoc)
	if err != nil {
		t.Fatal(err)
	}
	files, runs = map[string]string{}, map[string]string{}
	re := regexp.MustCompile("(?s)<!-- (file|run): ([a-z.-]+) -->\n```sh\n(.*?)```\n")
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "file" {
			files[m[2]] = m[3]
		} else {
			runs[m[2]] = m[3]
		}
	}
	for _, f := range []string{"keyid.sh", "sign-tx.sh", "pop.sh", "verify-tx.sh", "crl-verify.sh"} {
		if files[f] == "" {
			t.Fatalf("%s has no script %s", protocolDoc, f)
		}
	}
	if runs["walkthrough"] == "" {
		t.Fatalf("%s has no walk-through", protocolDoc)
	}
	return files, runs
}

// TestOpenSSLRecipe runs the OpenSSL recipe of docs/protocol.md as written,
// against a one-validator network: OpenSSL alone makes an officer key and
// its proof of possession, signs the admin's identity.register_account with
// the admin key govchain exported, and the chain commits it; the tx is
// verified back from the chain with OpenSSL; a certificate request made by
// OpenSSL is issued, admitted (a tx signed with OpenSSL) and revoked by a
// CRL that OpenSSL checks and the OpenSSL-made officer carries to the chain.
// Go only starts the network and checks the outcome.
func TestOpenSSLRecipe(t *testing.T) {
	for _, tool := range []string{"openssl", "curl", "sh", "od", "cmp"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP (loud): %s not found on PATH; the OpenSSL recipe of docs/protocol.md was NOT checked", tool)
		}
	}
	v, err := exec.Command("openssl", "version").Output()
	if err != nil || !strings.HasPrefix(string(v), "OpenSSL 3.") {
		t.Skipf("SKIP (loud): the recipe needs OpenSSL 3 (SM2 with distid), found %q; it was NOT checked", strings.TrimSpace(string(v)))
	}
	t.Logf("running the recipe with %s", strings.TrimSpace(string(v)))
	files, runs := recipe(t)
	net := startNet(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	work := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	licence := []byte("营业执照 91350100M000100Y43\n")
	os.WriteFile(filepath.Join(work, "licence.pdf"), licence, 0o644)
	cmd := exec.CommandContext(ctx, "sh", "-c", runs["walkthrough"])
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NODE="+net.Nodes[0].API, "CHAIN="+net.ChainID, "DEPT="+net.Nodes[0].Dept,
		"GOVCHAIN_HOME="+net.Nodes[0].Home, "CA_DIR="+filepath.Join(net.Dir, "ca"),
		"GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
	out, err := cmd.CombinedOutput()
	t.Logf("walk-through output:\n%s", out)
	if err != nil {
		for _, f := range []string{"register.out", "admit.out", "revoke.out"} {
			b, _ := os.ReadFile(filepath.Join(work, f))
			t.Logf("%s: %s", f, b)
		}
		t.Fatalf("the walk-through of %s failed: %v", protocolDoc, err)
	}

	// the outcome, read with Go
	c := net.Client(0)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(work, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range []string{"register", "admit", "revoke"} {
		var res client.SubmitResult
		if err := json.Unmarshal(read(f+".out"), &res); err != nil || res.Code != 0 || res.Height == 0 {
			t.Fatalf("%s.tx: %s (%v)", f, read(f+".out"), err)
		}
		raw := read(f + ".tx")
		if res.Hash != tx.HashHex(raw) {
			t.Fatalf("%s.tx: hash %s, chain says %s", f, tx.HashHex(raw), res.Hash)
		}
		// CometBFT indexes a block's txs after the commit is answered
		info, err := c.Tx(ctx, res.Hash)
		for h := res.Height + 1; err != nil && ctx.Err() == nil; h++ {
			if err = net.WaitHeight(ctx, h); err == nil {
				info, err = c.Tx(ctx, res.Hash)
			}
		}
		if err != nil || info.Code != 0 || info.Height != res.Height {
			t.Fatalf("%s.tx not committed: %+v %v", f, info, err)
		}
	}
	officer, err := smcrypto.ParsePrivateKeyPEM(read("officer.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Account(ctx, officer.PublicKey().ID())
	if err != nil || a.Account.Status != identity.StatusActive || a.Account.Name != "王芳" || a.Account.Dept != net.Nodes[0].Dept || a.Sequence != 1 {
		t.Fatalf("the OpenSSL-made officer: %+v %v", a, err)
	}
	officer2, err := smcrypto.ParsePrivateKeyPEM(read("officer2.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var revoke client.SubmitResult
	json.Unmarshal(read("revoke.out"), &revoke)
	a2, err := c.Account(ctx, officer2.PublicKey().ID())
	if err != nil || a2.Account.Status != identity.StatusRevoked || a2.Account.StatusHeight != revoke.Height || a2.Account.Name != "李强" {
		t.Fatalf("the certificate-bound officer after the CRL: %+v %v", a2, err)
	}
	// the hash recipe: openssl dgst -sm3 is the chain's SM3
	sh := func(script string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "sh", "-c", script)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "CHAIN="+net.ChainID)
		return cmd.CombinedOutput()
	}
	h, err := sh("openssl dgst -sm3 -r licence.pdf | cut -c1-64")
	if err != nil || strings.TrimSpace(string(h)) != smcrypto.SM3Hex(licence) {
		t.Fatalf("openssl SM3 %q, govchain %s (%v)", h, smcrypto.SM3Hex(licence), err)
	}
	// what the page warns about: signed without -sigopt distid (OpenSSL 3.0
	// then uses an empty user id), the same tx is refused with tx/8
	noID := strings.Replace(files["sign-tx.sh"], " -sigopt distid:1234567812345678", "", 1)
	if noID == files["sign-tx.sh"] {
		t.Fatal("sign-tx.sh no longer passes -sigopt distid")
	}
	os.WriteFile(filepath.Join(work, "sign-no-id.sh"), []byte(noID), 0o755)
	if out, err := sh(`printf '{"crl":null}' > empty.json && sh sign-no-id.sh officer.pem "$CHAIN" identity.revoke_certs 2 empty.json no-id.tx`); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	res, err := c.Submit(ctx, read("no-id.tx"), "sync")
	if err != nil || res.Code != tx.ErrSignature.Code || res.Codespace != "tx" {
		t.Fatalf("a tx signed with an empty SM2 user id: %+v %v, want tx/8", res, err)
	}
	// govchain query tx --raw gives the same bytes OpenSSL signed
	var reg client.SubmitResult
	json.Unmarshal(read("register.out"), &reg)
	if out, err := exec.CommandContext(ctx, binary, "query", "tx", reg.Hash, "--raw", filepath.Join(work, "back.tx"), "--node", net.Nodes[0].API).CombinedOutput(); err != nil {
		t.Fatalf("query tx --raw: %v %s", err, out)
	}
	if !bytes.Equal(read("back.tx"), read("register.tx")) {
		t.Fatal("query tx --raw wrote other bytes than the tx OpenSSL signed")
	}
	// verify-tx.sh fails when there is nothing to verify
	if out, err := sh("sh verify-tx.sh " + net.Nodes[0].API + " " + strings.Repeat("AB", 32)); err == nil {
		t.Fatalf("verify-tx.sh accepted an unknown tx: %s", out)
	}
}
