package docker

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

// soakDefault is the soak's length when GOVCHAIN_SOAK is not set: long
// enough for each of the four faults to come round at least once.
const soakDefault = 2 * time.Minute

// soakCommand is how to run it for d (docs/reliability.md).
func soakCommand(d time.Duration) string {
	return fmt.Sprintf("GOVCHAIN_SOAK=%s go test ./testnet/docker -run XXX -bench Soak -benchtime 1x -timeout 0 -v", d)
}

// soakDuration reads GOVCHAIN_SOAK (a Go duration such as 1h or 10m).
func soakDuration(b *testing.B) time.Duration {
	v := os.Getenv("GOVCHAIN_SOAK")
	if v == "" {
		return soakDefault
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("GOVCHAIN_SOAK=%q: want a positive duration such as 10m or 1h", v)
	}
	return d
}

// soakKind aggregates one kind of fault over the soak's rounds.
type soakKind struct {
	r         *result
	rounds    int
	windows   [][2]time.Time
	intervals []time.Duration
	latencies []time.Duration
}

func medianOf(ds []time.Duration) time.Duration {
	var xs []time.Duration
	for _, d := range ds {
		if d > 0 {
			xs = append(xs, d)
		}
	}
	if len(xs) == 0 {
		return 0
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return xs[len(xs)/2]
}

// BenchmarkSoak runs 4 validators whose links go through toxiproxy under
// steady load for GOVCHAIN_SOAK (default soakDefault), cycling through four faults, each on the next validator:
// kill -9 and restart; partition 3|1 and heal; 200 ± 50 ms latency on every
// link; 5 % loss on every link (lossDriver). Each fault lasts until the
// others (or all, for latency and loss) gained 4 blocks; between faults the
// whole network must gain 2. At the end every node must agree at every
// height and hold every acknowledged tx. It prints one row per kind of
// fault: worst stall and recovery, median block interval and commit latency
// while faulted. It is a measurement, so a benchmark; b.N is ignored:
//
//	GOVCHAIN_SOAK=1h go test ./testnet/docker -run XXX -bench Soak -benchtime 1x -timeout 0 -v
func BenchmarkSoak(t *testing.B) {
	soakFor := soakDuration(t)
	net, api := upProxied(t, 4)
	dur := soakFor.Round(time.Minute).String()
	kinds := []*soakKind{
		{r: &result{Scenario: "soak " + dur + ": kill -9 1 of 4, restart"}},
		{r: &result{Scenario: "soak " + dur + ": partition 3|1, heal"}},
		{r: &result{Scenario: "soak " + dur + ": latency 200 ± 50 ms on every link"}},
		{r: &result{Scenario: "soak " + dur + ": 5 % loss on every link"}},
	}
	for _, k := range kinds {
		record(t, k.r)
	}
	mon := startMonitor(t, net)
	ld := startLoad(t, net, soakFor+20*time.Minute)
	ld.waitAcks(t, 12, progressLimit)
	// bg's 5 minutes would end the docker commands of a longer soak
	ctx, cancel := context.WithTimeout(context.Background(), soakFor+20*time.Minute)
	defer cancel()
	baseline := mon.interval(time.Time{}, time.Now())
	end := time.Now().Add(soakFor)
	for round := 0; time.Now().Before(end); round++ {
		k := kinds[round%len(kinds)]
		v := (round / len(kinds)) % len(net.Nodes)
		k.rounds++
		k.r.Baseline = baseline
		from := time.Now()
		var recovery time.Duration
		switch round % len(kinds) {
		case 0:
			ld.setTarget(v, false)
			if err := net.Kill(ctx, v); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			blocksContinue(t, net, others(net, v), 4, progressLimit)
			if err := net.Start(ctx, v); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			recovery = waitCaughtUp(t, net, v, catchUpLimit)
			ld.setTarget(v, true)
		case 1:
			ld.setTarget(v, false)
			if err := net.Partition(ctx, others(net, v), []int{v}); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			blocksContinue(t, net, others(net, v), 4, progressLimit)
			if err := net.Heal(ctx); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			recovery = waitCaughtUp(t, net, v, catchUpLimit)
			ld.setTarget(v, true)
		case 2:
			undo, err := degradeAll(ctx, api, net, latencyToxic())
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			blocksContinue(t, net, all(net), 4, progressLimit)
			healed := time.Now()
			if err := undo(ctx); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			recovery = mon.firstBlockAfter(t, healed, progressLimit)
		case 3:
			loss := startLoss(api, net, 5)
			blocksContinue(t, net, all(net), 4, progressLimit)
			for loss.cycles() < 2 {
				time.Sleep(100 * time.Millisecond)
			}
			healed := time.Now()
			loss.stop()
			if n := loss.errs.Load(); n > 0 {
				t.Fatalf("round %d: %d toxiproxy API calls failed", round, n)
			}
			recovery = mon.firstBlockAfter(t, healed, progressLimit)
		}
		to := time.Now()
		k.windows = append(k.windows, [2]time.Time{from, to})
		k.intervals = append(k.intervals, mon.interval(from, to))
		lat, _ := ld.commitLatency(from, to)
		k.latencies = append(k.latencies, lat)
		k.r.Stall = max(k.r.Stall, mon.stall(from, to))
		k.r.Recovery = max(k.r.Recovery, recovery)
		// the whole network commits again before the next fault
		blocksContinue(t, net, all(net), 2, progressLimit)
		on := ""
		if round%len(kinds) < 2 {
			on = fmt.Sprintf(" (node %d)", v)
		}
		t.Logf("round %d: %s%s, %s, recovery %s, %d txs acknowledged so far",
			round, k.r.Scenario, on, to.Sub(from).Round(100*time.Millisecond), recovery.Round(100*time.Millisecond), ld.acked())
	}
	time.Sleep(2 * time.Second)
	acks := ld.stop()
	h, lost := verify(t, net, acks)
	for _, k := range kinds {
		k.r.Interval, k.r.Latency, k.r.Height = medianOf(k.intervals), medianOf(k.latencies), h
		for _, a := range acks {
			for _, w := range k.windows {
				if !a.done.Before(w[0]) && !a.done.After(w[1]) {
					k.r.Acked++
					break
				}
			}
		}
		k.r.Note = fmt.Sprintf("%d rounds; stall and recovery: worst round; interval and latency: median of the rounds' medians; txs: acknowledged during these faults (%d in all)", k.rounds, len(acks))
	}
	kinds[len(kinds)-1].r.Lost = lost // every tx of the run is checked; reported once
	kinds[len(kinds)-1].r.Note += "; txs lost: the whole run (`" + soakCommand(soakFor) + "`)"
}
