package testnet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// TestOperatorGuide follows docs/operator.md step by step through the
// binary: node init for two departments, genesis build, set-peers, start,
// status, graceful SIGTERM.
func TestOperatorGuide(t *testing.T) {
	dir := t.TempDir()
	base, err := testnet.FreeBasePort(2)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE=choose-a-long-passphrase")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	depts := []struct{ code, name string }{{"scjg", "市场监督管理局"}, {"zwfw", "政务服务管理局"}}
	for i, d := range depts {
		p := base + 10*i
		run("node", "init", "--home", d.code, "--dept", strings.ToUpper(d.code), "--name", d.name,
			"--p2p", addr(p), "--rpc", addr(p+1), "--api", addr(p+2), "--prometheus", addr(p+3), "--timeout-commit", "300ms")
	}
	// a second init must refuse to overwrite keys
	cmd := exec.Command(binary, "node", "init", "--home", "scjg", "--dept", "SCJG")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOVCHAIN_PASSPHRASE=choose-a-long-passphrase")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "refusing to overwrite") {
		t.Fatalf("re-init did not refuse: %v %s", err, out)
	}
	run("genesis", "build", "--chain-id", "chaoyang-1", "scjg/config/dept.json", "zwfw/config/dept.json", "-O", "genesis.json")
	var g struct{ Peers []string }
	if err := json.Unmarshal([]byte(run("genesis", "build", "--chain-id", "chaoyang-1", "scjg/config/dept.json", "zwfw/config/dept.json", "-O", "/dev/null", "-o", "json")), &g); err != nil {
		t.Fatal(err)
	}
	peers := strings.Join(g.Peers, ",")
	var procs []*exec.Cmd
	for _, d := range depts {
		b, _ := os.ReadFile(filepath.Join(dir, "genesis.json"))
		if err := os.WriteFile(filepath.Join(dir, d.code, "config", "genesis.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		run("node", "set-peers", "--home", d.code, peers)
		cfg, _ := os.ReadFile(filepath.Join(dir, d.code, "config", "config.toml"))
		if strings.Count(string(cfg), "@127.0.0.1") != 1 {
			t.Fatalf("%s: set-peers should keep exactly the other node", d.code)
		}
		p := exec.Command(binary, "node", "start", "--home", d.code)
		p.Dir = dir
		p.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE=choose-a-long-passphrase")
		logf, _ := os.Create(filepath.Join(dir, d.code+".log"))
		p.Stdout, p.Stderr = logf, logf
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	defer func() {
		for _, p := range procs {
			_ = p.Process.Kill()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range depts {
		s, err := client.New(addr(base+10*i+2)).WaitHeight(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s.ChainID != "chaoyang-1" || s.Validators != 2 {
			t.Fatalf("status %+v", s)
		}
	}
	out := run("status", "--node", addr(base+2))
	if !strings.Contains(out, "chaoyang-1") || !strings.Contains(out, "SCJG") {
		t.Fatalf("status output:\n%s", out)
	}
	// graceful shutdown on SIGTERM: exits 0 and says so
	for i, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s exited with %v after SIGTERM", depts[i].code, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not stop within 20 s of SIGTERM", depts[i].code)
		}
		log, _ := os.ReadFile(filepath.Join(dir, depts[i].code+".log"))
		if !strings.Contains(string(log), "shutting down") {
			t.Fatalf("%s log lacks the shutdown message", depts[i].code)
		}
	}
}
