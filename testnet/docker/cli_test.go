package docker

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCLIUpStatusDown drives `govchain testnet docker up|status|down`
// through the binary: up generates and starts the network, status reports
// every container running with a height, down removes the containers but
// keeps the data, and up again resumes the same chain.
func TestCLIUpStatusDown(t *testing.T) {
	needDocker(t)
	dir := filepath.Join(t.TempDir(), "net")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if n, err := Load(dir); err == nil {
			if err := n.Down(ctx); err != nil {
				t.Errorf("down: %v", err)
			}
		}
	})
	type status struct {
		ChainID string `json:"chain_id"`
		Project string `json:"project"`
		Nodes   []struct {
			Dept    string `json:"dept"`
			State   string `json:"state"`
			Height  int64  `json:"height"`
			AppHash string `json:"app_hash"`
			Error   string `json:"error"`
		} `json:"nodes"`
	}
	statusOf := func() status {
		t.Helper()
		var s status
		out, err := exec.Command(binary, "testnet", "docker", "status", "--dir", dir, "-o", "json").Output()
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("status output %q: %v", out, err)
		}
		return s
	}
	out := run("testnet", "docker", "up", "--dir", dir, "--validators", "3", "--image", image, "--chain-id", "cli-e2e")
	if !strings.Contains(out, "generated 3 validator homes") || strings.Contains(out, "building image") {
		t.Fatalf("up output (the image exists, it must not rebuild):\n%s", out)
	}
	s := statusOf()
	if s.ChainID != "cli-e2e" || len(s.Nodes) != 3 {
		t.Fatalf("status %+v", s)
	}
	// the lowest height: a node one block behind when stopped resumes at its
	// own height
	h := int64(-1)
	for _, nd := range s.Nodes {
		if nd.State != "running" || nd.Height < 2 || nd.Error != "" {
			t.Fatalf("after up: %+v", nd)
		}
		if h < 0 || nd.Height < h {
			h = nd.Height
		}
	}
	out = run("testnet", "docker", "down", "--dir", dir)
	if !strings.Contains(out, "removed 3 containers") {
		t.Fatalf("down output:\n%s", out)
	}
	for _, nd := range statusOf().Nodes {
		if nd.State != "missing" {
			t.Fatalf("after down, %s is %s", nd.Dept, nd.State)
		}
	}
	if ids, err := Docker(t.Context(), "network", "ls", "-q", "--filter", "name="+s.Project); err != nil || ids != "" {
		t.Fatalf("down left networks behind: %q %v", ids, err)
	}
	run("testnet", "docker", "up", "--dir", dir)
	for _, nd := range statusOf().Nodes {
		if nd.State != "running" || nd.Height < h {
			t.Fatalf("up after down did not resume the chain at >= %d: %+v", h, nd)
		}
	}
}
