package testnet_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govchain/govchain/testnet"
	"github.com/govchain/govchain/testnet/proc"
)

// Helper mode of the test binary (see TestMain): start a one-validator
// network through the harness, write the node's pid, and wait to be killed.
const helperEnv = "GOVCHAIN_TEST_HELPER_NET"

func runNetworkHelper(dir, bin string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "network helper:", err)
		os.Exit(3)
	}
	base, err := testnet.FreeBasePort(1)
	if err != nil {
		fail(err)
	}
	net, err := testnet.Create(filepath.Join(dir, "net"), testnet.Options{Validators: 1, BasePort: base, Binary: bin, TimeoutCommit: 300 * time.Millisecond})
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := net.Start(ctx, 1); err != nil {
		fail(err)
	}
	pid, err := os.ReadFile(filepath.Join(net.Nodes[0].Home, "node.pid"))
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), pid, 0o644); err != nil {
		fail(err)
	}
	select {} // until killed
}

// TestKilledTestLeavesNoNode: a process that started a network through the
// harness and is then killed with SIGKILL (as a test binary is by a
// timeout or a CI limit) leaves no validator process behind.
func TestKilledTestLeavesNoNode(t *testing.T) {
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"="+dir, "GOVCHAIN_TEST_BINARY="+binary)
	var stderr bytes.Buffer
	helper.Stderr = &stderr
	if err := proc.Start(helper); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- helper.Wait() }()

	var nodePID int
	waitFor(t, 5*time.Minute, "the helper's network to commit block 1", func() (bool, error) {
		select {
		case err := <-exited:
			return false, fmt.Errorf("helper exited before its network was up: %v\n%s", err, stderr.String())
		default:
		}
		b, err := os.ReadFile(filepath.Join(dir, "ready"))
		if err != nil {
			return false, nil
		}
		nodePID, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil, err
	})
	t.Cleanup(func() { // a failed run still must not leave its node behind
		if processAlive(nodePID) {
			_ = syscall.Kill(nodePID, syscall.SIGKILL)
		}
	})
	if !processAlive(nodePID) {
		t.Fatalf("node pid %d is not running while the helper lives", nodePID)
	}
	if err := syscall.Kill(helper.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	for deadline := time.Now().Add(time.Minute); processAlive(nodePID) || len(processesMentioning(dir)) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) { // only bounds a hung run: a SIGKILLed child dies at once
			t.Fatalf("a minute after the helper was killed, its network still runs: %v", processesMentioning(dir))
		}
	}
}

// waitFor polls cond until it holds; limit only bounds a hung run.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processAlive: the pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// processesMentioning lists live processes whose command line names dir.
func processesMentioning(dir string) []string {
	ents, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(dir)) || !processAlive(pid) {
			continue
		}
		found = append(found, fmt.Sprintf("%d: %s", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
	}
	return found
}
