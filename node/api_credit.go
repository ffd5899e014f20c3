package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/identifier"
)

// Credit answers are read from one state version each, so the records, the
// subject summary and the block time agree. With prove=true every value
// they rest on comes with an ICS23 proof against AppHash (in block header
// Height+1), and Verify recomputes the answer from the proven bytes alone.

// creditView opens the version at height (0 = latest).
func (a *API) creditView(w http.ResponseWriter, r *http.Request) (*state.View, bool, bool) {
	q := r.URL.Query()
	height, ok := parseHeightParam(w, q.Get("height"))
	if !ok {
		return nil, false, false
	}
	v, err := a.App.Store().At(height)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, state.ErrVersionUnavailable) {
			status = http.StatusNotFound
		}
		writeErr(w, status, "query", uint32(status), err.Error())
		return nil, false, false
	}
	return v, q.Get("prove") == "true" || q.Get("prove") == "1", true
}

// readKey reads key from v, with a proof when prove is set.
func readKey(v *state.View, key []byte, prove bool) ([]byte, *proof.Proof, error) {
	if !prove {
		val, err := v.Get(key)
		return val, nil, err
	}
	val, ops, err := v.Prove(key)
	if err != nil {
		return nil, nil, err
	}
	return val, &proof.Proof{Key: key, Value: val, Height: v.Version(), Ops: ops}, nil
}

func creditErr(w http.ResponseWriter, err error) {
	e := errs.From(err)
	status := http.StatusInternalServerError
	if e.Codespace == credit.Name {
		status = http.StatusBadRequest
	}
	writeErr(w, status, e.Codespace, e.Code, e.Error())
}

// CreditProfileResult is GET /v1/credit/subjects/{ref}.
type CreditProfileResult struct {
	Ref       string `json:"ref"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time"`
	Found     bool   `json:"found"`
	// Profile is computed at BlockTime (nil when the subject has no events).
	Profile    *credit.Profile `json:"profile,omitempty"`
	SubjectKey string          `json:"subject_key"`
	// Proofs (prove=true): the subject summary (or its absence), the block
	// time, and every event record in history order.
	SubjectProof   *proof.Proof   `json:"subject_proof,omitempty"`
	BlockTimeProof *proof.Proof   `json:"block_time_proof,omitempty"`
	EventProofs    []*proof.Proof `json:"event_proofs,omitempty"`
	// A subject's events come in pages (?limit=, ?cursor=): this answer
	// holds Profile.History and EventProofs of events From.. of the
	// summary's list; NextCursor, when set, is the ?cursor= of the next.
	// Join the pages (at this Height) before Verify (client.CreditProfile).
	From       int    `json:"from"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Join appends the next page of the same subject at the same height.
func (r *CreditProfileResult) Join(next *CreditProfileResult) error {
	have := len(r.EventProofs)
	if r.Profile != nil {
		have = len(r.Profile.History)
	}
	if next.Ref != r.Ref || next.Height != r.Height || next.From != r.From+have {
		return fmt.Errorf("page from event %d of %s at height %d does not follow events %d..%d at height %d", next.From, next.Ref, next.Height, r.From, r.From+have, r.Height)
	}
	r.EventProofs = append(r.EventProofs, next.EventProofs...)
	if r.Profile != nil && next.Profile != nil {
		r.Profile.History = append(r.Profile.History, next.Profile.History...)
	}
	r.NextCursor = next.NextCursor
	return nil
}

// validRefParam checks a subject reference given to the API.
func validRefParam(w http.ResponseWriter, ref string) bool {
	if credit.ValidateSubject(credit.SubjectOrg, ref) == nil || credit.ValidateSubject(credit.SubjectPerson, ref) == nil {
		return true
	}
	if identifier.LooksLikeCitizenID(ref) {
		writeErr(w, http.StatusBadRequest, credit.Name, credit.ErrPersonalData.Code, "the subject must be a reference, not an ID number: compute it locally (govchain credit profile --subject-id does)")
		return false
	}
	writeErr(w, http.StatusBadRequest, credit.Name, credit.ErrBadSubject.Code, fmt.Sprintf("subject %q is neither a unified social credit code (upper case, valid check character) nor a 64-hex person reference", ref))
	return false
}

func (a *API) getCreditSubject(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	if !validRefParam(w, ref) {
		return
	}
	v, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	from := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil || n < 0 {
			badParam(w, "cursor must be the next_cursor of a previous page (an event position)")
			return
		}
		from = n
	}
	res, err := creditProfilePage(v, ref, prove, from, p.Limit, MaxPageBytes)
	if err != nil {
		creditErr(w, err)
		return
	}
	writeJSON200(w, res)
}

// CreditProfileAt builds the whole profile answer from one state version.
func CreditProfileAt(v *state.View, ref string, prove bool) (*CreditProfileResult, error) {
	return creditProfilePage(v, ref, prove, 0, 1<<31, 1<<62)
}

// creditProfilePage is the page of the profile answer from event from: at
// most limit events and about maxBytes of their history and proofs. The
// profile's counts and active lists are over every event.
func creditProfilePage(v *state.View, ref string, prove bool, from, limit, maxBytes int) (*CreditProfileResult, error) {
	out := &CreditProfileResult{Ref: ref, Height: v.Version(), SubjectKey: string(credit.SubjectKey(ref)), From: from}
	if prove {
		out.AppHash = v.Hash()
	}
	btRaw, btProof, err := readKey(v, credit.BlockTimeKey, prove)
	if err != nil {
		return nil, err
	}
	out.BlockTime, out.BlockTimeProof = string(btRaw), btProof
	bt, _ := time.Parse(time.RFC3339Nano, out.BlockTime)
	sRaw, sProof, err := readKey(v, credit.SubjectKey(ref), prove)
	if err != nil {
		return nil, err
	}
	out.SubjectProof = sProof
	if sRaw == nil {
		return out, nil
	}
	out.Found = true
	var s credit.Subject
	if err := json.Unmarshal(sRaw, &s); err != nil {
		return nil, fmt.Errorf("decode %s: %w", out.SubjectKey, err)
	}
	if from > len(s.Events) {
		return nil, credit.ErrBadInput.Wrapf("cursor %d is past the subject's %d events", from, len(s.Events))
	}
	recs := make([]*credit.Record, len(s.Events))
	for i, id := range s.Events {
		raw, err := v.Get(credit.EventKey(id))
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return nil, fmt.Errorf("subject %s lists event %s, which is missing", ref, id)
		}
		recs[i] = &credit.Record{}
		if err := json.Unmarshal(raw, recs[i]); err != nil {
			return nil, fmt.Errorf("decode event %s: %w", id, err)
		}
	}
	if out.Profile, err = credit.BuildProfile(&s, recs, bt); err != nil {
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

// CreditCheck is what a Verify established.
type CreditCheck struct {
	Verified []string `json:"verified"`
}

func verifyProof(p *proof.Proof, key []byte, root []byte) error {
	if p == nil {
		return fmt.Errorf("no proof for %s (ask with prove=true)", key)
	}
	if string(p.Key) != string(key) {
		return fmt.Errorf("proof is for key %q, not %q", p.Key, key)
	}
	if err := p.Verify(root); err != nil {
		return fmt.Errorf("PROOF INVALID for %s: %w", key, err)
	}
	return nil
}

// verifyBlockTime checks the block time proof and returns the proven time.
func verifyBlockTime(p *proof.Proof, root []byte, height int64, c *CreditCheck) (time.Time, error) {
	if err := verifyProof(p, credit.BlockTimeKey, root); err != nil {
		return time.Time{}, err
	}
	if p.Value == nil {
		return time.Time{}, fmt.Errorf("no block time at height %d", height)
	}
	bt, err := time.Parse(time.RFC3339Nano, string(p.Value))
	if err != nil {
		return time.Time{}, fmt.Errorf("proven block time %q: %w", p.Value, err)
	}
	c.Verified = append(c.Verified, fmt.Sprintf("block time %s at height %d (ICS23 proof OK)", p.Value, height))
	return bt, nil
}

// Verify checks every proof of a profile answer against AppHash and
// recomputes the profile from the proven bytes; it returns that profile
// (nil when the subject is proven to have no events). Compare AppHash
// across nodes or with a header you trust.
func (r *CreditProfileResult) Verify() (*credit.Profile, *CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, nil, err
	}
	sk := credit.SubjectKey(r.Ref)
	if err := verifyProof(r.SubjectProof, sk, r.AppHash); err != nil {
		return nil, nil, err
	}
	if r.SubjectProof.Value == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("no credit events for %s at height %d (ICS23 non-membership proof of %s OK)", r.Ref, r.Height, sk))
		return nil, c, nil
	}
	var s credit.Subject
	if err := json.Unmarshal(r.SubjectProof.Value, &s); err != nil {
		return nil, nil, err
	}
	if s.Ref != r.Ref {
		return nil, nil, fmt.Errorf("proven summary is of %s, not %s", s.Ref, r.Ref)
	}
	c.Verified = append(c.Verified, fmt.Sprintf("subject summary %s: %d events (ICS23 proof OK)", sk, len(s.Events)))
	if r.From != 0 || r.NextCursor != "" {
		return nil, nil, fmt.Errorf("the answer is one page of the subject's events (from %d, next cursor %q): join every page before verifying", r.From, r.NextCursor)
	}
	if len(r.EventProofs) != len(s.Events) {
		return nil, nil, fmt.Errorf("the summary lists %d events, the answer proves %d", len(s.Events), len(r.EventProofs))
	}
	recs := make([]*credit.Record, len(s.Events))
	for i, id := range s.Events {
		p := r.EventProofs[i]
		if err := verifyProof(p, credit.EventKey(id), r.AppHash); err != nil {
			return nil, nil, err
		}
		if p.Value == nil {
			return nil, nil, fmt.Errorf("event %s is proven absent", id)
		}
		recs[i] = &credit.Record{}
		if err := json.Unmarshal(p.Value, recs[i]); err != nil {
			return nil, nil, err
		}
	}
	c.Verified = append(c.Verified, fmt.Sprintf("%d event records (ICS23 proofs OK)", len(recs)))
	prof, err := credit.BuildProfile(&s, recs, bt)
	if err != nil {
		return nil, nil, err
	}
	return prof, c, nil
}

// CreditEventResult is GET /v1/credit/events/{id}.
type CreditEventResult struct {
	ID        string `json:"id"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time"`
	Found     bool   `json:"found"`
	// Status at BlockTime: published, ended, repaired, or not_found.
	Status         string         `json:"status"`
	Key            string         `json:"key"`
	Record         *credit.Record `json:"record,omitempty"`
	Proof          *proof.Proof   `json:"proof,omitempty"`
	BlockTimeProof *proof.Proof   `json:"block_time_proof,omitempty"`
}

func eventStatus(rec *credit.Record, bt time.Time) string {
	switch {
	case rec == nil:
		return "not_found"
	case rec.RepairedBy != "":
		return credit.StatusRepaired
	case rec.Published(bt):
		return credit.StatusPublished
	}
	return credit.StatusEnded
}

func (a *API) getCreditEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !credit.ValidID(id) {
		writeErr(w, http.StatusBadRequest, "api", 400, "event id must be 12 digits")
		return
	}
	v, prove, ok := a.creditView(w, r)
	if !ok {
		return
	}
	out := &CreditEventResult{ID: id, Height: v.Version(), Key: string(credit.EventKey(id))}
	if prove {
		out.AppHash = v.Hash()
	}
	btRaw, btProof, err := readKey(v, credit.BlockTimeKey, prove)
	if err != nil {
		creditErr(w, err)
		return
	}
	out.BlockTime, out.BlockTimeProof = string(btRaw), btProof
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
	bt, _ := time.Parse(time.RFC3339Nano, out.BlockTime)
	out.Status = eventStatus(out.Record, bt)
	writeJSON200(w, out)
}

// Verify checks the record (or its absence) and the block time against
// AppHash and returns the proven record and its status.
func (r *CreditEventResult) Verify() (*credit.Record, string, *CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, "", nil, err
	}
	if err := verifyProof(r.Proof, credit.EventKey(r.ID), r.AppHash); err != nil {
		return nil, "", nil, err
	}
	if r.Proof.Value == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("no event %s at height %d (ICS23 non-membership proof OK)", r.ID, r.Height))
		return nil, "not_found", c, nil
	}
	var rec credit.Record
	if err := json.Unmarshal(r.Proof.Value, &rec); err != nil {
		return nil, "", nil, err
	}
	if rec.ID != r.ID {
		return nil, "", nil, fmt.Errorf("proven record is event %s, not %s", rec.ID, r.ID)
	}
	c.Verified = append(c.Verified, fmt.Sprintf("record %s at height %d (ICS23 proof OK)", r.Proof.Key, r.Height))
	return &rec, eventStatus(&rec, bt), c, nil
}

// CreditListItem is one active list entry with the proof of its index key
// (its presence proves the event was not repaired at Height).
type CreditListItem struct {
	credit.ListItem
	Proof *proof.Proof `json:"proof,omitempty"`
}

// CreditListResult is GET /v1/credit/blacklist and /v1/credit/redlist: the
// entries published at BlockTime and not repaired, in subject order.
type CreditListResult struct {
	List           string           `json:"list"`
	Height         int64            `json:"height"`
	AppHash        []byte           `json:"app_hash,omitempty"`
	BlockTime      string           `json:"block_time"`
	BlockTimeProof *proof.Proof     `json:"block_time_proof,omitempty"`
	Page           int              `json:"page"`
	PageSize       int              `json:"page_size"`
	More           bool             `json:"more"`
	Items          []CreditListItem `json:"items"`
	// NextCursor pages as in CertificateList.
	NextCursor string `json:"next_cursor,omitempty"`
}

func pageParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 1_000_000 {
			writeErr(w, http.StatusBadRequest, "api", 400, "page must be an integer from 1")
			return 0, false
		}
		page = p
	}
	return page, true
}

func (a *API) creditList(list string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, ok := pageParam(w, r)
		if !ok {
			return
		}
		v, prove, ok := a.creditView(w, r)
		if !ok {
			return
		}
		out := &CreditListResult{List: list, Height: v.Version(), Page: page, PageSize: credit.PageSize, Items: []CreditListItem{}}
		if prove {
			out.AppHash = v.Hash()
		}
		btRaw, btProof, err := readKey(v, credit.BlockTimeKey, prove)
		if err != nil {
			creditErr(w, err)
			return
		}
		out.BlockTime, out.BlockTimeProof = string(btRaw), btProof
		bt, _ := time.Parse(time.RFC3339Nano, out.BlockTime)
		after, skip, limit := "", (page-1)*credit.PageSize, credit.PageSize
		if cursorMode(r) {
			p, ok := pageParams(w, r)
			if !ok {
				return
			}
			after, skip, limit = p.Cursor, 0, p.Limit
			out.Page, out.PageSize = 0, limit
		}
		items, more, err := credit.ActiveListAfter(v, list, bt, after, skip, limit)
		if err != nil {
			creditErr(w, err)
			return
		}
		out.More = more
		for _, it := range items {
			ci := CreditListItem{ListItem: it}
			if prove {
				if _, ci.Proof, err = readKey(v, []byte(it.Key), true); err != nil {
					creditErr(w, err)
					return
				}
			}
			out.Items = append(out.Items, ci)
		}
		if cursorMode(r) {
			if n := fitPage(out.Items); n < len(out.Items) {
				out.Items, out.More = out.Items[:n], true
			}
		}
		if out.More && len(out.Items) > 0 {
			out.NextCursor = out.Items[len(out.Items)-1].Cursor()
		}
		writeJSON200(w, out)
	}
}

// Verify checks the block time and every entry's proof, and that each
// proven entry is published at the proven block time.
func (r *CreditListResult) Verify() (*CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, err
	}
	for _, it := range r.Items {
		if err := verifyProof(it.Proof, []byte(it.Key), r.AppHash); err != nil {
			return nil, err
		}
		if it.Proof.Value == nil {
			return nil, fmt.Errorf("list entry %s is proven absent", it.Key)
		}
		ref, id, err := credit.ParseListKey(r.List, it.Proof.Key)
		if err != nil || ref != it.SubjectRef || id != it.ID {
			return nil, fmt.Errorf("list key %s does not name subject %s event %s", it.Proof.Key, it.SubjectRef, it.ID)
		}
		var e credit.ListEntry
		if err := json.Unmarshal(it.Proof.Value, &e); err != nil {
			return nil, err
		}
		pe, err := time.Parse(time.RFC3339, e.PublishEnd)
		if err != nil || !bt.Before(pe) {
			return nil, fmt.Errorf("list entry %s is not published at %s (publish_end %s)", it.Key, bt.Format(time.RFC3339), e.PublishEnd)
		}
	}
	c.Verified = append(c.Verified, fmt.Sprintf("%d %s entries present and published at height %d (ICS23 proofs OK)", len(r.Items), r.List, r.Height))
	return c, nil
}

// CreditDeptList is GET /v1/credit/departments/{dept}/events.
type CreditDeptList struct {
	Dept     string            `json:"dept"`
	Kind     string            `json:"kind,omitempty"`
	Height   int64             `json:"height"`
	Page     int               `json:"page"`
	PageSize int               `json:"page_size"`
	More     bool              `json:"more"`
	Items    []credit.DeptItem `json:"items"`
	// NextCursor pages as in CertificateList (an event id).
	NextCursor string `json:"next_cursor,omitempty"`
}

func (a *API) listCreditByDept(w http.ResponseWriter, r *http.Request) {
	dept := r.PathValue("dept")
	if !identity.ValidDeptCode(dept) {
		writeErr(w, http.StatusBadRequest, "api", 400, "department code must be 2-32 of A-Z 0-9 _ -")
		return
	}
	kind := strings.ToLower(r.URL.Query().Get("kind"))
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	v, _, ok := a.creditView(w, r)
	if !ok {
		return
	}
	after, skip, limit := "", (page-1)*credit.PageSize, credit.PageSize
	if cursorMode(r) {
		p, ok := pageParams(w, r)
		if !ok {
			return
		}
		after, skip, limit, page = p.Cursor, 0, p.Limit, 0
	}
	items, more, err := credit.ListByDeptAfter(v, dept, kind, after, skip, limit)
	if err != nil {
		creditErr(w, err)
		return
	}
	if cursorMode(r) {
		if n := fitPage(items); n < len(items) {
			items, more = items[:n], true
		}
	}
	out := CreditDeptList{Dept: dept, Kind: kind, Height: v.Version(), Page: page, PageSize: limit, More: more, Items: items}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].ID
	}
	writeJSON200(w, out)
}
