package credit

import (
	"bytes"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

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

// ActiveList returns page (1-based) of the red or black list at block time
// bt: unrepaired entries still published, in subject order.
func ActiveList(kv state.KV, list string, bt time.Time, page int) ([]ListItem, bool, error) {
	if page < 1 {
		return nil, false, ErrBadInput.Wrapf("page %d must be 1 or more", page)
	}
	return ActiveListAfter(kv, list, bt, "", (page-1)*PageSize, PageSize)
}

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
