package docker

import (
	"context"
	"os"
	"testing"
	"time"
)

// Every scenario runs a fresh 4-validator network (power 10 each: a block
// needs 3 of the 4 precommits) under a steady load of 4 signers, injects a
// fault through Docker, removes it, then verify()s: identical block hashes
// and app hashes at every height on every node, and every acknowledged tx
// present everywhere.

const loadLimit = 6 * time.Minute // the load loop's deadline, whatever happens

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// blocksContinue asserts the nodes in live gain at least n blocks within d.
func blocksContinue(t *testing.T, net *Network, live []int, n int64, d time.Duration) {
	t.Helper()
	h0 := top(net, live...)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if top(net, live...) >= h0+n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("nodes %v went from %d to %d in %s; want +%d blocks", live, h0, top(net, live...), d, n)
}

// halted asserts no node in nodes commits anything for d, after settle for
// a block that was already in flight. It returns the halted height.
func halted(t *testing.T, net *Network, nodes []int, settle, d time.Duration) int64 {
	t.Helper()
	time.Sleep(settle)
	before := make([]int64, len(nodes))
	for k, i := range nodes {
		before[k] = height(net, i)
	}
	time.Sleep(d)
	var h int64
	for k, i := range nodes {
		now := height(net, i)
		if now != before[k] {
			t.Fatalf("node %d committed while it should be halted: %d -> %d", i, before[k], now)
		}
		h = max(h, now)
	}
	return h
}

func TestKillOneOfFour(t *testing.T) {
	net := up(t, 4)
	r := &result{Scenario: "kill 1 of 4, restart", Note: "kill to first block a proposer-less round costs"}
	record(t, r)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 20, time.Minute)
	ctx := bg(t)

	ld.setTarget(3, false)
	fault := time.Now()
	if err := net.Kill(ctx, 3); err != nil {
		t.Fatal(err)
	}
	before := ld.acked()
	blocksContinue(t, net, []int{0, 1, 2}, 8, 30*time.Second)
	if ld.acked() <= before {
		t.Fatal("no tx acknowledged while one validator was down")
	}
	if err := net.Start(ctx, 3); err != nil {
		t.Fatal(err)
	}
	r.Recovery = waitCaughtUp(t, net, 3, time.Minute)
	r.Stall = mon.stall(fault, time.Now())
	ld.setTarget(3, true)
	time.Sleep(3 * time.Second)
	acks := ld.stop()
	r.Acked = len(acks)
	r.Height, r.Lost = verify(t, net, acks)
}

func TestKillTwoOfFour(t *testing.T) {
	net := up(t, 4)
	r := &result{Scenario: "kill 2 of 4 (halt), restart one", Note: "halt (by design) + restart to first block"}
	record(t, r)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 20, time.Minute)
	ctx := bg(t)

	ld.setTarget(2, false)
	ld.setTarget(3, false)
	fault := time.Now()
	for _, i := range []int{2, 3} {
		if err := net.Kill(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	h := halted(t, net, []int{0, 1}, 3*time.Second, 12*time.Second)
	if n := ld.ackedAbove(h); n != 0 {
		t.Fatalf("%d txs acknowledged above the halt height %d with 2 of 4 validators down", n, h)
	}
	remedy := time.Now()
	if err := net.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	r.Recovery = mon.firstBlockAfter(t, remedy, 90*time.Second)
	ld.setTarget(2, true)
	blocksContinue(t, net, []int{0, 1, 2}, 5, 30*time.Second)
	r.Stall = mon.stall(fault, time.Now())
	if err := net.Start(ctx, 3); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, net, 3, time.Minute)
	ld.setTarget(3, true)
	time.Sleep(3 * time.Second)
	acks := ld.stop()
	r.Acked = len(acks)
	r.Height, r.Lost = verify(t, net, acks)
	if r.Height <= h {
		t.Fatalf("final height %d is not above the halt height %d", r.Height, h)
	}
}

var _ = os.Getenv
