package credittypes

// The answers of the evaluation routes and their client-side checks: a
// grade is never taken from the node; Verify recomputes it (package grade)
// from the proven event records, the proven rule and the proven block
// time, and refuses an answer whose grade or explanation differs.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/contracts/credit/grade"
)

// CreditGradeResult is GET /v1/credit/subjects/{ref}/grade.
type CreditGradeResult struct {
	Ref       string `json:"ref"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time"`
	Found     bool   `json:"found"`
	// Grade at BlockTime under Rules (nil when the subject has no events).
	Grade *grade.Grade `json:"grade,omitempty"`
	Rules *RulesRecord `json:"rules"`
	// RulesKey is credit/rules/current (the version in force at Height) or
	// credit/rules/v/<n> (a version asked for with ?rules_version=).
	RulesKey   string `json:"rules_key"`
	SubjectKey string `json:"subject_key"`
	// Proofs (prove=true): block time, rule, subject summary, and every
	// event record in summary order.
	BlockTimeProof *proof.Proof   `json:"block_time_proof,omitempty"`
	RulesProof     *proof.Proof   `json:"rules_proof,omitempty"`
	SubjectProof   *proof.Proof   `json:"subject_proof,omitempty"`
	EventProofs    []*proof.Proof `json:"event_proofs,omitempty"`
}

// verifyRules checks the rule's proof: the key is the current one or that
// of the version it holds.
func verifyRules(p *proof.Proof, keyName string, root []byte, height int64, c *CreditCheck) (*RulesRecord, error) {
	if err := verifyProof(p, []byte(keyName), root); err != nil {
		return nil, err
	}
	if p.Value == nil {
		return nil, fmt.Errorf("no credit rules at %s at height %d (proven absent)", keyName, height)
	}
	var rr RulesRecord
	if err := json.Unmarshal(p.Value, &rr); err != nil {
		return nil, fmt.Errorf("proven rules: %w", err)
	}
	if keyName != string(RulesCurrentKey()) && keyName != string(RulesVersionKey(rr.Version)) {
		return nil, fmt.Errorf("%s is not a credit rules key of version %d", keyName, rr.Version)
	}
	if err := ValidateRules(&rr.Rules); err != nil {
		return nil, fmt.Errorf("proven rules version %d: %w", rr.Version, err)
	}
	c.Verified = append(c.Verified, fmt.Sprintf("rules version %d (in force from height %d) at %s (ICS23 proof OK)", rr.Version, rr.Height, keyName))
	return &rr, nil
}

// verifySubjectGrade proves a subject's summary and records and grades
// them; nil grade when the subject is proven to have no events.
func verifySubjectGrade(root []byte, ref string, sp *proof.Proof, eps []*proof.Proof, rr *RulesRecord, bt time.Time) (*grade.Grade, int, error) {
	sk := SubjectKey(ref)
	if err := verifyProof(sp, sk, root); err != nil {
		return nil, 0, err
	}
	if sp.Value == nil {
		if len(eps) != 0 {
			return nil, 0, fmt.Errorf("subject %s is proven to have no events, but the answer proves %d", ref, len(eps))
		}
		return nil, 0, nil
	}
	var s Subject
	if err := json.Unmarshal(sp.Value, &s); err != nil {
		return nil, 0, err
	}
	if s.Ref != ref {
		return nil, 0, fmt.Errorf("proven summary is of %s, not %s", s.Ref, ref)
	}
	if len(eps) != len(s.Events) {
		return nil, 0, fmt.Errorf("the summary of %s lists %d events, the answer proves %d", ref, len(s.Events), len(eps))
	}
	recs := make([]*Record, len(s.Events))
	for i, id := range s.Events {
		if err := verifyProof(eps[i], EventKey(id), root); err != nil {
			return nil, 0, err
		}
		if eps[i].Value == nil {
			return nil, 0, fmt.Errorf("event %s is proven absent", id)
		}
		recs[i] = &Record{}
		if err := json.Unmarshal(eps[i].Value, recs[i]); err != nil {
			return nil, 0, err
		}
		if recs[i].ID != id || recs[i].SubjectRef != ref {
			return nil, 0, fmt.Errorf("proven record %s is not event %s of %s", recs[i].ID, id, ref)
		}
	}
	g, err := GradeRecords(rr, recs, bt)
	return g, len(recs), err
}

// SameGrade reports how the node's grade differs from the recomputed one
// ("" when they are equal).
func SameGrade(node, mine *grade.Grade) string {
	switch {
	case node == nil && mine == nil:
		return ""
	case node == nil || mine == nil:
		return fmt.Sprintf("the node says %v, recomputed %v", node, mine)
	}
	a, _ := json.Marshal(node)
	b, _ := json.Marshal(mine)
	if bytes.Equal(a, b) {
		return ""
	}
	if node.Score != mine.Score || node.Class != mine.Class || node.RulesVersion != mine.RulesVersion {
		return fmt.Sprintf("the node says %s, recomputed %s", node, mine)
	}
	if len(node.Lines) != len(mine.Lines) {
		return fmt.Sprintf("the node's explanation has %d lines, recomputed %d", len(node.Lines), len(mine.Lines))
	}
	for i := range mine.Lines {
		if node.Lines[i] != mine.Lines[i] {
			return fmt.Sprintf("explanation line %d: the node says %+v, recomputed %+v", i, node.Lines[i], mine.Lines[i])
		}
	}
	return fmt.Sprintf("the node's overrides %+v, recomputed %+v", node.Overrides, mine.Overrides)
}

// Verify checks every proof against AppHash, recomputes the grade from the
// proven records, rule and block time, and refuses the answer when the
// node's grade or explanation differs from it. It returns the recomputed
// grade (nil when the subject is proven to have no events) and the rule.
func (r *CreditGradeResult) Verify() (*grade.Grade, *RulesRecord, *CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, nil, nil, err
	}
	rr, err := verifyRules(r.RulesProof, r.RulesKey, r.AppHash, r.Height, c)
	if err != nil {
		return nil, nil, nil, err
	}
	g, n, err := verifySubjectGrade(r.AppHash, r.Ref, r.SubjectProof, r.EventProofs, rr, bt)
	if err != nil {
		return nil, nil, nil, err
	}
	if g == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("no credit events for %s at height %d (ICS23 non-membership proof OK)", r.Ref, r.Height))
	} else {
		c.Verified = append(c.Verified, fmt.Sprintf("subject summary and %d event records of %s (ICS23 proofs OK)", n, r.Ref))
	}
	if d := SameGrade(r.Grade, g); d != "" {
		return nil, nil, nil, fmt.Errorf("GRADE MISMATCH for %s at height %d: %s", r.Ref, r.Height, d)
	}
	if g != nil {
		if err := g.Check(rr.Rules.Thresholds); err != nil {
			return nil, nil, nil, err
		}
		c.Verified = append(c.Verified, fmt.Sprintf("grade %s recomputed from the proven records: %d explanation lines sum to %d", g, len(g.Lines), g.Score))
	}
	return g, rr, c, nil
}

// CreditRulesResult is GET /v1/credit/rules.
type CreditRulesResult struct {
	Height  int64        `json:"height"`
	AppHash []byte       `json:"app_hash,omitempty"`
	Key     string       `json:"key"`
	Record  *RulesRecord `json:"record"`
	Proof   *proof.Proof `json:"proof,omitempty"`
}

// Verify checks the rule's proof and returns the proven record.
func (r *CreditRulesResult) Verify() (*RulesRecord, *CreditCheck, error) {
	c := &CreditCheck{}
	rr, err := verifyRules(r.Proof, r.Key, r.AppHash, r.Height, c)
	return rr, c, err
}

// CreditGradeItem is one subject of a grades listing; with prove=true it
// carries the proofs to recompute its grade.
type CreditGradeItem struct {
	GradeItem
	SubjectProof *proof.Proof   `json:"subject_proof,omitempty"`
	EventProofs  []*proof.Proof `json:"event_proofs,omitempty"`
}

// CreditGradesResult is GET /v1/credit/grades: subjects in reference order
// graded at BlockTime under the version in force, those of Class (all when
// empty). The node looks at a bounded number of subjects per page
// (Scanned); NextCursor continues the walk.
type CreditGradesResult struct {
	Class          string            `json:"class,omitempty"`
	Height         int64             `json:"height"`
	AppHash        []byte            `json:"app_hash,omitempty"`
	BlockTime      string            `json:"block_time"`
	BlockTimeProof *proof.Proof      `json:"block_time_proof,omitempty"`
	Rules          *RulesRecord      `json:"rules"`
	RulesProof     *proof.Proof      `json:"rules_proof,omitempty"`
	Items          []CreditGradeItem `json:"items"`
	NextCursor     string            `json:"next_cursor,omitempty"`
}

// Verify recomputes every item's grade from its proofs and checks it has
// the stated score and class (and the asked class). Like every list, it
// cannot prove that no subject was left out: check one with its grade.
func (r *CreditGradesResult) Verify() (*CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, err
	}
	rr, err := verifyRules(r.RulesProof, string(RulesCurrentKey()), r.AppHash, r.Height, c)
	if err != nil {
		return nil, err
	}
	for _, it := range r.Items {
		g, _, err := verifySubjectGrade(r.AppHash, it.SubjectRef, it.SubjectProof, it.EventProofs, rr, bt)
		if err != nil {
			return nil, err
		}
		if g == nil || g.Score != it.Score || g.Class != it.Class {
			return nil, fmt.Errorf("GRADE MISMATCH for %s: the node says %s %d, recomputed %v", it.SubjectRef, it.Class, it.Score, g)
		}
		if r.Class != "" && g.Class != r.Class {
			return nil, fmt.Errorf("%s is class %s, not %s", it.SubjectRef, g.Class, r.Class)
		}
	}
	c.Verified = append(c.Verified, fmt.Sprintf("%d grades recomputed from proven records at height %d", len(r.Items), r.Height))
	return c, nil
}

// CreditAlertItem is one alert with the proof of its key.
type CreditAlertItem struct {
	Alert
	Key   string       `json:"key"`
	Proof *proof.Proof `json:"proof,omitempty"`
}

// CreditAlertsResult is GET /v1/credit/alerts: newest first, only those
// naming Dept among the watchers when Dept is set.
type CreditAlertsResult struct {
	Dept       string            `json:"dept,omitempty"`
	Height     int64             `json:"height"`
	AppHash    []byte            `json:"app_hash,omitempty"`
	Items      []CreditAlertItem `json:"items"`
	More       bool              `json:"more"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// Verify checks each alert's proof and that the proven alert is the one
// stated.
func (r *CreditAlertsResult) Verify() (*CreditCheck, error) {
	c := &CreditCheck{}
	for _, it := range r.Items {
		if it.Key != string(AlertKey(it.Event)) {
			return nil, fmt.Errorf("alert key %s is not that of event %s", it.Key, it.Event)
		}
		if err := verifyProof(it.Proof, []byte(it.Key), r.AppHash); err != nil {
			return nil, err
		}
		if it.Proof.Value == nil {
			return nil, fmt.Errorf("alert %s is proven absent", it.Key)
		}
		var a Alert
		if err := json.Unmarshal(it.Proof.Value, &a); err != nil {
			return nil, err
		}
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(it.Alert)
		if !bytes.Equal(x, y) {
			return nil, fmt.Errorf("alert %s differs from the proven one", it.Key)
		}
		if r.Dept != "" && !strings.Contains(","+strings.Join(a.Watchers, ",")+",", ","+r.Dept+",") {
			return nil, fmt.Errorf("alert %s does not name %s among its watchers", it.Key, r.Dept)
		}
	}
	c.Verified = append(c.Verified, fmt.Sprintf("%d alerts at height %d (ICS23 proofs OK)", len(r.Items), r.Height))
	return c, nil
}

// CreditWatchList is GET /v1/credit/departments/{dept}/watch.
type CreditWatchList struct {
	Dept   string       `json:"dept"`
	Height int64        `json:"height"`
	Items  []WatchEntry `json:"items"`
}
