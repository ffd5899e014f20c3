package credittypes

// The answers of the node's credit routes (contracts/credit/creditapi
// writes them, node/client reads them) and their client-side proof checks.

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/proof"
)

// CreditProfileResult is GET /v1/credit/subjects/{ref}.
type CreditProfileResult struct {
	Ref       string `json:"ref"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time"`
	Found     bool   `json:"found"`
	// Profile is computed at BlockTime (nil when the subject has no events).
	Profile    *Profile `json:"profile,omitempty"`
	SubjectKey string   `json:"subject_key"`
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
	if err := verifyProof(p, BlockTimeKey, root); err != nil {
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
func (r *CreditProfileResult) Verify() (*Profile, *CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, nil, err
	}
	sk := SubjectKey(r.Ref)
	if err := verifyProof(r.SubjectProof, sk, r.AppHash); err != nil {
		return nil, nil, err
	}
	if r.SubjectProof.Value == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("no credit events for %s at height %d (ICS23 non-membership proof of %s OK)", r.Ref, r.Height, sk))
		return nil, c, nil
	}
	var s Subject
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
	recs := make([]*Record, len(s.Events))
	for i, id := range s.Events {
		p := r.EventProofs[i]
		if err := verifyProof(p, EventKey(id), r.AppHash); err != nil {
			return nil, nil, err
		}
		if p.Value == nil {
			return nil, nil, fmt.Errorf("event %s is proven absent", id)
		}
		recs[i] = &Record{}
		if err := json.Unmarshal(p.Value, recs[i]); err != nil {
			return nil, nil, err
		}
	}
	c.Verified = append(c.Verified, fmt.Sprintf("%d event records (ICS23 proofs OK)", len(recs)))
	prof, err := BuildProfile(&s, recs, bt)
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
	Status         string       `json:"status"`
	Key            string       `json:"key"`
	Record         *Record      `json:"record,omitempty"`
	Proof          *proof.Proof `json:"proof,omitempty"`
	BlockTimeProof *proof.Proof `json:"block_time_proof,omitempty"`
}

// CreditEventStatus is an event's status at block time bt: published,
// ended, repaired, or not_found (rec nil).
func CreditEventStatus(rec *Record, bt time.Time) string {
	switch {
	case rec == nil:
		return "not_found"
	case rec.RepairedBy != "":
		return StatusRepaired
	case rec.Published(bt):
		return StatusPublished
	}
	return StatusEnded
}

// Verify checks the record (or its absence) and the block time against
// AppHash and returns the proven record and its status.
func (r *CreditEventResult) Verify() (*Record, string, *CreditCheck, error) {
	c := &CreditCheck{}
	bt, err := verifyBlockTime(r.BlockTimeProof, r.AppHash, r.Height, c)
	if err != nil {
		return nil, "", nil, err
	}
	if err := verifyProof(r.Proof, EventKey(r.ID), r.AppHash); err != nil {
		return nil, "", nil, err
	}
	if r.Proof.Value == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("no event %s at height %d (ICS23 non-membership proof OK)", r.ID, r.Height))
		return nil, "not_found", c, nil
	}
	var rec Record
	if err := json.Unmarshal(r.Proof.Value, &rec); err != nil {
		return nil, "", nil, err
	}
	if rec.ID != r.ID {
		return nil, "", nil, fmt.Errorf("proven record is event %s, not %s", rec.ID, r.ID)
	}
	c.Verified = append(c.Verified, fmt.Sprintf("record %s at height %d (ICS23 proof OK)", r.Proof.Key, r.Height))
	return &rec, CreditEventStatus(&rec, bt), c, nil
}

// CreditListItem is one active list entry with the proof of its index key
// (its presence proves the event was not repaired at Height).
type CreditListItem struct {
	ListItem
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
		ref, id, err := ParseListKey(r.List, it.Proof.Key)
		if err != nil || ref != it.SubjectRef || id != it.ID {
			return nil, fmt.Errorf("list key %s does not name subject %s event %s", it.Proof.Key, it.SubjectRef, it.ID)
		}
		var e ListEntry
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
	Dept     string     `json:"dept"`
	Kind     string     `json:"kind,omitempty"`
	Height   int64      `json:"height"`
	Page     int        `json:"page"`
	PageSize int        `json:"page_size"`
	More     bool       `json:"more"`
	Items    []DeptItem `json:"items"`
	// NextCursor pages as in CertificateList (an event id).
	NextCursor string `json:"next_cursor,omitempty"`
}
