package docker

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

const deployDoc = "../../docs/deploy.md"

// docBlocks returns the fenced code blocks of a markdown file that follow
// a `<!-- deploy-test: NAME -->` marker, by name.
func docBlocks(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- deploy-test: ([a-z-]+) -->\\s*\n```[a-z]*\n(.*?)\n```")
	out := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("%s: block %q marked twice", path, m[1])
		}
		out[m[1]] = m[2]
	}
	return out
}

type deployHost struct {
	dept, name, docIP, runtime string
	ip, root, work, project    string
}

// TestDeployGuide follows docs/deploy.md on three simulated hosts: every
// marked block runs as written, with only the substitutions the page lists
// (host addresses to distinct loopback addresses, /srv /etc /var/backups to
// per-host directories, the image tag, uid:gid, binary path, compose
// command). SCJG runs the systemd unit's ExecStart, ZWFW and RSJ the compose
// file with host networking. It checks the three validators make blocks
// together, a signed tx sent to one is proven on the others, and the
// backup procedure yields an archive with the keys and a node that resumes.
func TestDeployGuide(t *testing.T) {
	needDocker(t)
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("docs/deploy.md uses jq; install it (.ci/run does)")
	}
	blocks := docBlocks(t, deployDoc)
	for _, want := range []string{"init", "genesis", "join", "systemd-unit", "compose-file", "compose-up", "check", "backup"} {
		if blocks[want] == "" {
			t.Fatalf("docs/deploy.md has no block marked <!-- deploy-test: %s -->", want)
		}
	}
	doc, _ := os.ReadFile(deployDoc)
	lo := freeLoopback(t)
	hosts := []*deployHost{
		{dept: "SCJG", name: "市场监督管理局", docIP: "10.10.0.11", runtime: "systemd", ip: lo + ".11"},
		{dept: "ZWFW", name: "政务服务管理局", docIP: "10.10.0.12", runtime: "compose", ip: lo + ".12"},
		{dept: "RSJ", name: "人力资源和社会保障局", docIP: "10.10.0.13", runtime: "compose", ip: lo + ".13"},
	}
	root := t.TempDir()
	suffix := randHex(4)
	for _, h := range hosts {
		row := fmt.Sprintf("| %s | %s | %s | %s |", h.dept, h.name, h.docIP, h.runtime)
		if !strings.Contains(string(doc), row) {
			t.Fatalf("docs/deploy.md's host table lacks %q (the test's hosts must be the page's)", row)
		}
		h.root = filepath.Join(root, strings.ToLower(h.dept))
		h.work = filepath.Join(h.root, "work")
		h.project = "govchain-deploy-" + suffix + "-" + strings.ToLower(h.dept)
		// what the page's root-only step (useradd, install -d) provides
		for _, d := range []string{"srv/govchain", "etc/govchain", "backups", "work"} {
			if err := os.MkdirAll(filepath.Join(h.root, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cc, err := ComposeCommand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	subst := func(s string, h *deployHost) string {
		r := []string{"/usr/local/bin/govchain", binary, "govchain:1.0", image,
			"990:990", fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())}
		for _, o := range hosts {
			r = append(r, o.docIP, o.ip)
		}
		if h != nil {
			r = append(r, "/srv/govchain", filepath.Join(h.root, "srv/govchain"),
				"/etc/govchain", filepath.Join(h.root, "etc/govchain"),
				"/var/backups", filepath.Join(h.root, "backups"))
		}
		if cc[0] != "docker" {
			r = append(r, "docker compose", strings.Join(cc, " "))
		}
		return strings.NewReplacer(r...).Replace(s)
	}
	const pass = "deploy-guide-passphrase"
	run := func(block string, h *deployHost, dir, stdin string) string {
		t.Helper()
		script := subst(blocks[block], h)
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"))
		if h != nil {
			cmd.Env = append(cmd.Env, "DEPT="+h.dept, "NAME="+h.name, "HOST_IP="+h.ip, "COMPOSE_PROJECT_NAME="+h.project)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docs/deploy.md block %q on %v failed: %v\n--- script ---\n%s\n--- output ---\n%s", block, hostName(h), err, script, out)
		}
		return string(out)
	}

	// 1. init on every host
	for _, h := range hosts {
		run("init", h, h.work, pass+"\n")
		fi, err := os.Stat(filepath.Join(h.root, "etc/govchain/passphrase.env"))
		if err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s: passphrase.env must exist and be private: %v %v", h.dept, fi, err)
		}
	}
	// 2. coordinator
	coord := filepath.Join(root, "coordinator")
	if err := os.MkdirAll(coord, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		b, err := os.ReadFile(filepath.Join(h.root, "etc/govchain", h.dept+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(coord, strings.ToLower(h.dept)+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("genesis", nil, coord, "")
	peers, _ := os.ReadFile(filepath.Join(coord, "peers.txt"))
	if n := strings.Count(string(peers), "@"+lo+".1"); n != 3 {
		t.Fatalf("peers.txt names %d validators at their host addresses, want 3: %s", n, peers)
	}
	// 3. join and start
	for _, h := range hosts {
		for _, f := range []string{"genesis.json", "peers.txt"} {
			b, _ := os.ReadFile(filepath.Join(coord, f))
			if err := os.WriteFile(filepath.Join(h.work, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run("join", h, h.work, "")
		switch h.runtime {
		case "systemd":
			startUnit(t, subst(blocks["systemd-unit"], h), h)
		case "compose":
			file := filepath.Join(h.root, "etc/govchain/compose.yml")
			if err := os.WriteFile(file, []byte(subst(blocks["compose-file"], h)), 0o644); err != nil {
				t.Fatal(err)
			}
			h := h
			t.Cleanup(func() {
				cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
				defer ccancel()
				args := append(append([]string{}, cc[1:]...), "-p", h.project, "-f", file)
				if t.Failed() {
					out, _ := exec.CommandContext(cctx, cc[0], append(args, "logs", "--tail", "30")...).CombinedOutput()
					t.Logf("--- %s compose logs ---\n%s", h.dept, out)
				}
				if out, err := exec.CommandContext(cctx, cc[0], append(args, "down", "-t", "20")...).CombinedOutput(); err != nil {
					t.Errorf("compose down %s: %v %s", h.dept, err, out)
				}
			})
			run("compose-up", h, h.work, "")
		}
	}
	// the network: 3 validators, all needed for a block
	for _, h := range hosts {
		s, err := client.New(h.ip+":26680").WaitHeight(ctx, 3)
		if err != nil {
			t.Fatalf("%s (%s): %v", h.dept, h.runtime, err)
		}
		if s.ChainID != "chaoyang-1" || s.Validators != 3 || s.Dept != h.dept {
			t.Fatalf("%s status %+v", h.dept, s)
		}
		out := run("check", h, h.work, "")
		if !strings.Contains(out, "validators 3") || !strings.HasSuffix(strings.TrimSpace(out), "\n2") {
			t.Fatalf("%s check block output:\n%s", h.dept, out)
		}
	}
	// a signed tx through ZWFW (compose) is proven on SCJG (systemd) and RSJ
	admin, err := node.Home(filepath.Join(hosts[1].root, "srv/govchain")).LoadDeptKey([]byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	zwfw := client.New(hosts[1].ip + ":26680")
	s, err := client.NewSigner(ctx, zwfw, "chaoyang-1", admin)
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(officer, "deploy guide officer")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Send(ctx, zwfw, identity.MsgRegisterAccount, reg, "commit")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		c := client.New(h.ip + ":26680")
		if _, err := c.WaitHeight(ctx, res.Height+1); err != nil {
			t.Fatal(err)
		}
		a, err := c.Account(ctx, officer.PublicKey().ID())
		if err != nil || a.Account == nil {
			t.Fatalf("%s lacks the account registered through ZWFW: %v", h.dept, err)
		}
		st, err := c.State(ctx, "chain_id", res.Height, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Proof.Verify(st.AppHash); err != nil {
			t.Fatalf("%s proof: %v", h.dept, err)
		}
	}
	// backup on RSJ (compose): stop, archive, start; the archive holds the
	// keys and the double-sign guard, and the network resumes
	rsj := hosts[2]
	run("backup", rsj, rsj.work, "")
	archives, _ := filepath.Glob(filepath.Join(rsj.root, "backups", "govchain-RSJ-*.tgz"))
	if len(archives) != 1 {
		t.Fatalf("backup block made %v", archives)
	}
	names := tarNames(t, archives[0])
	for _, want := range []string{"config/priv_validator_key.json", "config/node_key.json", "keys/dept.pem", "data/priv_validator_state.json", "config/genesis.json"} {
		if !names[want] {
			t.Fatalf("backup %s lacks %s", archives[0], want)
		}
	}
	s0, err := client.New(hosts[0].ip + ":26680").Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if _, err := client.New(h.ip+":26680").WaitHeight(ctx, s0.Height+3); err != nil {
			t.Fatalf("%s after RSJ's backup: %v", h.dept, err)
		}
	}
}

// freeLoopback picks a random 127.x.y block whose .11-.13 have the guide's
// ports free, so concurrent runs of the suite do not collide.
func freeLoopback(t *testing.T) string {
	t.Helper()
	for try := 0; try < 50; try++ {
		b := make([]byte, 2)
		_, _ = rand.Read(b)
		lo := fmt.Sprintf("127.%d.%d", 10+int(b[0])%200, int(b[1])%250)
		ok := true
		for _, host := range []string{".11", ".12", ".13"} {
			for _, port := range []string{"26656", "26657", "26660", "26680"} {
				ln, err := net.Listen("tcp", lo+host+":"+port)
				if err != nil {
					ok = false
					break
				}
				ln.Close()
			}
		}
		if ok {
			return lo
		}
	}
	t.Fatal("no free 127.x.y block for the simulated hosts")
	return ""
}

func hostName(h *deployHost) string {
	if h == nil {
		return "the coordinator"
	}
	return h.dept
}

// startUnit runs the unit's ExecStart the way systemd would (without the
// User= switch), and stops it with its KillSignal at the end.
func startUnit(t *testing.T, unit string, h *deployHost) {
	t.Helper()
	var exe, env []string
	for _, l := range strings.Split(unit, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			exe = strings.Fields(v)
		}
		if v, ok := strings.CutPrefix(l, "EnvironmentFile="); ok {
			b, err := os.ReadFile(v)
			if err != nil {
				t.Fatalf("the unit's EnvironmentFile: %v", err)
			}
			for _, kv := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if kv != "" && !strings.HasPrefix(kv, "#") {
					env = append(env, kv)
				}
			}
		}
	}
	if len(exe) == 0 || exe[0] != binary {
		t.Fatalf("unit has no usable ExecStart (after substitution: %v)", exe)
	}
	if !strings.Contains(unit, "KillSignal=SIGTERM") {
		t.Fatal("the unit must stop the node with SIGTERM (graceful shutdown)")
	}
	logf, err := os.Create(filepath.Join(h.root, "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe[0], exe[1:]...)
	// systemd starts services with an empty environment plus the unit's
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s (systemd unit) exited with %v on SIGTERM", h.dept, err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within the unit's TimeoutStopSec", h.dept)
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("--- %s journal ---\n%s", h.dept, b)
		}
	})
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	names := map[string]bool{}
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[strings.TrimPrefix(hd.Name, "./")] = true
	}
	return names
}
