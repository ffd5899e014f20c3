package testnet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/node/archive"
	"github.com/govchain/govchain/node/audit"
)

// TestArchiveAudit: a network's blocks archived in segments verify alone,
// and an audit of the archive gives the node audit's verdict, counts and
// app hash; a damaged segment or a broken hash chain is named by segment
// and height.
func TestArchiveAudit(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ids := load(ctx, t, net, 0, 20, func(i int) int { return i })
	ids = append(ids, load(ctx, t, net, 1, 20, func(i int) int { return i })...)
	allPresent(ctx, t, net, ids)
	rpc, err := audit.NewRPCSource(net.Nodes[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "archive")
	// two exports: the second appends to the first
	latest, _ := rpc.Latest(ctx)
	if _, err := archive.Export(ctx, rpc, dir, archive.ExportOptions{SegmentBlocks: 4, To: latest / 2}); err != nil {
		t.Fatal(err)
	}
	// enough heights for at least three 4-height segments, however fast
	// the load went in
	if err := net.WaitHeight(ctx, max(latest+3, 14)); err != nil {
		t.Fatal(err)
	}
	m, err := archive.Export(ctx, rpc, dir, archive.ExportOptions{SegmentBlocks: 4})
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := archive.Verify(dir)
	if err != nil || from != 1 || to != m.Last() || len(m.Segments) < 3 {
		t.Fatalf("verify: %d..%d, %v (%d segments to %d)", from, to, err, len(m.Segments), m.Last())
	}

	src, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fromArchive, err := audit.Run(ctx, audit.Options{Source: src, Label: "archive"})
	if err != nil {
		t.Fatal(err)
	}
	fromNode, err := audit.Run(ctx, audit.Options{Source: rpc, To: fromArchive.To, Label: "node 0"})
	if err != nil {
		t.Fatal(err)
	}
	if !fromArchive.OK || !fromNode.OK || fromArchive.To != m.Last()-1 || fromArchive.AppHash != fromNode.AppHash ||
		fromArchive.Txs != fromNode.Txs || fromArchive.Blocks != fromNode.Blocks || fromArchive.CommitsVerified != fromNode.CommitsVerified || fromArchive.Txs < 40 {
		t.Fatalf("archive audit %+v\nnode audit %+v", fromArchive.Summary(), fromNode.Summary())
	}
	t.Logf("archive of %d heights in %d segments audited like the node: %d txs, app hash %s", m.Last(), len(m.Segments), fromArchive.Txs, fromArchive.AppHash)

	damaged := func(name string, tamper func(dir string, m *archive.Manifest), want ...string) {
		t.Helper()
		d := filepath.Join(t.TempDir(), name)
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		tamper(d, m)
		_, _, err := archive.Verify(d)
		var dmg *archive.Damage
		if !errors.As(err, &dmg) {
			t.Fatalf("%s: verify says %v, want damage named by segment", name, err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
	}
	seg2 := m.Segments[1].File
	damaged("flipped byte", func(d string, m *archive.Manifest) {
		p := filepath.Join(d, seg2)
		b, _ := os.ReadFile(p)
		b[len(b)/2] ^= 1
		_ = os.WriteFile(p, b, 0o644)
	}, seg2, "altered or truncated")
	damaged("missing segment", func(d string, m *archive.Manifest) {
		_ = os.Remove(filepath.Join(d, seg2))
	}, seg2)
	damaged("segment swapped for another", func(d string, m *archive.Manifest) {
		b, _ := os.ReadFile(filepath.Join(d, m.Segments[2].File))
		_ = os.WriteFile(filepath.Join(d, seg2), b, 0o644)
	}, seg2)
}
