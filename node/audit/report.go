package audit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Finding kinds. Failures mean the node's chain or its claims do not verify;
// anomalies are facts an auditor should look at on an honest chain.
const (
	KindHeader           = "header"            // malformed block or wrong block ID
	KindHeaderLink       = "header_link"       // LastBlockID does not link
	KindCommit           = "commit"            // commit signatures do not verify
	KindValidators       = "validators"        // validator set hash or updates mismatch
	KindAppHash          = "app_hash"          // replayed state differs from the signed app hash
	KindResultsHash      = "results_hash"      // results differ from the signed LastResultsHash
	KindResults          = "result"            // a tx result differs from the replay
	KindEvents           = "events"            // events differ from the replay
	KindEvidence         = "evidence"          // evidence in a block does not verify
	KindCheckpoint       = "checkpoint"        // the chain differs from a saved checkpoint
	KindState            = "state"             // the node serves state that differs from the replay
	KindEquivocation     = "equivocation"      // verified double signing (anomaly)
	KindTxRejected       = "tx_rejected"       // a tx in a block failed on execution (anomaly)
	KindValidatorChange  = "validator_change"  // validator set changed (anomaly)
	KindMissedSignatures = "missed_signatures" // a validator did not sign some commits (anomaly)
	KindLog              = "log"               // same result, different log text (anomaly)
)

// Finding is one failure or anomaly.
type Finding struct {
	Height int64  `json:"height"`
	Index  int    `json:"index,omitempty"`
	Tx     string `json:"tx,omitempty"`
	Dept   string `json:"dept,omitempty"`
	Type   string `json:"type,omitempty"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// DeptCount is the number of txs of one type signed by one department.
type DeptCount struct {
	Dept     string `json:"dept"`
	Type     string `json:"type"`
	Txs      int64  `json:"txs"`
	Rejected int64  `json:"rejected"`
}

// Resumed says what a run resumed from a checkpoint did not redo.
type Resumed struct {
	Height     int64     `json:"height"`
	HeaderHash string    `json:"header_hash"`
	AppHash    string    `json:"app_hash"`
	Saved      time.Time `json:"saved"`
	Skipped    string    `json:"skipped"`
}

// StateChecked is the outcome of comparing the node's served state at
// Height with the replay.
type StateChecked struct {
	Height     int64 `json:"height"`
	Keys       int   `json:"keys"`
	Mismatched int   `json:"mismatched"`
	Extra      int   `json:"extra"`
	Sample     int   `json:"sample,omitempty"`
}

// Report is the outcome of an audit.
type Report struct {
	OK          bool   `json:"ok"`
	Node        string `json:"node"`
	ChainID     string `json:"chain_id"`
	GenesisHash string `json:"genesis_hash"`
	// GenesisGiven: the genesis came from the auditor (--genesis) and the
	// node's was identical; otherwise it is the node's.
	GenesisGiven  bool  `json:"genesis_given"`
	InitialHeight int64 `json:"initial_height"`
	// From..To were audited; Latest is the node's height (header To+1 is
	// checked against its own commit).
	From   int64 `json:"from"`
	To     int64 `json:"to"`
	Latest int64 `json:"latest"`
	// Blocks and Txs replayed (from the genesis, whatever From is).
	Blocks      int64 `json:"blocks"`
	Txs         int64 `json:"txs"`
	RejectedTxs int64 `json:"rejected_txs"`
	// CommitsVerified with SignaturesVerified validator signatures;
	// CommitsSkipped below From or a checkpoint.
	CommitsVerified    int64    `json:"commits_verified"`
	SignaturesVerified int64    `json:"signatures_verified"`
	CommitsSkipped     int64    `json:"commits_skipped"`
	AppHash            string   `json:"app_hash"` // replayed state after To
	Resumed            *Resumed `json:"resumed,omitempty"`
	CheckpointHeight   int64    `json:"checkpoint_height,omitempty"`
	// StateChecked reports the served-state check (nil when not run).
	StateChecked *StateChecked `json:"state_checked,omitempty"`

	Started            time.Time `json:"started"`
	Finished           time.Time `json:"finished"`
	Seconds            float64   `json:"seconds"`
	ReplaySeconds      float64   `json:"replay_seconds"`
	TxsPerSecond       float64   `json:"txs_per_second"`
	ReplayTxsPerSecond float64   `json:"replay_txs_per_second"`
	Workers            int       `json:"workers"`
	Cores              int       `json:"cores"`

	ByDept        []DeptCount    `json:"by_dept"`
	Equivocations []Equivocation `json:"equivocations"`
	FailureCount  int64          `json:"failure_count"`
	AnomalyCount  int64          `json:"anomaly_count"`
	Failures      []Finding      `json:"failures"`
	Anomalies     []Finding      `json:"anomalies"`
}

// Summary is a one-paragraph verdict for people.
func (r *Report) Summary() string {
	var b strings.Builder
	verdict := "PASSED"
	if !r.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "audit %s: chain %s, node %s\n", verdict, r.ChainID, r.Node)
	src := "as the node serves it: compare this hash with one you trust, or pass --genesis"
	if r.GenesisGiven {
		src = "the --genesis file; the node's is identical"
	}
	fmt.Fprintf(&b, "  genesis %s (%s)\n", r.GenesisHash, src)
	fmt.Fprintf(&b, "  heights %d..%d replayed from the genesis (%d blocks, %d txs, %d rejected on execution)\n", r.InitialHeight, r.To, r.Blocks, r.Txs, r.RejectedTxs)
	fmt.Fprintf(&b, "  commits verified: %d (%d validator signatures); skipped: %d\n", r.CommitsVerified, r.SignaturesVerified, r.CommitsSkipped)
	if r.Resumed != nil {
		fmt.Fprintf(&b, "  resumed from checkpoint at height %d: %s\n", r.Resumed.Height, r.Resumed.Skipped)
	}
	fmt.Fprintf(&b, "  app hash after %d: %s (matches header %d: %v)\n", r.To, r.AppHash, r.To+1, r.OK || !r.hasKind(KindAppHash))
	if sc := r.StateChecked; sc != nil {
		fmt.Fprintf(&b, "  served state at %d: %d keys read with proofs, %d differ from the replay, %d extra keys on the node\n", sc.Height, sc.Keys, sc.Mismatched, sc.Extra)
	}
	fmt.Fprintf(&b, "  %.1f s, %.0f tx/s end to end, replay alone %.0f tx/s, %d workers on %d cores\n", r.Seconds, r.TxsPerSecond, r.ReplayTxsPerSecond, r.Workers, r.Cores)
	fmt.Fprintf(&b, "  failures: %d, anomalies: %d, equivocations: %d\n", r.FailureCount, r.AnomalyCount, len(r.Equivocations))
	return b.String()
}

func (r *Report) hasKind(k string) bool {
	for _, f := range r.Failures {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// FailuresAt returns the failures recorded at height h.
func (r *Report) FailuresAt(h int64) []Finding {
	var out []Finding
	for _, f := range r.Failures {
		if f.Height == h {
			out = append(out, f)
		}
	}
	return out
}

// DeptTotals sums ByDept per department.
func (r *Report) DeptTotals() map[string]int64 {
	out := map[string]int64{}
	for _, c := range r.ByDept {
		out[c.Dept] += c.Txs
	}
	return out
}

// WriteFile writes the report as JSON, CSV or XLSX, chosen by the file's
// extension.
func (r *Report) WriteFile(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(path, append(b, '\n'), 0o644)
	case ".csv":
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := r.WriteCSV(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case ".xlsx":
		return r.WriteXLSX(path)
	default:
		return fmt.Errorf("report %s: the extension must be .json, .csv or .xlsx", path)
	}
}

var csvHeader = []string{"section", "height", "index", "tx", "dept", "type", "count", "rejected", "kind", "reason"}

// WriteCSV writes one table with a section column: summary, dept, failure,
// anomaly.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for _, kv := range r.summaryRows() {
		_ = cw.Write([]string{"summary", "", "", "", "", kv[0], "", "", "", kv[1]})
	}
	for _, c := range r.ByDept {
		_ = cw.Write([]string{"dept", "", "", "", c.Dept, c.Type, itoa(c.Txs), itoa(c.Rejected), "", ""})
	}
	for _, f := range r.Failures {
		_ = cw.Write(findingRow("failure", f))
	}
	for _, f := range r.Anomalies {
		_ = cw.Write(findingRow("anomaly", f))
	}
	cw.Flush()
	return cw.Error()
}

func findingRow(section string, f Finding) []string {
	return []string{section, itoa(f.Height), strconv.Itoa(f.Index), f.Tx, f.Dept, f.Type, "", "", f.Kind, f.Reason}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (r *Report) summaryRows() [][2]string {
	ok := "PASSED"
	if !r.OK {
		ok = "FAILED"
	}
	rows := [][2]string{
		{"verdict", ok}, {"chain_id", r.ChainID}, {"node", r.Node}, {"genesis_hash", r.GenesisHash},
		{"from", itoa(r.From)}, {"to", itoa(r.To)}, {"blocks", itoa(r.Blocks)}, {"txs", itoa(r.Txs)},
		{"rejected_txs", itoa(r.RejectedTxs)}, {"commits_verified", itoa(r.CommitsVerified)},
		{"signatures_verified", itoa(r.SignaturesVerified)}, {"commits_skipped", itoa(r.CommitsSkipped)},
		{"app_hash", r.AppHash}, {"failures", itoa(r.FailureCount)}, {"anomalies", itoa(r.AnomalyCount)},
		{"equivocations", strconv.Itoa(len(r.Equivocations))},
		{"seconds", strconv.FormatFloat(r.Seconds, 'f', 2, 64)}, {"txs_per_second", strconv.FormatFloat(r.TxsPerSecond, 'f', 0, 64)},
		{"started", r.Started.Format(time.RFC3339)}, {"finished", r.Finished.Format(time.RFC3339)},
	}
	if r.Resumed != nil {
		rows = append(rows, [2]string{"resumed_from", itoa(r.Resumed.Height)}, [2]string{"resume_skipped", r.Resumed.Skipped})
	}
	return rows
}

// WriteXLSX writes four sheets: Summary, Departments, Failures, Anomalies.
func (r *Report) WriteXLSX(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	sheet := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		hdr := make([]any, len(header))
		for i, h := range header {
			hdr[i] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return err
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	var sum [][]any
	for _, kv := range r.summaryRows() {
		sum = append(sum, []any{kv[0], kv[1]})
	}
	if err := sheet("Summary", []string{"field", "value"}, sum); err != nil {
		return err
	}
	var depts [][]any
	for _, c := range r.ByDept {
		depts = append(depts, []any{c.Dept, c.Type, c.Txs, c.Rejected})
	}
	if err := sheet("Departments", []string{"department", "type", "txs", "rejected"}, depts); err != nil {
		return err
	}
	findings := func(fs []Finding) [][]any {
		var out [][]any
		for _, x := range fs {
			out = append(out, []any{x.Height, x.Index, x.Tx, x.Dept, x.Type, x.Kind, x.Reason})
		}
		return out
	}
	fh := []string{"height", "index", "tx", "department", "type", "kind", "reason"}
	if err := sheet("Failures", fh, findings(r.Failures)); err != nil {
		return err
	}
	if err := sheet("Anomalies", fh, findings(r.Anomalies)); err != nil {
		return err
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return err
	}
	return f.SaveAs(path)
}
