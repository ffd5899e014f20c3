package catalog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
)

// The answer shapes a client reads (entries with their proofs, the views
// of a department, resource, data item and sharing request) and the
// paging bounds are defined in catalogtypes (no state store); the names
// below keep the chain's code unchanged.
type (
	Entry        = catalogtypes.Entry
	Department   = catalogtypes.Department
	ResourceView = catalogtypes.ResourceView
	ItemChain    = catalogtypes.ItemChain
	ShareEntry   = catalogtypes.ShareEntry
	ShareView    = catalogtypes.ShareView
)

// Reader answers catalog queries over one state version. Prove, when set,
// attaches a proof to every entry.
type Reader struct {
	KV    state.KV
	Prove func(key []byte) (*proof.Proof, error)
}

// Entry reads one key.
func (r *Reader) Entry(key []byte) (Entry, error) {
	v, err := r.KV.Get(key)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Key: string(key), Found: v != nil, Record: v}
	if r.Prove != nil {
		if e.Proof, err = r.Prove(key); err != nil {
			return e, err
		}
	}
	return e, nil
}

// Record reads the current version of a record.
func (r *Reader) Record(kind, id string) (Entry, error) { return r.Entry(RecordKey(kind, id)) }

// BlockTime is the header time of the block that produced this state
// version (the app stores it under "block_time"); zero before block 1.
func (r *Reader) BlockTime() time.Time {
	b, _ := r.KV.Get([]byte("block_time"))
	t, _ := time.Parse(time.RFC3339Nano, string(b))
	return t
}

// History returns every version of a record, oldest first.
func (r *Reader) History(kind, id string) ([]Entry, error) { return r.HistoryPage(kind, id, nil) }

// HistoryPage is one page of History.
func (r *Reader) HistoryPage(kind, id string, p *Page) ([]Entry, error) {
	if !slices.Contains(Kinds, kind) {
		return nil, ErrBadInput.Wrapf("kind %q is not one of %s", kind, strings.Join(Kinds, ", "))
	}
	var cur Meta
	b, err := r.KV.Get(RecordKey(kind, id))
	if err != nil || b == nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &cur); err != nil {
		return nil, err
	}
	versions := func(after string, visit func(string, []byte) (bool, error)) error {
		from := int64(1)
		if after != "" {
			n, err := strconv.ParseInt(after, 10, 64)
			if err != nil || n < 1 {
				return ErrBadInput.Wrapf("cursor position %q is not a version", after)
			}
			from = n + 1
		}
		for n := from; n <= cur.Version; n++ {
			if more, err := visit(strconv.FormatInt(n, 10), VersionKey(kind, id, n)); err != nil || !more {
				return err
			}
		}
		return nil
	}
	out := []Entry{}
	err = r.section(p, 0, versions, nil, appendTo(&out))
	return out, err
}

// list follows an index: every key under prefix whose value is a record
// key, as section sec of page p.
func (r *Reader) list(p *Page, sec int, prefix []byte, dst *[]Entry) error {
	return r.section(p, sec, r.indexWalker(prefix, valueIsKey), nil, appendTo(dst))
}

// Department lists a department's entries in key order.
func (r *Reader) Department(dept string) (*Department, error) { return r.DepartmentPage(dept, nil) }

// DepartmentPage is one page of Department.
func (r *Reader) DepartmentPage(dept string, p *Page) (*Department, error) {
	d := &Department{Dept: dept, Duties: []Entry{}, Resources: []Entry{}, Tables: []Entry{}, Items: []Entry{}, Shares: []Entry{}}
	for i, k := range []struct {
		kind string
		dst  *[]Entry
	}{{KindDuty, &d.Duties}, {KindResource, &d.Resources}, {KindTable, &d.Tables}, {KindItem, &d.Items}, {KindShare, &d.Shares}} {
		if err := r.list(p, i, IndexPrefix("dept", dept, k.kind), k.dst); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (r *Reader) Resource(code string) (*ResourceView, error) { return r.ResourcePage(code, nil) }

// ResourcePage is one page of Resource.
func (r *Reader) ResourcePage(code string, p *Page) (*ResourceView, error) {
	e, err := r.Record(KindResource, code)
	if err != nil {
		return nil, err
	}
	v := &ResourceView{Duties: []Entry{}, Tables: []Entry{}}
	if p.First() {
		v.Resource = e
		p.addFixed(&e)
	} else {
		v.Resource = Entry{Key: e.Key, Found: e.Found}
	}
	if !e.Found {
		return v, nil
	}
	var res Resource
	if err := e.Decode(&res); err != nil {
		return nil, err
	}
	if err := r.section(p, 0, keysWalker(dutyKeys(&res)), nil, appendTo(&v.Duties)); err != nil {
		return nil, err
	}
	return v, r.list(p, 1, IndexPrefix("resource", code, "table"), &v.Tables)
}

func dutyKeys(res *Resource) [][]byte {
	keys := make([][]byte, len(res.Duties))
	for i, d := range res.Duties {
		keys[i] = RecordKey(KindDuty, DutyID(res.Provider, d))
	}
	return keys
}

func (r *Reader) ItemChain(key string) (*ItemChain, error) { return r.ItemChainPage(key, nil) }

// ItemChainPage is one page of ItemChain.
func (r *Reader) ItemChainPage(key string, p *Page) (*ItemChain, error) {
	e, err := r.Record(KindItem, key)
	if err != nil {
		return nil, err
	}
	c := &ItemChain{Item: Entry{Key: e.Key, Found: e.Found}, Duties: []Entry{}, Tables: []Entry{}, References: []Entry{}, Attestations: []Entry{}}
	if p.First() {
		c.Item = e
		p.addFixed(&e)
	}
	var duties [][]byte
	if e.Found {
		var it ItemRecord
		if err := e.Decode(&it); err != nil {
			return nil, err
		}
		if it.Source != "" {
			se, err := r.Record(KindResource, it.Source)
			if err != nil {
				return nil, err
			}
			if p.First() {
				c.Source = &se
				p.addFixed(&se)
			}
			var res Resource
			if se.Found {
				if err := se.Decode(&res); err != nil {
					return nil, err
				}
				duties = dutyKeys(&res)
			}
		}
	}
	if err := r.section(p, 0, keysWalker(duties), nil, appendTo(&c.Duties)); err != nil {
		return nil, err
	}
	tableKey := func(id string, _ []byte) []byte { return RecordKey(KindTable, id) }
	if err := r.section(p, 1, r.indexWalker(IndexPrefix("item", key, "table"), tableKey), nil, appendTo(&c.Tables)); err != nil {
		return nil, err
	}
	resourceKey := func(code string, _ []byte) []byte { return RecordKey(KindResource, code) }
	if err := r.section(p, 2, r.indexWalker(IndexPrefix("item", key, "resource"), resourceKey), nil, appendTo(&c.References)); err != nil {
		return nil, err
	}
	return c, r.list(p, 3, IndexPrefix("item", key, "attest"), &c.Attestations)
}

// Sharing lists requests in state (one of ShareStates, "" for all),
// optionally only those dept made or received, at most limit (0 = all).
func (r *Reader) Sharing(st, dept string, limit int) ([]ShareEntry, error) {
	var p *Page
	if limit > 0 {
		p = &Page{Limit: limit, MaxBytes: 1 << 62}
	}
	return r.SharingPage(st, dept, p)
}

// SharingPage is one page of Sharing, in record key order.
func (r *Reader) SharingPage(st, dept string, p *Page) ([]ShareEntry, error) {
	if st != "" && !slices.Contains(ShareStates, st) {
		return nil, ErrBadInput.Wrapf("state %q is not one of %s", st, strings.Join(ShareStates, ", "))
	}
	now := r.BlockTime()
	var prefixes [][]byte
	switch {
	case dept != "":
		prefixes = [][]byte{IndexPrefix("dept", dept, KindShare)}
	case st == "":
		for _, s := range []string{ShareGranted, SharePending, ShareRejected, ShareRevoked} {
			prefixes = append(prefixes, IndexPrefix("share", s))
		}
	case st == ShareExpired:
		prefixes = [][]byte{IndexPrefix("share", ShareGranted)}
	default:
		prefixes = [][]byte{IndexPrefix("share", st)}
	}
	// The record keys of several indexes, merged in key order; a position
	// is a record key.
	var keys [][]byte
	for _, pf := range prefixes {
		err := iterIndex(r.KV, pf, func(_ string, v []byte) error {
			keys = append(keys, bytes.Clone(v))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	sorted := func(after string, visit func(string, []byte) (bool, error)) error {
		from := 0
		if after != "" {
			from, _ = slices.BinarySearchFunc(keys, []byte(after), func(k, t []byte) int {
				if bytes.Compare(k, t) <= 0 {
					return -1
				}
				return 1
			})
		}
		for _, k := range keys[from:] {
			if more, err := visit(string(k), k); err != nil || !more {
				return err
			}
		}
		return nil
	}
	out := []ShareEntry{}
	var state string
	keep := func(e *Entry) (bool, error) {
		var s Share
		if err := e.Decode(&s); err != nil {
			return false, err
		}
		state = s.StatusAt(now)
		return st == "" || state == st, nil
	}
	err := r.section(p, 0, sorted, keep, func(e Entry) { out = append(out, ShareEntry{Entry: e, State: state}) })
	return out, err
}

func (r *Reader) Share(id string) (*ShareView, error) { return r.SharePage(id, nil) }

// SharePage is one page of Share.
func (r *Reader) SharePage(id string, p *Page) (*ShareView, error) {
	e, err := r.Record(KindShare, id)
	if err != nil {
		return nil, err
	}
	v := &ShareView{Share: Entry{Key: e.Key, Found: e.Found}, Deliveries: []Entry{}}
	if !e.Found {
		return v, nil
	}
	var s Share
	if err := e.Decode(&s); err != nil {
		return nil, err
	}
	if p.First() {
		v.Share = e
		v.State = s.StatusAt(r.BlockTime())
		p.addFixed(&e)
	}
	return v, r.list(p, 0, IndexPrefix("sharedelivery", id), &v.Deliveries)
}

// OpenDisputes lists disputes awaiting governance.
func (r *Reader) OpenDisputes() ([]Entry, error) { return r.OpenDisputesPage(nil) }

// OpenDisputesPage is one page of OpenDisputes.
func (r *Reader) OpenDisputesPage(p *Page) ([]Entry, error) {
	out := []Entry{}
	err := r.list(p, 0, IndexPrefix("dispute", "open"), &out)
	return out, err
}
