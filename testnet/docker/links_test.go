package docker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Degraded links: the validators' p2p connections run through toxiproxy
// (proxy.go), whose toxics make the links slow or lossy while the load
// goes on.

// proxyImage builds the static toxiproxy server (go install of its cmd at
// ToxiproxyVersion, from the module proxy or the module cache) and a FROM
// scratch image of it, removed when the test ends.
func proxyImage(t testing.TB) string {
	t.Helper()
	needDocker(t)
	dir := t.TempDir()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "install", "-trimpath", "github.com/Shopify/toxiproxy/v2/cmd/server@"+ToxiproxyVersion)
	cmd.Dir = dir // outside the govchain module: toxiproxy's own go.mod decides its dependencies
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build toxiproxy (%s): %v\n%s", ToxiproxyBuildCommand, err, out)
	}
	bin := filepath.Join(dir, "toxiproxy-server")
	if err := os.Rename(filepath.Join(dir, "server"), bin); err != nil {
		t.Fatal(err)
	}
	if err := CheckStatic(bin); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(ProxyDockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	// a tag under govchain-e2e, with an owner file, so that leftovers of a
	// killed run are swept and a suite running beside this one keeps it
	tag := "toxiproxy-" + randHex(6)
	owner := ownerFile(tag)
	if err := os.WriteFile(owner, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	img := "govchain-e2e:" + tag
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := Docker(ctx, "build", "--quiet", "-t", img, dir); err != nil {
		os.Remove(owner)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = Docker(ctx, "rmi", "--force", img)
		os.Remove(owner)
	})
	return img
}

// upProxied starts a network whose validator links all run through
// toxiproxy and checks that every peer connection does.
func upProxied(t testing.TB, validators int) (*Network, *ProxyAPI) {
	t.Helper()
	img := proxyImage(t)
	net := upWith(t, validators, func(n *Network) error { return n.UseProxy(img, 0) })
	api := net.ProxyAPI()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := api.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	checkPeersProxied(t, net)
	return net, api
}

// checkPeersProxied asserts, from CometBFT's /net_info, that each node is
// connected to all the others and that every connection's remote address is
// the proxy's on their link: nothing bypasses toxiproxy.
func checkPeersProxied(t testing.TB, net *Network) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), progressLimit)
	defer cancel()
	for i := range net.Nodes {
		for {
			var r struct {
				Peers []struct {
					NodeInfo struct {
						ID string `json:"id"`
					} `json:"node_info"`
					RemoteIP string `json:"remote_ip"`
				} `json:"peers"`
			}
			err := rpcGet(ctx, net, i, "/net_info", &r)
			if err == nil && len(r.Peers) == len(net.Nodes)-1 {
				for _, p := range r.Peers {
					ok := false
					for j, nd := range net.Nodes {
						if nd.NodeID == p.NodeInfo.ID {
							ok = p.RemoteIP == net.LinkBetween(i, j).ProxyIP()
							if !ok {
								t.Fatalf("node %d reaches node %d at %s, not through the proxy (%s)", i, j, p.RemoteIP, net.LinkBetween(i, j).ProxyIP())
							}
						}
					}
					if !ok {
						t.Fatalf("node %d has unknown peer %s", i, p.NodeInfo.ID)
					}
				}
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("node %d: %d peers, want %d (%v)", i, len(r.Peers), len(net.Nodes)-1, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

var streams = []string{"upstream", "downstream"}

// degradeAll adds toxic (named name_<stream>) to both streams of every
// proxy; undo removes them.
func degradeAll(ctx context.Context, api *ProxyAPI, net *Network, toxic Toxic) (undo func(context.Context) error, err error) {
	name := toxic.Name
	var added [][2]string
	undo = func(ctx context.Context) error {
		var first error
		for _, a := range added {
			if err := api.RemoveToxic(ctx, a[0], a[1]); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for a := range net.Nodes {
		for b := range net.Nodes {
			if a == b {
				continue
			}
			for _, s := range streams {
				tx := toxic
				tx.Name, tx.Stream = name+"_"+s, s
				if err := api.AddToxic(ctx, ProxyName(a, b), tx); err != nil {
					_ = undo(ctx)
					return nil, err
				}
				added = append(added, [2]string{ProxyName(a, b), tx.Name})
			}
		}
	}
	return undo, nil
}

// latencyToxic is 200 ms ± 50 ms on each stream: every chunk of bytes is
// delivered 150–250 ms (uniform) after it reached the proxy, in order, in
// each direction, so a round trip between two validators takes ~400 ms.
func latencyToxic() Toxic {
	return Toxic{Name: "latency", Type: "latency", Attributes: map[string]any{"latency": 200, "jitter": 50}}
}

// lossDriver turns a packet loss rate into what TCP makes of it. A TCP
// stream never loses bytes: a lost segment holds everything behind it until
// its retransmission, at least Linux's 200 ms minimum retransmission
// timeout later. So "pct % loss" is: each direction of every link is held
// for pct % of the time, in holds of 200–400 ms (uniform). Each direction
// has one hold per cycle of 300 ms × 100/pct (6 s at 5 %), at a random
// moment of the cycle, so over whole cycles the held fraction is pct % and
// the holds of different links are not aligned. A hold is a toxiproxy
// latency toxic of 60 s
// added and then removed: removing it releases the held bytes at once and in
// order, so nothing is dropped, as with TCP.
type lossDriver struct {
	pct    float64
	held   atomic.Int64 // total hold time, ns, over all directions
	holds  atomic.Int64
	errs   atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  time.Time
	dirs   int
	cycle  time.Duration
}

func startLoss(api *ProxyAPI, net *Network, pct float64) *lossDriver {
	ctx, cancel := context.WithCancel(context.Background())
	const minHold, maxHold = 200 * time.Millisecond, 400 * time.Millisecond
	meanHold := (minHold + maxHold) / 2
	d := &lossDriver{pct: pct, cancel: cancel, start: time.Now(), cycle: time.Duration(float64(meanHold) * 100 / pct)}
	for a := range net.Nodes {
		for b := range net.Nodes {
			if a == b {
				continue
			}
			for _, s := range streams {
				d.dirs++
				d.wg.Add(1)
				go func(proxy, stream string) {
					defer d.wg.Done()
					name := "hold_" + stream
					for c := d.start; ; c = c.Add(d.cycle) {
						hold := minHold + time.Duration(rand.Int64N(int64(maxHold-minHold)))
						at := c.Add(time.Duration(rand.Int64N(int64(d.cycle - hold))))
						select {
						case <-ctx.Done():
							return
						case <-time.After(time.Until(at)):
						}
						actx, acancel := context.WithTimeout(context.Background(), 10*time.Second)
						err := api.AddToxic(actx, proxy, Toxic{Name: name, Type: "latency", Stream: stream, Attributes: map[string]any{"latency": 60000}})
						acancel()
						if err != nil {
							d.errs.Add(1)
							continue
						}
						t0 := time.Now()
						time.Sleep(hold)
						// removed even when the driver stops meanwhile: a
						// 60 s toxic must not outlive the phase
						rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
						err = api.RemoveToxic(rctx, proxy, name)
						rcancel()
						if err != nil {
							d.errs.Add(1)
						}
						d.held.Add(int64(time.Since(t0)))
						d.holds.Add(1)
					}
				}(ProxyName(a, b), s)
			}
		}
	}
	return d
}

// cycles is how many whole cycles have passed.
func (d *lossDriver) cycles() int { return int(time.Since(d.start) / d.cycle) }

// stop ends the holds and returns the fraction of time the links were held
// (over every direction of every link).
func (d *lossDriver) stop() float64 {
	d.cancel()
	d.wg.Wait()
	total := time.Since(d.start) * time.Duration(d.dirs)
	return float64(d.held.Load()) / float64(total)
}

// phase measures one degraded stretch: from the toxics' start until the
// nodes gained blocks and acknowledged minAcks more txs.
// until also holds, when not nil, e.g. for enough loss cycles.
func degradedPhase(t *testing.T, net *Network, mon *monitor, ld *load, r *result, blocks int64, minAcks int, until func() bool) (from, to time.Time) {
	t.Helper()
	from = time.Now()
	before := ld.acked()
	blocksContinue(t, net, all(net), blocks, progressLimit)
	for deadline := time.Now().Add(progressLimit); ld.acked() < before+minAcks; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d txs acknowledged in %s", r.Scenario, ld.acked()-before, progressLimit)
		}
	}
	for until != nil && !until() {
		time.Sleep(100 * time.Millisecond)
	}
	to = time.Now()
	r.Interval = mon.interval(from, to)
	r.Latency, _ = ld.commitLatency(from, to)
	r.Stall = mon.stall(from, to)
	return from, to
}

// TestDegradedLinks runs 4 validators whose every link goes through
// toxiproxy: first 200 ± 50 ms latency on every link, then 5 % loss (see
// lossDriver), then a bandwidth limit of 32 KB/s each way. The chain must keep committing and acknowledging txs in each,
// and recover its pace when the toxics go.
func TestDegradedLinks(t *testing.T) {
	net, api := upProxied(t, 4)
	rLat := &result{Scenario: "latency 200 ± 50 ms each way on every link (toxiproxy)",
		Note: "block interval, commit latency (median, submit → wait=commit answer) and stall: while degraded; recovery: toxics removed → first block"}
	rLoss := &result{Scenario: "5 % loss on every link (toxiproxy, as TCP retransmission holds)"}
	rBW := &result{Scenario: "bandwidth 32 KB/s each way on every link (toxiproxy)", Note: "columns as above"}
	record(t, rLat)
	record(t, rLoss)
	record(t, rBW)
	mon := startMonitor(t, net)
	ld := startLoad(t, net, loadLimit)
	ld.waitAcks(t, 12, progressLimit)
	ctx := bg(t)

	rLat.Baseline = mon.interval(time.Time{}, time.Now())
	undo, err := degradeAll(ctx, api, net, latencyToxic())
	if err != nil {
		t.Fatal(err)
	}
	from, _ := degradedPhase(t, net, mon, ld, rLat, 6, 8, nil)
	_, p95 := ld.commitLatency(from, time.Now())
	t.Logf("latency: block interval %s, commit latency median %s p95 %s", rLat.Interval, rLat.Latency, p95)
	// the toxics really delay the links: a commit needs at least three
	// one-way trips after the proposal (proposal, prevotes, precommits),
	// each ≥ 150 ms, whatever the machine's speed
	if rLat.Latency < 450*time.Millisecond {
		t.Fatalf("with 200 ms latency the median commit latency is %s: the links are not delayed", rLat.Latency)
	}
	healed := time.Now()
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	rLat.Recovery = mon.firstBlockAfter(t, healed, 90*time.Second)
	rLat.Acked = ld.acked()

	blocksContinue(t, net, all(net), 2, progressLimit)
	rLoss.Baseline = mon.interval(healed, time.Now())
	loss := startLoss(api, net, 5)
	// whole cycles, so that the links were held 5 % of the phase
	degradedPhase(t, net, mon, ld, rLoss, 6, 8, func() bool { return loss.cycles() >= 2 })
	healed = time.Now()
	heldFrac := loss.stop()
	if heldFrac < 0.025 {
		t.Fatalf("the links were held %.1f %% of the time, want about 5 %%", 100*heldFrac)
	}
	if loss.errs.Load() > 0 {
		t.Fatalf("%d toxiproxy API calls failed", loss.errs.Load())
	}
	if loss.holds.Load() == 0 {
		t.Fatal("no link was ever held")
	}
	rLoss.Recovery = mon.firstBlockAfter(t, healed, 90*time.Second)
	rLoss.Note = fmt.Sprintf("each direction of each link held %.1f %% of the time (%d holds of 200–400 ms); columns as above", 100*heldFrac, loss.holds.Load())
	t.Logf("loss: block interval %s, commit latency %s, %d holds, held %.1f%%", rLoss.Interval, rLoss.Latency, loss.holds.Load(), 100*heldFrac)

	rLoss.Acked = ld.acked() - rLat.Acked

	// a thin pipe: toxiproxy's bandwidth toxic on both directions of
	// every link (a block of a few txs is a few KB)
	blocksContinue(t, net, all(net), 2, progressLimit)
	rBW.Baseline = mon.interval(healed, time.Now())
	undo, err = degradeAll(ctx, api, net, Toxic{Name: "bandwidth", Type: "bandwidth", Attributes: map[string]any{"rate": 32}})
	if err != nil {
		t.Fatal(err)
	}
	degradedPhase(t, net, mon, ld, rBW, 6, 8, nil)
	healed = time.Now()
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	rBW.Recovery = mon.firstBlockAfter(t, healed, 90*time.Second)

	time.Sleep(2 * time.Second)
	acks := ld.stop()
	rBW.Acked = len(acks) - rLat.Acked - rLoss.Acked
	h, lost := verify(t, net, acks)
	rLat.Height, rLoss.Height, rBW.Height = h, h, h
	rBW.Lost = lost // the check covers every phase's txs; reported once
}
