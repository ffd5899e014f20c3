package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
)

// Entry is one state key as a query returns it: the exact stored bytes
// (Record, JSON) and, when asked for, the ICS23 proof of that key. A client
// checks Proof.Verify(app_hash) and that compact(Record) equals Proof.Value.
type Entry struct {
	Key    string          `json:"key"`
	Found  bool            `json:"found"`
	Record json.RawMessage `json:"record,omitempty"`
	Proof  *proof.Proof    `json:"proof,omitempty"`
}

// Decode unmarshals the record into v.
func (e *Entry) Decode(v any) error {
	if !e.Found {
		return fmt.Errorf("%s: not found", e.Key)
	}
	return json.Unmarshal(e.Record, v)
}

// CheckProof verifies the entry's proof against root and that the record
// shown is the proven value.
func (e *Entry) CheckProof(root []byte) error {
	if e.Proof == nil {
		return fmt.Errorf("%s: no proof", e.Key)
	}
	if string(e.Proof.Key) != e.Key {
		return fmt.Errorf("%s: proof is for key %q", e.Key, e.Proof.Key)
	}
	if err := e.Proof.Verify(root); err != nil {
		return fmt.Errorf("%s: %w", e.Key, err)
	}
	if e.Found != (e.Proof.Value != nil) {
		return fmt.Errorf("%s: found=%v but the proof says otherwise", e.Key, e.Found)
	}
	if e.Found {
		var c bytes.Buffer
		if err := json.Compact(&c, e.Record); err != nil || !bytes.Equal(c.Bytes(), e.Proof.Value) {
			return fmt.Errorf("%s: record differs from the proven value", e.Key)
		}
	}
	return nil
}

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
func (r *Reader) History(kind, id string) ([]Entry, error) {
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
	out := make([]Entry, 0, cur.Version)
	for n := int64(1); n <= cur.Version; n++ {
		e, err := r.Entry(VersionKey(kind, id, n))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// list follows an index: every key under prefix whose value is a record key.
func (r *Reader) list(prefix []byte, limit int) ([]Entry, error) {
	var keys [][]byte
	err := iterIndex(r.KV, prefix, func(_ string, v []byte) error {
		keys = append(keys, bytes.Clone(v))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		if limit > 0 && len(out) >= limit {
			break
		}
		e, err := r.Entry(k)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Department is a department's whole catalog.
type Department struct {
	Dept      string  `json:"dept"`
	Duties    []Entry `json:"duties"`
	Resources []Entry `json:"resources"`
	Tables    []Entry `json:"tables"`
	Items     []Entry `json:"items"`  // data items it is the authoritative source of
	Shares    []Entry `json:"shares"` // sharing requests it made or received
}

// Department lists a department's entries in key order.
func (r *Reader) Department(dept string) (*Department, error) {
	d := &Department{Dept: dept}
	for _, k := range []struct {
		kind string
		dst  *[]Entry
	}{{KindDuty, &d.Duties}, {KindResource, &d.Resources}, {KindTable, &d.Tables}, {KindItem, &d.Items}, {KindShare, &d.Shares}} {
		es, err := r.list(IndexPrefix("dept", dept, k.kind), 0)
		if err != nil {
			return nil, err
		}
		*k.dst = es
	}
	return d, nil
}

// ResourceView is a resource with the duties it derives from and its tables.
type ResourceView struct {
	Resource Entry   `json:"resource"`
	Duties   []Entry `json:"duties"`
	Tables   []Entry `json:"tables"`
}

func (r *Reader) Resource(code string) (*ResourceView, error) {
	e, err := r.Record(KindResource, code)
	if err != nil {
		return nil, err
	}
	v := &ResourceView{Resource: e}
	if !e.Found {
		return v, nil
	}
	var res Resource
	if err := e.Decode(&res); err != nil {
		return nil, err
	}
	for _, d := range res.Duties {
		de, err := r.Record(KindDuty, DutyID(res.Provider, d))
		if err != nil {
			return nil, err
		}
		v.Duties = append(v.Duties, de)
	}
	if v.Tables, err = r.list(IndexPrefix("resource", code, "table"), 0); err != nil {
		return nil, err
	}
	return v, nil
}

// ItemChain is the duty → resource → table chain of a data item: its
// authoritative source, the duties that source derives from, the tables and
// columns holding it, the other resources that carry it, and cross-checks.
type ItemChain struct {
	Item         Entry   `json:"item"`
	Source       *Entry  `json:"source,omitempty"` // the source resource
	Duties       []Entry `json:"duties"`
	Tables       []Entry `json:"tables"`
	References   []Entry `json:"references"` // every resource carrying the item (source included)
	Attestations []Entry `json:"attestations"`
}

func (r *Reader) ItemChain(key string) (*ItemChain, error) {
	e, err := r.Record(KindItem, key)
	if err != nil {
		return nil, err
	}
	c := &ItemChain{Item: e}
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
			c.Source = &se
			var res Resource
			if se.Found {
				if err := se.Decode(&res); err != nil {
					return nil, err
				}
				for _, d := range res.Duties {
					de, err := r.Record(KindDuty, DutyID(res.Provider, d))
					if err != nil {
						return nil, err
					}
					c.Duties = append(c.Duties, de)
				}
			}
		}
	}
	var tableKeys [][]byte
	err = iterIndex(r.KV, IndexPrefix("item", key, "table"), func(id string, _ []byte) error {
		tableKeys = append(tableKeys, RecordKey(KindTable, id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range tableKeys {
		te, err := r.Entry(k)
		if err != nil {
			return nil, err
		}
		c.Tables = append(c.Tables, te)
	}
	var refKeys [][]byte
	err = iterIndex(r.KV, IndexPrefix("item", key, "resource"), func(code string, _ []byte) error {
		refKeys = append(refKeys, RecordKey(KindResource, code))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range refKeys {
		re, err := r.Entry(k)
		if err != nil {
			return nil, err
		}
		c.References = append(c.References, re)
	}
	if c.Attestations, err = r.list(IndexPrefix("item", key, "attest"), 0); err != nil {
		return nil, err
	}
	return c, nil
}

// ShareEntry is a sharing request with its state at the queried block time.
type ShareEntry struct {
	Entry
	State string `json:"state"`
}

// Sharing lists requests in state (one of ShareStates, "" for all),
// optionally only those dept made or received, at most limit (0 = all).
func (r *Reader) Sharing(st, dept string, limit int) ([]ShareEntry, error) {
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
	var keys [][]byte
	for _, p := range prefixes {
		err := iterIndex(r.KV, p, func(_ string, v []byte) error {
			keys = append(keys, bytes.Clone(v))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	var out []ShareEntry
	for _, k := range keys {
		b, err := r.KV.Get(k)
		if err != nil {
			return nil, err
		}
		var s Share
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		state := s.StatusAt(now)
		if st != "" && state != st {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		e, err := r.Entry(k)
		if err != nil {
			return nil, err
		}
		out = append(out, ShareEntry{Entry: e, State: state})
	}
	return out, nil
}

// ShareView is one sharing request with its deliveries.
type ShareView struct {
	Share      Entry   `json:"share"`
	State      string  `json:"state,omitempty"`
	Deliveries []Entry `json:"deliveries"`
}

func (r *Reader) Share(id string) (*ShareView, error) {
	e, err := r.Record(KindShare, id)
	if err != nil {
		return nil, err
	}
	v := &ShareView{Share: e}
	if !e.Found {
		return v, nil
	}
	var s Share
	if err := e.Decode(&s); err != nil {
		return nil, err
	}
	v.State = s.StatusAt(r.BlockTime())
	v.Deliveries, err = r.list(IndexPrefix("sharedelivery", id), 0)
	return v, err
}

// OpenDisputes lists disputes awaiting governance.
func (r *Reader) OpenDisputes() ([]Entry, error) { return r.list(IndexPrefix("dispute", "open"), 0) }
