package docker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	// skipReason is set when Docker cannot be used; every test then skips
	// with it, loudly.
	skipReason string
	// image is the one image every scenario runs, built once by TestMain.
	image string
	// binary is the static govchain binary inside it (also used on the host
	// by the deploy-guide test).
	binary     string
	suiteStart time.Time
)

// TestMain builds one static binary (verifier embedded) and one FROM
// scratch image for the whole suite, runs the scenarios, prints the reliability table and, with
// GOVCHAIN_RELIABILITY_REPORT=1, writes it to docs/reliability.md.
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	if err := Available(ctx); err != nil {
		if _, cerr := ComposeCommand(ctx); cerr != nil && err == cerr {
			// Docker is here, compose is not: that is a broken setup, not
			// a reason to skip.
			fmt.Fprintf(os.Stderr, "testnet/docker: %v (.ci/run installs it)\n", err)
			os.Exit(1)
		}
		skipReason = "DOCKER NOT AVAILABLE, fault-tolerance e2e suite NOT RUN: " + err.Error()
		fmt.Fprintln(os.Stderr, "testnet/docker: "+skipReason)
		cancel()
		os.Exit(m.Run())
	}
	suiteStart = time.Now()
	removeLeftovers(ctx)
	dir, err := os.MkdirTemp("", "govchain-e2e-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "govchain")
	// The release build (BuildCommand): the verifier generated and embedded,
	// so /verify works in the FROM scratch image.
	gen := exec.CommandContext(ctx, "go", "generate", "./node/verify/web")
	gen.Dir = filepath.Join("..", "..")
	if out, err := gen.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go generate ./node/verify/web: %v\n%s", err, out)
		os.Exit(1)
	} else {
		fmt.Fprintf(os.Stderr, "testnet/docker: %s", out)
	}
	build := exec.CommandContext(ctx, "go", "build", "-tags", "embedwasm", "-trimpath", "-o", binary, "../../cmd/govchain")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build static govchain: %v\n%s", err, out)
		os.Exit(1)
	}
	tag := randHex(6)
	image = "govchain-e2e:" + tag
	owner := ownerFile(tag)
	_ = os.WriteFile(owner, []byte(strconv.Itoa(os.Getpid())), 0o644)
	if err := BuildImage(ctx, image, binary); err != nil {
		fmt.Fprintf(os.Stderr, "build image: %v\n", err)
		os.Exit(1)
	}
	cancel()
	code := m.Run()
	total := time.Since(suiteStart)
	table := summaryTable()
	if table != "" {
		fmt.Fprintf(os.Stderr, "\nfault-tolerance summary (suite %s, %d CPUs):\n%s\n", total.Round(time.Second), runtime.NumCPU(), table)
		if os.Getenv("GOVCHAIN_RELIABILITY_REPORT") == "1" {
			if err := writeReport(total, table); err != nil {
				fmt.Fprintf(os.Stderr, "write docs/reliability.md: %v\n", err)
				code = 1
			}
		}
	}
	cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
	_, _ = Docker(cctx, "rmi", "--force", image)
	ccancel()
	os.RemoveAll(dir)
	os.Remove(owner)
	os.Exit(code)
}

func needDocker(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// writeReport replaces the measured part of docs/reliability.md (between
// the markers) with this run's table.
func writeReport(total time.Duration, table string) error {
	path := filepath.Join("..", "..", "docs", "reliability.md")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const begin, end = "<!-- measured:begin -->", "<!-- measured:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s lacks the %s / %s markers", path, begin, end)
	}
	var env strings.Builder
	fmt.Fprintf(&env, "Measured %s on %d CPUs (%s/%s), %s, Docker %s, %s; whole suite (image build included): **%s**.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(),
		dockerVersion(), composeVersion(), total.Round(time.Second))
	s = s[:i+len(begin)] + "\n" + env.String() + table + "\n" + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

func dockerVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, _ := Docker(ctx, "version", "--format", "{{.Server.Version}}")
	return v
}

func composeVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := ComposeCommand(ctx)
	if err != nil {
		return "no compose"
	}
	out, _ := exec.CommandContext(ctx, cc[0], append(cc[1:], "version", "--short")...).Output()
	return filepath.Base(strings.Join(cc, " ")) + " " + strings.TrimSpace(string(out))
}

// ownerFile is where a running suite writes its process id next to its
// image tag, so that a second suite running at the same time (another
// clone, a helper's worktree) does not take its containers for leftovers.
func ownerFile(tag string) string {
	return filepath.Join(os.TempDir(), "govchain-e2e-owner-"+tag)
}

// ownerAlive reports whether the suite that built image tag is still running.
func ownerAlive(tag string) bool {
	b, err := os.ReadFile(ownerFile(tag))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// removeLeftovers removes what a killed earlier run of this suite left
// (its t.Cleanup never ran): containers of a govchain-e2e image whose
// suite is no longer running, their compose networks and the images, so
// they do not hold ports, addresses or CPU in this run. A suite running at
// the same time keeps its own.
func removeLeftovers(ctx context.Context) {
	out, err := Docker(ctx, "ps", "-a", "--format", "{{.ID}} {{.Image}}")
	if err != nil {
		return
	}
	var ids []string
	live := false
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[1], "govchain-e2e:") {
			if ownerAlive(strings.TrimPrefix(f[1], "govchain-e2e:")) {
				live = true
				continue
			}
			ids = append(ids, f[0])
		}
	}
	if len(ids) > 0 {
		fmt.Fprintf(os.Stderr, "testnet/docker: removing %d containers left by an earlier run\n", len(ids))
		_, _ = Docker(ctx, append([]string{"rm", "-f"}, ids...)...)
	}
	if imgs, err := Docker(ctx, "images", "--format", "{{.Repository}}:{{.Tag}}", "govchain-e2e"); err == nil {
		for _, im := range strings.Split(imgs, "\n") {
			if tag, ok := strings.CutPrefix(im, "govchain-e2e:"); ok {
				if ownerAlive(tag) {
					live = true
					continue
				}
				_, _ = Docker(ctx, "rmi", "--force", im)
			}
		}
	}
	if live {
		return // another suite is running: its networks may be between two containers' lives
	}
	if nets, err := Docker(ctx, "network", "ls", "--format", "{{.Name}}"); err == nil {
		for _, n := range strings.Split(nets, "\n") {
			if strings.HasPrefix(n, "govchain-") {
				_, _ = Docker(ctx, "network", "rm", n) // refused while in use: then it is not a leftover
			}
		}
	}
}
