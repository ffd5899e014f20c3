package bench_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/testnet/bench"
)

var binary string

// TestMain builds the govchain binary the bench networks run.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "govchain-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "govchain")
	out, err := exec.Command("go", "build", "-o", binary, "../../cmd/govchain").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build govchain: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestBenchSmoke runs every phase with tiny windows and checks that each
// row was measured and that what was measured is real: txs committed and
// found in blocks, every signed tx in a block succeeded (sequence bumps),
// the audit replay agreed with the chain, records landed on disk.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four 4-validator networks")
	}
	var log strings.Builder
	rep, err := bench.Run(context.Background(), bench.Options{Quick: true, Binary: binary, Dir: t.TempDir(),
		Warmup: time.Second, Window: 2 * time.Second, MinWindowBlocks: 3, Records: 2000, Progress: &log})
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteTable(&b)
	t.Log(b.String())
	for _, r := range rep.Rows {
		if r.Text == "not run" {
			t.Errorf("row %q not measured", r.Name)
		}
	}
	for name, l := range rep.Loads {
		if l.Committed == 0 {
			t.Errorf("%s: nothing committed: %+v", name, l)
		}
		if l.TPS <= 0 {
			// The window lasts until 3 blocks committed in it, however
			// slow the machine: a loaded network still commits txs there.
			t.Errorf("%s: no commit inside the smoke window (%d committed in the run, window %.1f s)", name, l.Committed, l.WindowSec)
		}
		if l.Exhausted {
			// The smoke run's 2 s windows are sized for a slow, shared
			// machine; a fast app finishing its pre-built txs early only
			// shortens the window (the table says so).
			t.Logf("%s: ran out of pre-built txs inside the window (window shortened)", name)
		}
		// Every tx a node accepted must reach a block (answers still in
		// flight when the window closed are not counted as accepted).
		if l.Committed < l.Accepted || l.Committed > l.Sent {
			t.Errorf("%s: %d txs sent, %d accepted into mempools, %d found in blocks", name, l.Sent, l.Accepted, l.Committed)
		}
	}
	for _, n := range rep.Notes {
		t.Errorf("note: %s", n)
	}
	if rep.Audit == nil || !rep.Audit.OK || rep.Audit.Txs == 0 {
		t.Errorf("audit: %+v", rep.Audit)
	}
	// the served node's CPU is read from /proc, the state size from its
	// /v1/status (the chain holds at least the anchored certificates)
	if rep.Queries == nil || rep.Queries.Queries == 0 || rep.Queries.NodeMicros <= 0 || rep.Queries.StateKeys < 100 {
		t.Errorf("queries: %+v", rep.Queries)
	}
	if rc := rep.Records; rc == nil || rc.Records != 2000 || rc.Disk == 0 || rc.RSS == 0 {
		t.Errorf("records: %+v", rep.Records)
	}
	if rep.VerifyMicros <= 0 {
		t.Error("no SM2 verify time")
	}
}
