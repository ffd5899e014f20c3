// Package creditapi is the credit module's HTTP routes: a subject's
// profile, an event, the active black and red lists, and a department's
// events, under /v1/credit. The answers are credittypes' (CreditProfileResult,
// CreditEventResult, CreditListResult, CreditDeptList), which clients check
// with their Verify. The node mounts Routes from its list (node/modules.go);
// the routes are documented in node/openapi.json.
package creditapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node/apikit"
	"github.com/govchain/govchain/node/client"
)

// Routes are the module's routes, reading n.
func Routes(n apikit.Node) []apikit.Route {
	a := &api{n}
	return []apikit.Route{
		apikit.Get("/v1/credit/subjects/{ref}", a.getCreditSubject),
		apikit.Get("/v1/credit/events/{id}", a.getCreditEvent),
		apikit.Get("/v1/credit/blacklist", a.creditList("blacklist")),
		apikit.Get("/v1/credit/redlist", a.creditList("redlist")),
		apikit.Get("/v1/credit/departments/{dept}/events", a.listCreditByDept),
		apikit.Get("/v1/credit/subjects/{ref}/grade", a.getCreditGrade),
		apikit.Get("/v1/credit/grades", a.listCreditGrades),
		apikit.Get("/v1/credit/rules", a.getCreditRules),
		apikit.Get("/v1/credit/alerts", a.listCreditAlerts),
		apikit.Get("/v1/credit/departments/{dept}/watch", a.getCreditWatch),
	}
}

type api struct{ n apikit.Node }

// Credit answers are read from one state version each, so the records, the
// subject summary and the block time agree. With prove=true every value
// they rest on comes with an ICS23 proof against AppHash (in block header
// Height+1), and Verify recomputes the answer from the proven bytes alone.

// creditView opens the version at height (0 = latest).
func (a *api) creditView(w http.ResponseWriter, r *http.Request) (*state.View, bool, bool) {
	height, ok := apikit.HeightParam(w, r.URL.Query().Get("height"))
	if !ok {
		return nil, false, false
	}
	v, err := a.n.View(height)
	if err != nil {
		apikit.QueryErr(w, err)
		return nil, false, false
	}
	return v, apikit.ProveParam(r), true
}

// readKey reads key from v, with a proof when prove is set.
func readKey(v *state.View, key []byte, prove bool) ([]byte, *proof.Proof, error) {
	res, err := apikit.Read(v, key, prove)
	if err != nil {
		return nil, nil, err
	}
	return res.Value, res.Proof, nil
}

// readBlockTime reads the block time of v's height, with its proof when
// prove is set.
func readBlockTime(v *state.View, prove bool) (string, *proof.Proof, time.Time, error) {
	raw, p, err := readKey(v, credit.BlockTimeKey, prove)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	bt, _ := time.Parse(time.RFC3339Nano, string(raw))
	return string(raw), p, bt, nil
}

// readSubject reads ref's summary, with its proof when prove is set; the
// summary is nil when ref has none.
func readSubject(v *state.View, ref string, prove bool) (*credit.Subject, *proof.Proof, error) {
	raw, p, err := readKey(v, credit.SubjectKey(ref), prove)
	if err != nil || raw == nil {
		return nil, p, err
	}
	var s credit.Subject
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", credit.SubjectKey(ref), err)
	}
	return &s, p, nil
}

// readRecords reads the records of the events ref's summary lists, with
// their proofs when prove is set.
func readRecords(v *state.View, ref string, ids []string, prove bool) ([]*credit.Record, []*proof.Proof, error) {
	recs := make([]*credit.Record, len(ids))
	var ps []*proof.Proof
	for i, id := range ids {
		raw, p, err := readKey(v, credit.EventKey(id), prove)
		if err != nil {
			return nil, nil, err
		}
		if raw == nil {
			return nil, nil, fmt.Errorf("subject %s lists event %s, which is missing", ref, id)
		}
		recs[i] = &credit.Record{}
		if err := json.Unmarshal(raw, recs[i]); err != nil {
			return nil, nil, fmt.Errorf("decode event %s: %w", id, err)
		}
		if prove {
			ps = append(ps, p)
		}
	}
	return recs, ps, nil
}

// listWindow is where a list page starts and how long it is: with
// ?cursor=/limit= (apikit.CursorMode) after the cursor, as page 0;
// otherwise page's offset in pages of credit.PageSize.
func listWindow(w http.ResponseWriter, r *http.Request, page int) (after string, skip, limit, outPage int, ok bool) {
	if !apikit.CursorMode(r) {
		return "", (page - 1) * credit.PageSize, credit.PageSize, page, true
	}
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return "", 0, 0, 0, false
	}
	return p.Cursor, 0, p.Limit, 0, true
}

// deptPathParam is the {dept} of the path, checked.
func deptPathParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	dept := r.PathValue("dept")
	if !identity.ValidDeptCode(dept) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "department code must be 2-32 of A-Z 0-9 _ -")
		return "", false
	}
	return dept, true
}

func creditErr(w http.ResponseWriter, err error) { apikit.ModuleErr(w, err, credit.Name) }

// validRefParam checks a subject reference given to the API.
func validRefParam(w http.ResponseWriter, ref string) bool {
	if credit.ValidateSubject(credit.SubjectOrg, ref) == nil || credit.ValidateSubject(credit.SubjectPerson, ref) == nil {
		return true
	}
	if identifier.LooksLikeCitizenID(ref) {
		apikit.WriteErr(w, http.StatusBadRequest, credit.Name, credit.ErrPersonalData.Code, "the subject must be a reference, not an ID number: compute it locally (govchain credit profile --subject-id does)")
		return false
	}
	apikit.WriteErr(w, http.StatusBadRequest, credit.Name, credit.ErrBadSubject.Code, fmt.Sprintf("subject %q is neither a unified social credit code (upper case, valid check character) nor a 64-hex person reference", ref))
	return false
}

func (a *api) getCreditSubject(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	if !validRefParam(w, ref) {
		return
	}
	v, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return
	}
	from := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil || n < 0 {
			apikit.BadParam(w, "cursor must be the next_cursor of a previous page (an event position)")
			return
		}
		from = n
	}
	res, err := creditProfilePage(v, ref, prove, from, p.Limit, client.MaxPageBytes)
	if err != nil {
		creditErr(w, err)
		return
	}
	apikit.WriteJSON(w, res)
}

// ProfileAt builds the whole profile answer from one state version.
func ProfileAt(v *state.View, ref string, prove bool) (*credittypes.CreditProfileResult, error) {
	return creditProfilePage(v, ref, prove, 0, 1<<31, 1<<62)
}

// creditProfilePage is the page of the profile answer from event from: at
// most limit events and about maxBytes of their history and proofs. The
// profile's counts and active lists are over every event.
func creditProfilePage(v *state.View, ref string, prove bool, from, limit, maxBytes int) (*credittypes.CreditProfileResult, error) {
	out := &credittypes.CreditProfileResult{Ref: ref, Height: v.Version(), SubjectKey: string(credit.SubjectKey(ref)), From: from}
	if prove {
		out.AppHash = v.Hash()
	}
	var bt time.Time
	var err error
	if out.BlockTime, out.BlockTimeProof, bt, err = readBlockTime(v, prove); err != nil {
		return nil, err
	}
	s, sProof, err := readSubject(v, ref, prove)
	if err != nil {
		return nil, err
	}
	out.SubjectProof = sProof
	if s == nil {
		return out, nil
	}
	out.Found = true
	if from > len(s.Events) {
		return nil, credit.ErrBadInput.Wrapf("cursor %d is past the subject's %d events", from, len(s.Events))
	}
	recs, _, err := readRecords(v, ref, s.Events, false)
	if err != nil {
		return nil, err
	}
	if out.Profile, err = credit.BuildProfile(s, recs, bt); err != nil {
		return nil, err
	}
	to, size := from, 0
	for ; to < len(s.Events) && to-from < limit; to++ {
		var p *proof.Proof
		if prove {
			if _, p, err = readKey(v, credit.EventKey(s.Events[to]), true); err != nil {
				return nil, err
			}
		}
		h, _ := json.Marshal(out.Profile.History[to])
		pj, _ := json.Marshal(p)
		if to > from && size+len(h)+len(pj) > maxBytes {
			break
		}
		size += len(h) + len(pj)
		if prove {
			out.EventProofs = append(out.EventProofs, p)
		}
	}
	out.Profile.History = out.Profile.History[from:to]
	if to < len(s.Events) {
		out.NextCursor = strconv.Itoa(to)
	}
	return out, nil
}

func (a *api) getCreditEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !credit.ValidID(id) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "event id must be 12 digits")
		return
	}
	v, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	out := &credittypes.CreditEventResult{ID: id, Height: v.Version(), Key: string(credit.EventKey(id))}
	if prove {
		out.AppHash = v.Hash()
	}
	var bt time.Time
	var err error
	if out.BlockTime, out.BlockTimeProof, bt, err = readBlockTime(v, prove); err != nil {
		creditErr(w, err)
		return
	}
	raw, p, err := readKey(v, credit.EventKey(id), prove)
	if err != nil {
		creditErr(w, err)
		return
	}
	out.Proof = p
	if raw != nil {
		out.Found, out.Record = true, &credit.Record{}
		if err := json.Unmarshal(raw, out.Record); err != nil {
			creditErr(w, err)
			return
		}
	}
	out.Status = credittypes.CreditEventStatus(out.Record, bt)
	apikit.WriteJSON(w, out)
}

func (a *api) creditList(list string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, ok := apikit.PageNumber(w, r)
		if !ok {
			return
		}
		v, prove, ok := a.creditView(w, r)
		if !ok {
			return
		}
		out := &credittypes.CreditListResult{List: list, Height: v.Version(), Page: page, PageSize: credit.PageSize, Items: []credittypes.CreditListItem{}}
		if prove {
			out.AppHash = v.Hash()
		}
		var bt time.Time
		var err error
		if out.BlockTime, out.BlockTimeProof, bt, err = readBlockTime(v, prove); err != nil {
			creditErr(w, err)
			return
		}
		after, skip, limit, page, ok := listWindow(w, r, page)
		if !ok {
			return
		}
		out.Page, out.PageSize = page, limit
		items, more, err := credit.ActiveListAfter(v, list, bt, after, skip, limit)
		if err != nil {
			creditErr(w, err)
			return
		}
		out.More = more
		for _, it := range items {
			ci := credittypes.CreditListItem{ListItem: it}
			if prove {
				if _, ci.Proof, err = readKey(v, []byte(it.Key), true); err != nil {
					creditErr(w, err)
					return
				}
			}
			out.Items = append(out.Items, ci)
		}
		if apikit.CursorMode(r) {
			if n := apikit.FitPage(out.Items); n < len(out.Items) {
				out.Items, out.More = out.Items[:n], true
			}
		}
		if out.More && len(out.Items) > 0 {
			out.NextCursor = out.Items[len(out.Items)-1].Cursor()
		}
		apikit.WriteJSON(w, out)
	}
}

func (a *api) listCreditByDept(w http.ResponseWriter, r *http.Request) {
	dept, ok := deptPathParam(w, r)
	if !ok {
		return
	}
	kind := strings.ToLower(r.URL.Query().Get("kind"))
	page, ok := apikit.PageNumber(w, r)
	if !ok {
		return
	}
	v, _, ok := a.creditView(w, r)
	if !ok {
		return
	}
	after, skip, limit, page, ok := listWindow(w, r, page)
	if !ok {
		return
	}
	items, more, err := credit.ListByDeptAfter(v, dept, kind, after, skip, limit)
	if err != nil {
		creditErr(w, err)
		return
	}
	if apikit.CursorMode(r) {
		if n := apikit.FitPage(items); n < len(items) {
			items, more = items[:n], true
		}
	}
	out := credittypes.CreditDeptList{Dept: dept, Kind: kind, Height: v.Version(), Page: page, PageSize: limit, More: more, Items: items}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].ID
	}
	apikit.WriteJSON(w, out)
}
