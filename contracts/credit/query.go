package credit

import (
	"bytes"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// BlockTimeKey is the chain's key holding the header time of the block a
// state version was made by (written by the app in every FinalizeBlock).
var BlockTimeKey = []byte("block_time")

// BlockTime reads the block time of the state version kv is.
func BlockTime(kv state.KV) (time.Time, error) {
	b, err := kv.Get(BlockTimeKey)
	if err != nil {
		return time.Time{}, err
	}
	if b == nil {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, string(b))
}

// Event statuses in a profile, as of a block time.
const (
	StatusPublished = "published" // block time < publish_end, not repaired
	StatusEnded     = "ended"     // publication period over
	StatusRepaired  = "repaired"  // repaired by a later repair event
)

// EventView is one event of a profile with its status at the read's block time.
type EventView struct {
	Status string  `json:"status"`
	Record *Record `json:"record"`
}

// Lists are a subject's active list entries: published, unrepaired events.
type Lists struct {
	Blacklist []string `json:"blacklist"`
	Redlist   []string `json:"redlist"`
	Penalties []string `json:"penalties"` // published, unrepaired penalties
}

// Profile is a subject's credit profile at one height.
type Profile struct {
	SubjectKind string `json:"subject_kind"`
	SubjectRef  string `json:"subject_ref"`
	BlockTime   string `json:"block_time"`
	// Blacklisted / Redlisted: on the active list at BlockTime.
	Blacklisted bool        `json:"blacklisted"`
	Redlisted   bool        `json:"redlisted"`
	Active      Lists       `json:"active"`
	Counts      Counts      `json:"counts"`    // every event ever recorded, by kind
	Published   Counts      `json:"published"` // events published at BlockTime, by kind
	History     []EventView `json:"history"`   // oldest first
}

// BuildProfile computes a profile from a subject summary and its event
// records (in s.Events order) at block time bt. It is what the node
// answers and what a client recomputes from proven bytes.
func BuildProfile(s *Subject, recs []*Record, bt time.Time) (*Profile, error) {
	if len(recs) != len(s.Events) {
		return nil, fmt.Errorf("subject %s lists %d events, %d records given", s.Ref, len(s.Events), len(recs))
	}
	p := &Profile{SubjectKind: s.Kind, SubjectRef: s.Ref, BlockTime: bt.UTC().Format(time.RFC3339Nano), Counts: s.Counts,
		Active: Lists{Blacklist: []string{}, Redlist: []string{}, Penalties: []string{}}, History: make([]EventView, 0, len(recs))}
	for i, r := range recs {
		if r == nil || r.ID != s.Events[i] || r.SubjectRef != s.Ref {
			return nil, fmt.Errorf("record %d does not match event %s of subject %s", i, s.Events[i], s.Ref)
		}
		st := StatusEnded
		switch {
		case r.RepairedBy != "":
			st = StatusRepaired
		case r.Published(bt):
			st = StatusPublished
			p.Published.Add(r.Kind)
			switch r.Kind {
			case KindBlacklist:
				p.Active.Blacklist = append(p.Active.Blacklist, r.ID)
			case KindRedlist:
				p.Active.Redlist = append(p.Active.Redlist, r.ID)
			case KindPenalty:
				p.Active.Penalties = append(p.Active.Penalties, r.ID)
			}
		}
		p.History = append(p.History, EventView{Status: st, Record: r})
	}
	p.Blacklisted, p.Redlisted = len(p.Active.Blacklist) > 0, len(p.Active.Redlist) > 0
	return p, nil
}

// ProfileAt reads a subject's profile from a state version (nil, nil when
// the subject has no events).
func ProfileAt(kv state.KV, ref string) (*Profile, error) {
	s, err := GetSubject(kv, ref)
	if err != nil || s == nil {
		return nil, err
	}
	recs := make([]*Record, len(s.Events))
	for i, id := range s.Events {
		if recs[i], err = GetRecord(kv, id); err != nil {
			return nil, err
		}
	}
	bt, err := BlockTime(kv)
	if err != nil {
		return nil, err
	}
	return BuildProfile(s, recs, bt)
}

// PageSize is the number of items per page of listings.
const PageSize = 50

// DeptItem is one event of a department listing.
type DeptItem struct {
	ID     string  `json:"id"`
	Kind   string  `json:"kind"`
	Key    string  `json:"key"` // the record's state key, to read with a proof
	Record *Record `json:"record"`
}

// ListByDept returns page (1-based) of the events recorded by dept,
// newest first, optionally of one kind, and whether more pages follow.
func ListByDept(kv state.KV, dept, kind string, page int) ([]DeptItem, bool, error) {
	if page < 1 {
		return nil, false, ErrBadInput.Wrapf("page %d must be 1 or more", page)
	}
	return ListByDeptAfter(kv, dept, kind, "", (page-1)*PageSize, PageSize)
}

// ListByDeptAfter returns, after skipping skip, at most limit of the
// events ListByDept walks that come after event id after ("" = from the
// newest; a page's last ID), and whether more follow.
func ListByDeptAfter(kv state.KV, dept, kind, after string, skip, limit int) ([]DeptItem, bool, error) {
	if kind != "" && !ValidKind(kind) {
		return nil, false, ErrUnknownKind.Wrapf("kind %q", kind)
	}
	if after != "" && !ValidID(after) {
		return nil, false, ErrBadInput.Wrapf("cursor %q is not an event id", after)
	}
	p := DeptPrefix(dept)
	end := state.PrefixEnd(p)
	if after != "" {
		end = append(bytes.Clone(p), after...) // newest first: before it
	}
	out := []DeptItem{}
	more := false
	err := state.IterateRange(kv, p, end, false, func(k, v []byte) (bool, error) {
		if kind != "" && string(v) != kind {
			return true, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		if len(out) == limit {
			more = true
			return false, nil
		}
		id := string(k[len(p):])
		r, err := GetRecord(kv, id)
		if err != nil {
			return false, err
		}
		if r == nil {
			return false, fmt.Errorf("credit: index %s names a missing event", k)
		}
		out = append(out, DeptItem{ID: id, Kind: string(v), Key: string(EventKey(id)), Record: r})
		return true, nil
	})
	return out, more, err
}

// ListItem is one entry of an active list at a height: the index key (whose
// presence proves the event was not repaired) and its value.
type ListItem struct {
	Key        string    `json:"key"`
	SubjectRef string    `json:"subject_ref"`
	ID         string    `json:"id"`
	Entry      ListEntry `json:"entry"`
}

// ParseListKey splits credit/list/<list>/<ref>/<id>.
func ParseListKey(list string, k []byte) (ref, id string, err error) {
	p := ListPrefix(list)
	if !bytes.HasPrefix(k, p) {
		return "", "", fmt.Errorf("credit: %q is not under %s", k, p)
	}
	rest := k[len(p):]
	i := bytes.LastIndexByte(rest, '/')
	if i < 0 || !ValidID(string(rest[i+1:])) {
		return "", "", fmt.Errorf("credit: malformed list key %q", k)
	}
	return string(rest[:i]), string(rest[i+1:]), nil
}

// ActiveList returns page (1-based) of the red or black list at block time
// bt: unrepaired entries still published, in subject order.
func ActiveList(kv state.KV, list string, bt time.Time, page int) ([]ListItem, bool, error) {
	if page < 1 {
		return nil, false, ErrBadInput.Wrapf("page %d must be 1 or more", page)
	}
	return ActiveListAfter(kv, list, bt, "", (page-1)*PageSize, PageSize)
}

// Cursor is the item's position in ActiveList's order, for ActiveListAfter.
func (it ListItem) Cursor() string { return it.SubjectRef + "/" + it.ID }

// ActiveListAfter returns, after skipping skip, at most limit of the
// entries ActiveList walks that come after the one whose Cursor is after
// ("" = from the start), and whether more follow.
func ActiveListAfter(kv state.KV, list string, bt time.Time, after string, skip, limit int) ([]ListItem, bool, error) {
	if list != KindBlacklist && list != KindRedlist {
		return nil, false, ErrBadInput.Wrapf("list %q must be blacklist or redlist", list)
	}
	p := ListPrefix(list)
	start := p
	if after != "" {
		start = append(append(bytes.Clone(p), after...), 0)
	}
	out := []ListItem{}
	more := false
	err := state.IterateRange(kv, start, state.PrefixEnd(p), true, func(k, v []byte) (bool, error) {
		var e ListEntry
		if _, err := module.GetJSONBytes(v, &e); err != nil {
			return false, err
		}
		if !publishedAt(e.PublishEnd, bt) {
			return true, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		if len(out) == limit {
			more = true
			return false, nil
		}
		ref, id, err := ParseListKey(list, k)
		if err != nil {
			return false, err
		}
		out = append(out, ListItem{Key: string(k), SubjectRef: ref, ID: id, Entry: e})
		return true, nil
	})
	return out, more, err
}
