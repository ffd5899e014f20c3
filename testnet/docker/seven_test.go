package docker

import (
	"testing"
	"time"
)

// TestSevenValidators runs 7 validators of power 10 (a block needs 47 of
// 70, five precommits): two down, the five left commit; a third down, the
// four left halt without committing anything; one back, the chain resumes;
// the last two back, they catch up and every node agrees on every height.
func TestSevenValidators(t *testing.T) {
	net := up(t, 7)
	r2 := &result{Scenario: "7 validators: kill 2", Note: "stall: longest gap with 2 of 7 down; recovery: the 5 left → 5 blocks"}
	r3 := &result{Scenario: "7 validators: kill a 3rd (halt), restart one", Note: "stall: the halt (by design) until the block after the restart; recovery: restart → first block"}
	record(t, r2)
	record(t, r3)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 7, progressLimit)
	ctx := bg(t)

	// 2 of 7 down: progress
	fault := time.Now()
	r2.Baseline = mon.interval(time.Time{}, fault)
	for _, i := range []int{5, 6} {
		ld.setTarget(i, false)
		if err := net.Kill(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	before := ld.acked()
	start := time.Now()
	blocksContinue(t, net, []int{0, 1, 2, 3, 4}, 5, progressLimit)
	r2.Recovery = time.Since(start)
	for deadline := time.Now().Add(progressLimit); ld.acked() <= before; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no tx acknowledged with 2 of 7 validators down")
		}
	}
	r2.Stall = mon.stall(fault, time.Now())
	r2.Acked = ld.acked()

	// 3 of 7 down: 40 of 70 is not more than 2/3, nothing commits
	fault = time.Now()
	r3.Baseline = mon.interval(start, fault)
	ld.setTarget(4, false)
	if err := net.Kill(ctx, 4); err != nil {
		t.Fatal(err)
	}
	h := halted(t, net, []int{0, 1, 2, 3}, 3*time.Second, 10*time.Second)
	if n := ld.ackedAbove(h); n != 0 {
		t.Fatalf("%d txs acknowledged above the halt height %d with 3 of 7 validators down", n, h)
	}
	remedy := time.Now()
	if err := net.Start(ctx, 4); err != nil {
		t.Fatal(err)
	}
	r3.Recovery = mon.firstBlockAfter(t, remedy, 90*time.Second)
	ld.setTarget(4, true)
	blocksContinue(t, net, []int{0, 1, 2, 3, 4}, 3, progressLimit)
	r3.Stall = mon.stall(fault, time.Now())
	for _, i := range []int{5, 6} {
		if err := net.Start(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{5, 6} {
		waitCaughtUp(t, net, i, catchUpLimit)
		ld.setTarget(i, true)
	}
	time.Sleep(2 * time.Second)
	acks := ld.stop()
	r3.Acked = len(acks) - r2.Acked
	hh, lost := verify(t, net, acks)
	r2.Height, r3.Height = hh, hh
	r3.Lost = lost // the check covers both halves' txs; reported once
	if hh <= h {
		t.Fatalf("final height %d is not above the halt height %d", hh, h)
	}
}
