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
			Limited: "the sequential part (~80 µs a tx: contract, JSON, identity reads, IAVL) while SM2 runs on the other cores; the IAVL writes and hashing alone (33–39 µs a tx, BenchmarkAuditStateFloor) cap the ratio at verify ÷ (verify + IAVL) ≈ 0.6 on any number of cores; " + a.Via})
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
		v := mib(rc.RSS)
		text := fmt.Sprintf("%.0f MiB settled after %d records (idle, after a GC: %.0f MiB own memory, live Go heap %.0f MiB, + %.0f MiB of mmapped badger tables); %.0f MiB right after the last block, peak %.0f MiB",
			v, rc.Records, mib(rc.RSSAnon), mib(rc.HeapLive), mib(rc.RSSFile), mib(rc.RSSBusy), mib(rc.HWM))
		if rc.Records < 1_000_000 {
			est := extrapolate(rc, 1_000_000)
			text = fmt.Sprintf("%.0f MiB at 1M EXTRAPOLATED linearly from the settled RSS at %d (%.0f MiB) and %d records; measured: ",
				mib(est), rc.SettledHalf.Records, mib(rc.SettledHalf.RSS), rc.Records) + text
			v = mib(est)
		}
		if len(rep.NodeRSS) > 0 {
			text += fmt.Sprintf("; network nodes (with CometBFT) at %d txs: RSS up to %.0f MiB, own memory up to %.0f MiB", rep.NodeTxs, mib(maxInt(rep.NodeRSS)), mib(maxInt(rep.NodeRSSAnon)))
		}
		add(Row{Name: "app resident memory after 1M certificate records (in-process app + store, FinalizeBlock batches)", Value: v, Unit: "MiB", Text: text,
			Goal: "≤ 512 MiB", Met: boolp(v <= 512), Figures: figs("", nil, "records", float64(rc.Records), "rss_mib", mib(rc.RSS), "rss_anon_mib", mib(rc.RSSAnon), "rss_file_mib", mib(rc.RSSFile),
				"heap_live_mib", mib(rc.HeapLive), "rss_busy_mib", mib(rc.RSSBusy), "hwm_mib", mib(rc.HWM), "value_mib", v), Limited: "badger: tables are mmapped (their pages count in RSS as the state grows) and its pooled table-builder buffers (ristretto z.Calloc) are most of the live heap; IAVL node cache (200,000 nodes), memtables; Go's GC headroom while busy"})
		dtext := fmt.Sprintf("%.0f B/record app state (%d records, every version kept)", rc.PerRecord, rc.Records)
		if rep.NodeTxs > 0 {
			dtext += fmt.Sprintf("; network node %.0f B/tx (blocks, tx index, state)", float64(rep.NodeDisk)/float64(rep.NodeTxs))
		}
		add(Row{Name: "disk bytes per record", Value: rc.PerRecord, Unit: "B", Text: dtext,
			Figures: figs("", nil, "per_record_b", rc.PerRecord, "records", float64(rc.Records), "node_disk_b", float64(rep.NodeDisk), "node_txs", float64(rep.NodeTxs)),
			Limited: "record JSON + 3 index keys + sequence, IAVL inner nodes of each version (keep_recent 0), badger LSM"})
	} else {
		add(notRun("app resident memory after 1M records", "≤ 512 MiB", "records"))
		add(notRun("disk bytes per record", "", "records"))
	}
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

// extrapolate the settled RSS at n records linearly from its growth
// between half and all of the records.
func extrapolate(rc *RecordsResult, n int) int64 {
	a := rc.SettledHalf
	if a.Records == 0 || rc.Records <= a.Records {
		return rc.RSS
	}
	slope := float64(rc.RSS-a.RSS) / float64(rc.Records-a.Records)
	return rc.RSS + int64(max(0, slope)*float64(n-rc.Records))
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
