package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func boolp(b bool) *bool { return &b }

// rows turns the measurements into the table. A row whose measurement did
// not run says so in its value.
func (r *runner) rows() {
	rep := r.rep
	cores := float64(rep.Cores)
	tv := rep.VerifyMicros
	noop, iavl, gov, off := rep.Loads["noop"], rep.Loads["iavl"], rep.Loads["govchain"], rep.Loads["govchain-no-attest"]
	lat, batch := rep.Loads["latency"], rep.Loads["batch10000"]
	add := func(row Row) { rep.Rows = append(rep.Rows, row) }
	var cpu, perCore func(*LoadResult) float64
	// figs are a load's raw figures for a row's JSON.
	figs := func(prefix string, l *LoadResult, more ...any) map[string]float64 {
		m := map[string]float64{}
		if l != nil {
			m[prefix+"tps"], m[prefix+"p50_s"], m[prefix+"p99_s"] = l.TPS, l.P50Sec, l.P99Sec
			m[prefix+"window_s"], m[prefix+"in_window"] = l.WindowSec, float64(l.InWindow)
			m[prefix+"nodes_cores"], m[prefix+"machine_cores"], m[prefix+"client_cores"] = l.CPU.Nodes, l.CPU.Machine, l.CPU.Client
			m[prefix+"cpu_us_per_tx_4_nodes"], m[prefix+"tps_per_node_core"] = cpu(l), perCore(l)
		}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i].(string)] = more[i+1].(float64)
		}
		return m
	}
	notRun := func(name, goal, phase string) Row {
		return Row{Name: name, Text: "not run", Goal: goal, Limited: "phase " + phase + " skipped"}
	}
	win := fmt.Sprintf("%.0f s", r.d.window.Seconds())
	// Per-tx CPU (µs, summed over the four nodes): the cores the nodes
	// used in the window (every core when not measured) ÷ the rate.
	cpu = func(l *LoadResult) float64 {
		if l == nil || l.TPS == 0 {
			return 0
		}
		if l.CPU.Nodes > 0 {
			return l.CPU.Nodes * 1e6 / l.TPS
		}
		return cores * 1e6 / l.TPS
	}
	// Throughput per core the nodes actually used: comparable across
	// windows when other processes take part of the machine.
	perCore = func(l *LoadResult) float64 {
		if l == nil || l.CPU.Nodes <= 0 {
			return 0
		}
		return l.TPS / l.CPU.Nodes
	}
	sat := func(l *LoadResult) string {
		return fmt.Sprintf("%.0f tx/s (%s; p50 %.2f s, p99 %.2f s; %.0f tx/s per node-core: %s)", l.TPS, win, l.P50Sec, l.P99Sec, perCore(l), l.CPU)
	}
	ratio := func(a, b *LoadResult) string {
		s := fmt.Sprintf("%.2f", a.TPS/b.TPS)
		if pa, pb := perCore(a), perCore(b); pa > 0 && pb > 0 {
			s += fmt.Sprintf(" (per node-core %.2f)", pa/pb)
		}
		return s
	}

	if tv > 0 {
		add(Row{Name: "SM2 verify, one core (chain/smcrypto, strict DER)", Value: tv, Unit: "µs", Text: fmt.Sprintf("%.1f µs", tv),
			Figures: figs("", nil, "verify_us", tv, "cores", cores, "verifies_per_s", cores*1e6/tv),
			Limited: fmt.Sprintf("SM2 limit of this machine: %d cores ÷ %.1f µs = %.0f verifies/s", rep.Cores, tv, cores*1e6/tv)})
	} else {
		add(notRun("SM2 verify, one core", "", "verify"))
	}
	if noop != nil {
		add(Row{Name: fmt.Sprintf("no-op app, unsigned %d B txs (engine limit)", rep.TxBytes), Value: noop.TPS, Unit: "tx/s",
			Text: sat(noop), Figures: figs("", noop, "tx_bytes", float64(rep.TxBytes)),
			Limited: fmt.Sprintf("CometBFT (consensus, mempool gossip, block store, tx index: %.0f µs CPU a tx over the 4 nodes) and the block size: a proposal takes at most the proposer's mempool (5,000 txs) each ~1 s height", cpu(noop))})
	} else {
		add(notRun("no-op app (engine limit)", "", "noop"))
	}
	if iavl != nil {
		lim := "IAVL writes and commit on badger"
		if noop != nil {
			lim = fmt.Sprintf("engine %.0f µs + IAVL %.0f µs CPU a tx (4 nodes)", cpu(noop), cpu(iavl)-cpu(noop))
		}
		add(Row{Name: "IAVL-only app, unsigned txs (1 IAVL write a tx)", Value: iavl.TPS, Unit: "tx/s",
			Text: sat(iavl), Limited: lim, Figures: figs("", iavl)})
	} else {
		add(notRun("IAVL-only app", "", "iavl"))
	}
	if gov != nil {
		lim := "CPU"
		f := figs("", gov)
		if noop != nil && iavl != nil && tv > 0 {
			rest := cpu(gov) - cpu(iavl) - 4*tv
			lim = fmt.Sprintf("CPU a tx (4 nodes): engine %.0f µs, IAVL %.0f µs, SM2 4×%.0f µs, contract/JSON/identity/extra writes %.0f µs", cpu(noop), cpu(iavl)-cpu(noop), tv, rest)
			f["engine_cpu_us_per_tx_4_nodes"], f["iavl_cpu_us_per_tx_4_nodes"], f["sm2_cpu_us_per_tx_4_nodes"], f["rest_cpu_us_per_tx_4_nodes"] = cpu(noop), cpu(iavl)-cpu(noop), 4*tv, rest
		}
		add(Row{Name: "govchain, SM2-signed certificate.anchor txs, attestations on", Value: gov.TPS, Unit: "tx/s",
			Text: sat(gov), Limited: lim, Figures: f})
	} else {
		add(notRun("govchain, SM2-signed txs", "", "govchain"))
	}
	if gov != nil && noop != nil && noop.TPS > 0 {
		v := gov.TPS / noop.TPS
		add(Row{Name: "govchain ÷ no-op (engine)", Value: v, Unit: "ratio", Text: ratio(gov, noop), Goal: "≥ 0.35", Met: boolp(v >= 0.35),
			Figures: figs("", nil, "govchain_tps", gov.TPS, "noop_tps", noop.TPS, "per_node_core_ratio", ratioOr0(perCore(gov), perCore(noop))),
			Limited: "signatures, contract and state work on top of the engine (row above)"})
	} else {
		add(notRun("govchain ÷ no-op (engine)", "≥ 0.35", "noop/govchain"))
	}
	if iavl != nil && tv > 0 && iavl.TPS > 0 {
		limit := 1 / (1/iavl.TPS + 4*tv*1e-6/cores)
		add(Row{Name: "CPU-model limit for signed txs: 1/(1/IAVL + 4×verify÷cores)", Value: limit, Unit: "tx/s", Text: fmt.Sprintf("%.0f tx/s", limit),
			Figures: figs("", nil, "iavl_tps", iavl.TPS, "verify_us", tv, "cores", cores),
			Limited: fmt.Sprintf("IAVL-only %.0f tx/s, 4 replicas × %.1f µs ÷ %d cores", iavl.TPS, tv, rep.Cores)})
		if gov != nil {
			v := gov.TPS / limit
			text := fmt.Sprintf("%.2f", v)
			f := figs("", nil, "govchain_tps", gov.TPS, "model_tps", limit)
			if pi, pg := perCore(iavl), perCore(gov); pi > 0 && pg > 0 {
				text += fmt.Sprintf(" (per node-core %.2f)", pg*(1/pi+4*tv*1e-6))
				f["per_node_core_ratio"] = pg * (1/pi + 4*tv*1e-6)
			}
			add(Row{Name: "govchain ÷ CPU-model limit", Value: v, Unit: "ratio", Text: text, Goal: "≥ 0.8", Met: boolp(v >= 0.8), Figures: f,
				Limited: "what the model leaves out: the contract (JSON, identity and grant reads, 4 record/index writes instead of 1), CheckTx and recheck work"})
		} else {
			add(notRun("govchain ÷ CPU-model limit", "≥ 0.8", "govchain"))
		}
	} else {
		add(notRun("CPU-model limit for signed txs", "", "iavl/verify"))
		add(notRun("govchain ÷ CPU-model limit", "≥ 0.8", "iavl/verify"))
	}
	if lat != nil {
		f := figs("", lat, "offered_tps", lat.Offered, "latency_samples", float64(lat.Latencies))
		name := fmt.Sprintf("commit latency at %.0f tx/s offered (submit → block committed)", lat.Offered)
		if gov != nil {
			name = fmt.Sprintf("commit latency at %.0f tx/s offered, half the govchain rate above (submit → block committed)", lat.Offered)
			f["capacity_tps"] = gov.TPS
		}
		add(Row{Name: name, Value: lat.P99Sec, Unit: "s p99",
			Text: fmt.Sprintf("p50 %.2f s, p99 %.2f s (%.0f tx/s committed, %d samples)", lat.P50Sec, lat.P99Sec, lat.TPS, lat.Latencies),
			Goal: "p99 ≤ 1.5 s", Met: boolp(lat.P99Sec <= 1.5 && lat.Latencies > 0), Figures: f,
			Limited: latencyLimit(lat)})
	} else {
		add(notRun("commit latency at half the govchain rate", "p99 ≤ 1.5 s", "govchain"))
	}
	if batch != nil {
		v := batch.TPS * 10_000
		add(Row{Name: "certificates anchored/s, batches of 10,000 a tx", Value: v, Unit: "certs/s",
			Text: fmt.Sprintf("%.0f certs/s (%.0f batch txs/s)", v, batch.TPS), Goal: "≥ 50,000", Met: boolp(v >= 50_000), Figures: figs("", batch, "certs_per_tx", 10_000.0),
			Limited: "the signed-tx rate: a batch tx costs what an anchor tx costs; the issuer's SM3 tree is off chain"})
	} else {
		add(notRun("certificates anchored/s, batches of 10,000", "≥ 50,000", "govchain"))
	}
	if gov != nil {
		add(Row{Name: "certificates anchored/s, one a tx", Value: gov.TPS, Unit: "certs/s", Text: fmt.Sprintf("%.0f certs/s", gov.TPS), Figures: figs("", gov),
			Limited: "the signed-tx rate (the govchain row is this measurement)"})
	}
	if q := rep.Queries; q != nil {
		add(Row{Name: "verify-with-proof queries, one node (GET /v1/certificates/{hash}?prove=true)", Value: q.QPS, Unit: "queries/s",
			Text: fmt.Sprintf("%.0f /s (%d concurrent, %d B answers, each of %d certificates in turn, state of %d keys; node CPU %.0f µs an answer; %s)", q.QPS, q.Workers, q.Bytes, q.Certificates, q.StateKeys, q.NodeMicros, q.CPU), Goal: "≥ 10,000", Met: boolp(q.QPS >= 10_000),
			Figures: figs("", nil, "qps", q.QPS, "queries", float64(q.Queries), "seconds", q.Seconds, "workers", float64(q.Workers), "bytes_per_answer", float64(q.Bytes),
				"node_cpu_us_per_answer", q.NodeMicros, "state_keys", float64(q.StateKeys), "certificates", float64(q.Certificates), "nodes_cores", q.CPU.Nodes, "machine_cores", q.CPU.Machine, "client_cores", q.CPU.Client),
			Limited: "the node's CPU per answer (one ICS23 proof in the head version's shared IAVL tree, the record's status fields, JSON, a loopback write, GC) on the cores it gets: the load generator and the three other validators share the two"})
	} else {
		add(notRun("verify-with-proof queries/s", "≥ 10,000", "govchain"))
	}
	if a := rep.Audit; a != nil && tv > 0 {
		limit := cores * 1e6 / tv
		v := a.ReplayTPS / limit
		add(Row{Name: "audit replay ÷ SM2 verify limit (cores ÷ verify time)", Value: v, Unit: "ratio",
			Text: fmt.Sprintf("%.2f (%.0f tx/s of %d txs ÷ %.0f; ok=%v)", v, a.ReplayTPS, a.Txs, limit, a.OK), Goal: "≥ 0.45", Met: boolp(v >= 0.45 && a.OK),
			Figures: figs("", nil, "replay_tps", a.ReplayTPS, "txs", float64(a.Txs), "blocks", float64(a.Blocks), "sm2_limit_tps", limit, "verify_us", tv, "ok", b2f(a.OK)),
			Limited: "the replay's FinalizeBlock + Commit in order on one core (~1.8–2.2 SM2 verifies of CPU a tx, 59 % of it IAVL Set, SaveVersion and hashing), while on the same cores SM2 runs ahead (1 verify a tx) and blocks are fetched and decoded (~0.9 verify a tx: CometBFT's JSON for blocks, the audit's own decoder for results) and node 0 encodes them; the IAVL writes and hashing alone (33–39 µs a tx, BenchmarkAuditStateFloor) cap the ratio at verify ÷ (verify + IAVL) ≈ 0.6 on any number of cores; " + a.Via})
	} else {
		add(notRun("audit replay ÷ SM2 verify limit", "≥ 0.45", "govchain"))
	}
	if gov != nil && off != nil && off.TPS > 0 {
		v := gov.TPS / off.TPS
		add(Row{Name: "attestations on ÷ off (issue 13)", Value: v, Unit: "ratio", Text: ratio(gov, off) + fmt.Sprintf(": %.0f ÷ %.0f tx/s", gov.TPS, off.TPS),
			Goal: "≥ 0.9", Met: boolp(v >= 0.9), Figures: figs("", nil, "govchain_tps", gov.TPS, "no_attest_tps", off.TPS, "per_node_core_ratio", ratioOr0(perCore(gov), perCore(off))),
			Limited: "the SM2 work is per block (1 sign, 3 + 2×4 verifies a node) and below 1 % of a node's CPU in profiles; vote extensions lengthen each height, so more txs are gossiped, checked and rechecked on every node before a block takes them"})
	} else {
		add(notRun("attestations on ÷ off", "≥ 0.9", "govchain/attest-off"))
	}
	if rc := rep.Records; rc != nil {
		memRows(rep, rc, add)
	} else {
		add(notRun("app own memory after 1M records", "≤ 512 MiB, growth 0.5M→1M ≤ 20 %", "records"))
		add(notRun("disk bytes per record", "≤ 1,000 B at 1M, default pruning", "records"))
	}
}

// memRows are the memory and disk rows of a records run: both measured
// (settled, after a GC) at half and all of the records, never
// extrapolated. The goals are judged at 1,000,000 records; a shorter run
// (--quick) reports its figures without a verdict.
func memRows(rep *Report, rc *RecordsResult, add func(Row)) {
	end := rc.End
	if end == nil { // a child from before half/end were measured
		end = &MemPoint{Records: rc.Records, RSS: rc.RSS, RSSAnon: rc.RSSAnon, RSSFile: rc.RSSFile, HeapLive: rc.HeapLive}
	}
	full := rc.Records >= 1_000_000
	v := mib(end.RSSAnon)
	text := fmt.Sprintf("%.0f MiB own memory after %d records (settled, after a GC; live Go heap %.0f MiB); total RSS %.0f MiB (+ %.0f MiB of mmapped badger tables)",
		v, rc.Records, mib(end.HeapLive), mib(end.RSS), mib(end.RSSFile))
	growth := -1.0
	if h := rc.Half; h != nil && h.RSSAnon > 0 {
		growth = float64(end.RSSAnon-h.RSSAnon) / float64(h.RSSAnon)
		text += fmt.Sprintf("; at %d records %.0f MiB own (heap %.0f MiB, RSS %.0f MiB): growth %+.0f %%",
			h.Records, mib(h.RSSAnon), mib(h.HeapLive), mib(h.RSS), 100*growth)
	}
	text += fmt.Sprintf("; %.0f MiB right after the last block, peak %.0f MiB", mib(rc.RSSBusy), mib(rc.HWM))
	if rc.MemoryLimit > 0 && rc.MemoryLimit < 1<<60 {
		text += fmt.Sprintf(" (GOMEMLIMIT %.0f MiB)", mib(rc.MemoryLimit))
	}
	if len(rep.NodeRSS) > 0 {
		text += fmt.Sprintf("; network nodes (with CometBFT) at %d txs: RSS up to %.0f MiB, own memory up to %.0f MiB", rep.NodeTxs, mib(maxInt(rep.NodeRSS)), mib(maxInt(rep.NodeRSSAnon)))
	}
	var met *bool
	if full {
		met = boolp(v <= 512 && growth >= -1 && growth <= 0.20 && rc.Half != nil)
	} else {
		text = "NOT 1M (goal judged at 1,000,000): " + text
	}
	add(Row{Name: "app own memory after 1M certificate records (in-process app + store, FinalizeBlock batches)", Value: v, Unit: "MiB", Text: text,
		Goal: "≤ 512 MiB, growth 0.5M→1M ≤ 20 %", Met: met,
		Figures: map[string]float64{"records": float64(rc.Records), "own_mib": v, "rss_mib": mib(end.RSS), "rss_file_mib": mib(end.RSSFile), "heap_live_mib": mib(end.HeapLive),
			"growth_half_to_end": growth, "rss_busy_mib": mib(rc.RSSBusy), "hwm_mib": mib(rc.HWM), "memory_limit_mib": mib(rc.MemoryLimit)},
		Limited: "live Go heap: IAVL node cache and fast-node cache, badger memtables, block and index caches and its pooled table-builder buffers (ristretto z.Calloc, up to 8 kept); tables are mmapped (file pages, not own memory)"})
	prune := "every version kept"
	if rc.KeepRecent > 0 {
		prune = fmt.Sprintf("keep_recent %d", rc.KeepRecent)
	}
	dtext := fmt.Sprintf("%.0f B/record app state (%d records, %s)", rc.PerRecord, rc.Records, prune)
	if h := rc.Half; h != nil {
		dtext += fmt.Sprintf("; %.0f B/record at %d (store open)", h.PerRecord, h.Records)
	}
	if rep.NodeTxs > 0 {
		dtext += fmt.Sprintf("; network node %.0f B/tx (blocks, tx index, state)", float64(rep.NodeDisk)/float64(rep.NodeTxs))
	}
	var dmet *bool
	if full {
		dmet = boolp(rc.PerRecord <= 1000)
	} else {
		dtext = "NOT 1M: " + dtext
	}
	add(Row{Name: "disk bytes per record", Value: rc.PerRecord, Unit: "B", Text: dtext, Goal: "≤ 1,000 B at 1M, default pruning", Met: dmet,
		Figures: map[string]float64{"per_record_b": rc.PerRecord, "records": float64(rc.Records), "keep_recent": float64(rc.KeepRecent), "node_disk_b": float64(rep.NodeDisk), "node_txs": float64(rep.NodeTxs)},
		Limited: "record JSON + 3 index keys + sequence, IAVL leaf and inner nodes (and the fast index) of the newest versions, orphans not yet compacted away, badger LSM"})
}

func ratioOr0(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func latencyLimit(l *LoadResult) string {
	if l.TPS < 0.95*l.Offered {
		return fmt.Sprintf("the offered load is above what the network commits here (%.0f tx/s): txs queue in the mempools (and wait for room in them)", l.TPS)
	}
	return "block interval: a tx waits for the next proposal, then propose + 2 vote rounds + FinalizeBlock/Commit"
}

func maxInt(xs []int64) int64 {
	m := int64(0)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// WriteTable prints the report as one table.
func (rep *Report) WriteTable(w io.Writer) {
	mode := "full"
	if rep.Quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "govchain bench (%s) — %s; load average %s at start, %s at end; %.0f s\n", mode, rep.Machine, rep.LoadStart, rep.LoadEnd, rep.Seconds)
	if rep.Command != "" {
		fmt.Fprintf(w, "command: %s\n", rep.Command)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tVALUE\tGOAL\tMET\tLIMITED BY")
	for _, r := range rep.Rows {
		met := ""
		if r.Met != nil {
			met = "no"
			if *r.Met {
				met = "yes"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Text, orDash(r.Goal), orDash(met), r.Limited)
	}
	tw.Flush()
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// WriteMarkdown prints the table for docs/benchmarks.md.
func (rep *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| what | value | goal | met | limited by |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rep.Rows {
		met := ""
		if r.Met != nil {
			met = "no"
			if *r.Met {
				met = "**yes**"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdEsc(r.Name), mdEsc(r.Text), mdEsc(orDash(r.Goal)), orDash(met), mdEsc(r.Limited))
	}
}

func mdEsc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
