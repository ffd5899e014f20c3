package docker

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/snapshot"
)

// flipTable inverts n bytes spread over the middle of the largest badger
// table (*.sst) in dir and returns its name.
func flipTable(dir string, n int) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no badger table in %s (%v)", dir, err)
	}
	sort.Slice(files, func(i, j int) bool {
		a, _ := os.Stat(files[i])
		b, _ := os.Stat(files[j])
		return a.Size() > b.Size()
	})
	b, err := os.ReadFile(files[0])
	if err != nil {
		return "", err
	}
	for i := 0; i < n; i++ {
		b[len(b)/4+i*len(b)/(2*n)] ^= 0xFF
	}
	return filepath.Base(files[0]), os.WriteFile(files[0], b, 0o600)
}

// TestCorruptStore flips bytes in a stopped validator's application
// store (a badger table of data/app): the node must refuse to start with
// an error naming the damaged table, not run on wrong state. The runbook
// (docs/operator.md, "A damaged store") then restores it: move the
// damaged data/ aside, `govchain node restore` from the backup taken
// earlier (its state checked against the app hash the light client
// verifies), start; the node catches up and agrees with the others.
func TestCorruptStore(t *testing.T) {
	const victim = 3
	net := upWith(t, 4, func(net *Network) error {
		// snapshots often enough for a backup within the test
		path := node.Home(net.Nodes[victim].Home).ConfigFile()
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var conf map[string]any
		if err := json.Unmarshal(b, &conf); err != nil {
			return err
		}
		conf["snapshot_interval"] = 10
		b, _ = json.MarshalIndent(conf, "", "  ")
		return os.WriteFile(path, b, 0o644)
	})
	r := &result{Scenario: "corrupt store: bytes flipped in a stopped validator's app store, restored from backup",
		Note: "stall: longest gap while it was out; recovery: restore started → caught up"}
	record(t, r)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 10, progressLimit)
	ctx := bg(t)
	home := node.Home(net.Nodes[victim].Home)
	for deadline := time.Now().Add(progressLimit); len(snapshot.ListDir(home.SnapshotDir())) == 0; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("node %d took no snapshot", victim)
		}
	}
	backup := filepath.Join(t.TempDir(), "backup")
	info, err := node.Backup(home, backup)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup of node %d at height %d", victim, info.Height)

	ld.setTarget(victim, false)
	fault := time.Now()
	r.Baseline = mon.interval(time.Time{}, fault)
	// a clean stop: badger writes its memtable into a table
	if err := net.Stop(ctx, victim); err != nil {
		t.Fatal(err)
	}
	table, err := flipTable(home.StateDir(), 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Start(ctx, victim); err != nil {
		t.Fatal(err)
	}
	// it exits at once, naming the damage
	for deadline := time.Now().Add(progressLimit); ; time.Sleep(300 * time.Millisecond) {
		if st, _ := net.State(ctx, victim); st == "exited" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d with a damaged store still runs", victim)
		}
	}
	logs, _ := net.Logs(ctx, victim, 20)
	if !strings.Contains(logs, "damaged") || !strings.Contains(logs, table) {
		t.Fatalf("node %d's last words do not name the damaged table %s:\n%s", victim, table, logs)
	}
	if strings.Contains(logs, "goroutine ") {
		t.Fatalf("node %d panicked instead of refusing:\n%s", victim, logs)
	}
	t.Logf("node %d refuses to start: %s", victim, lastLine(logs))
	blocksContinue(t, net, others(net, victim), 3, progressLimit)

	// the runbook: damaged data/ aside, restore from the backup, start
	if err := os.Rename(home.Path("data"), home.Path("data.damaged")); err != nil {
		t.Fatal(err)
	}
	var root bundle.TrustRoot
	if err := net.Client(0).Get(ctx, fmt.Sprintf("/v1/verify/trust?height=%d", info.Height), &root); err != nil {
		t.Fatal(err)
	}
	// CometBFT's BootstrapState logs every light block it verifies to the
	// process's stdout (Restore turns it to stderr): keep the test's
	// output readable
	quiet, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	stderr := os.Stderr
	os.Stderr = quiet
	_, err = node.Restore(ctx, home, backup, node.RestoreOptions{StateSyncOptions: node.StateSyncOptions{
		RPCServers: []string{net.Nodes[0].RPC, net.Nodes[1].RPC}, TrustHeight: root.Height, TrustHash: root.Hash}})
	os.Stderr = stderr
	quiet.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Start(ctx, victim); err != nil {
		t.Fatal(err)
	}
	r.Recovery = waitCaughtUp(t, net, victim, catchUpLimit)
	r.Stall = mon.stall(fault, time.Now())
	ld.setTarget(victim, true)
	time.Sleep(2 * time.Second)
	acks := ld.stop()
	r.Acked = len(acks)
	// the restored node holds blocks from the backup's height on
	r.Height, r.Lost = verifyFrom(t, net, acks, map[int]int64{victim: info.Height + 1})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
