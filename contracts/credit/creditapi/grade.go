package creditapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
	"github.com/govchain/govchain/node/apikit"
)

// The evaluation's routes: a subject's grade (computed on read from its
// events, the rule in force and the block time of the height), the grades
// of many subjects, the rule versions, the risk alerts and a department's
// watch list.

// GradesScan bounds the subjects one page of /v1/credit/grades looks at:
// grades are computed on read, so a page costs what it scans.
const GradesScan = 2000

// versionParam reads ?<name>= (a rule version; 0 or absent: in force).
func versionParam(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		apikit.BadParam(w, name+" must be a rule version (1, 2, ...)")
		return 0, false
	}
	return v, true
}

func rulesKey(v int64) []byte {
	if v == 0 {
		return credittypes.RulesCurrentKey()
	}
	return credittypes.RulesVersionKey(v)
}

// readRules reads rule version v (0: in force) from view with its proof.
func readRules(view *state.View, v int64, prove bool) (*credit.RulesRecord, *proof.Proof, error) {
	raw, p, err := readKey(view, rulesKey(v), prove)
	if err != nil {
		return nil, nil, err
	}
	if raw == nil {
		if v == 0 {
			return nil, nil, credit.ErrNoRules.Wrapf("no credit rules in force at height %d", view.Version())
		}
		return nil, nil, credit.ErrNoRules.Wrapf("rules version %d does not exist at height %d", v, view.Version())
	}
	var rr credit.RulesRecord
	if err := json.Unmarshal(raw, &rr); err != nil {
		return nil, nil, err
	}
	return &rr, p, nil
}

// GradeAt builds the grade answer of ref from one state version under rule
// version v (0: in force).
func GradeAt(view *state.View, ref string, v int64, prove bool) (*credittypes.CreditGradeResult, error) {
	out := &credittypes.CreditGradeResult{Ref: ref, Height: view.Version(), SubjectKey: string(credit.SubjectKey(ref)), RulesKey: string(rulesKey(v))}
	if prove {
		out.AppHash = view.Hash()
	}
	var bt time.Time
	var err error
	if out.BlockTime, out.BlockTimeProof, bt, err = readBlockTime(view, prove); err != nil {
		return nil, err
	}
	if out.Rules, out.RulesProof, err = readRules(view, v, prove); err != nil {
		return nil, err
	}
	g, eps, sp, err := subjectGrade(view, ref, out.Rules, bt, prove)
	if err != nil {
		return nil, err
	}
	out.Grade, out.EventProofs, out.SubjectProof, out.Found = g, eps, sp, g != nil
	return out, nil
}

// subjectGrade grades ref from view and, with prove, returns the proofs of
// its summary and records.
func subjectGrade(view *state.View, ref string, rr *credit.RulesRecord, bt time.Time, prove bool) (*grade.Grade, []*proof.Proof, *proof.Proof, error) {
	s, sp, err := readSubject(view, ref, prove)
	if err != nil || s == nil {
		return nil, nil, sp, err
	}
	recs, eps, err := readRecords(view, ref, s.Events, prove)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := credittypes.GradeRecords(rr, recs, bt)
	return g, eps, sp, err
}

func (a *api) getCreditGrade(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	if !validRefParam(w, ref) {
		return
	}
	v, ok := versionParam(w, r, "rules_version")
	if !ok {
		return
	}
	view, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	res, err := GradeAt(view, ref, v, prove)
	if err != nil {
		creditErr(w, err)
		return
	}
	apikit.WriteJSON(w, res)
}

func (a *api) getCreditRules(w http.ResponseWriter, r *http.Request) {
	v, ok := versionParam(w, r, "version")
	if !ok {
		return
	}
	view, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	out := &credittypes.CreditRulesResult{Height: view.Version(), Key: string(rulesKey(v))}
	if prove {
		out.AppHash = view.Hash()
	}
	var err error
	if out.Record, out.Proof, err = readRules(view, v, prove); err != nil {
		creditErr(w, err)
		return
	}
	apikit.WriteJSON(w, out)
}

func (a *api) listCreditGrades(w http.ResponseWriter, r *http.Request) {
	class := r.URL.Query().Get("class")
	if class != "" && grade.ClassRank(class) < 0 {
		apikit.BadParam(w, "class must be A, B, C or D")
		return
	}
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return
	}
	if p.Cursor != "" && !validRefParam(w, p.Cursor) {
		return
	}
	view, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	out := &credittypes.CreditGradesResult{Class: class, Height: view.Version(), Items: []credittypes.CreditGradeItem{}}
	if prove {
		out.AppHash = view.Hash()
	}
	var bt time.Time
	var err error
	if out.BlockTime, out.BlockTimeProof, bt, err = readBlockTime(view, prove); err != nil {
		creditErr(w, err)
		return
	}
	if out.Rules, out.RulesProof, err = readRules(view, 0, prove); err != nil {
		creditErr(w, err)
		return
	}
	items, next, err := credit.GradesAfter(view, out.Rules, bt, class, p.Cursor, p.Limit, GradesScan)
	if err != nil {
		creditErr(w, err)
		return
	}
	for _, it := range items {
		ci := credittypes.CreditGradeItem{GradeItem: it}
		if prove {
			if _, ci.EventProofs, ci.SubjectProof, err = subjectGrade(view, it.SubjectRef, out.Rules, bt, true); err != nil {
				creditErr(w, err)
				return
			}
		}
		out.Items = append(out.Items, ci)
	}
	if n := apikit.FitPage(out.Items); n < len(out.Items) {
		out.Items, next = out.Items[:n], out.Items[n-1].SubjectRef
	}
	out.NextCursor = next
	apikit.WriteJSON(w, out)
}

func (a *api) listCreditAlerts(w http.ResponseWriter, r *http.Request) {
	dept := r.URL.Query().Get("dept")
	if dept != "" && !identity.ValidDeptCode(dept) {
		apikit.BadParam(w, "dept must be a department code (2-32 of A-Z 0-9 _ -)")
		return
	}
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return
	}
	view, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	items, more, err := credit.AlertsAfter(view, dept, p.Cursor, p.Limit)
	if err != nil {
		creditErr(w, err)
		return
	}
	out := &credittypes.CreditAlertsResult{Dept: dept, Height: view.Version(), Items: []credittypes.CreditAlertItem{}, More: more}
	if prove {
		out.AppHash = view.Hash()
	}
	for _, al := range items {
		it := credittypes.CreditAlertItem{Alert: al, Key: string(credittypes.AlertKey(al.Event))}
		if prove {
			if _, it.Proof, err = readKey(view, []byte(it.Key), true); err != nil {
				creditErr(w, err)
				return
			}
		}
		out.Items = append(out.Items, it)
	}
	if n := apikit.FitPage(out.Items); n < len(out.Items) {
		out.Items, out.More = out.Items[:n], true
	}
	if out.More && len(out.Items) > 0 {
		out.NextCursor = out.Items[len(out.Items)-1].Event
	}
	apikit.WriteJSON(w, out)
}

func (a *api) getCreditWatch(w http.ResponseWriter, r *http.Request) {
	dept, ok := deptPathParam(w, r)
	if !ok {
		return
	}
	view, _, ok := a.creditView(w, r)
	if !ok {
		return
	}
	items, err := credit.WatchList(view, dept)
	if err != nil {
		creditErr(w, err)
		return
	}
	apikit.WriteJSON(w, credittypes.CreditWatchList{Dept: dept, Height: view.Version(), Items: items})
}
