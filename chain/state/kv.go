// Package state holds govchain's application state: one IAVL tree (its root
// is the app hash) on badger, plus the write-caches that make each
// transaction all-or-nothing.
package state

import (
	"bytes"
	"errors"

	corestore "cosmossdk.io/core/store"
	"github.com/google/btree"
)

// KV is the only view of state a contract gets. Iteration is always in key
// order, so contract logic cannot depend on map order.
type KV interface {
	Get(key []byte) ([]byte, error) // nil, nil when absent
	Has(key []byte) (bool, error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// Iterator over [start, end); nil bounds are open.
	Iterator(start, end []byte, ascending bool) (corestore.Iterator, error)
}

// ErrReadOnly is returned by writes to a historical view.
var ErrReadOnly = errors.New("state: read-only view")

type entry struct {
	key     []byte
	value   []byte
	deleted bool
}

func lessEntry(a, b entry) bool { return bytes.Compare(a.key, b.key) < 0 }

// Cache buffers writes over a parent KV. Write flushes them to the parent in
// key order: IAVL's shape (and so the app hash) depends on insertion order,
// so the order must not depend on what order a contract happened to write in.
type Cache struct {
	parent KV
	writes *btree.BTreeG[entry]
}

func NewCache(parent KV) *Cache {
	return &Cache{parent: parent, writes: btree.NewG[entry](16, lessEntry)}
}

func (c *Cache) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, errors.New("state: empty key")
	}
	if e, ok := c.writes.Get(entry{key: key}); ok {
		if e.deleted {
			return nil, nil
		}
		return e.value, nil
	}
	return c.parent.Get(key)
}

func (c *Cache) Has(key []byte) (bool, error) {
	v, err := c.Get(key)
	return v != nil, err
}

func (c *Cache) Set(key, value []byte) error {
	if len(key) == 0 {
		return errors.New("state: empty key")
	}
	// ICS23 cannot prove an empty value, and every record must be provable.
	if len(value) == 0 {
		return errors.New("state: empty values are not allowed (they cannot be proven)")
	}
	c.writes.ReplaceOrInsert(entry{key: bytes.Clone(key), value: bytes.Clone(value)})
	return nil
}

func (c *Cache) Delete(key []byte) error {
	if len(key) == 0 {
		return errors.New("state: empty key")
	}
	c.writes.ReplaceOrInsert(entry{key: bytes.Clone(key), deleted: true})
	return nil
}

// Len is the number of buffered writes (sets and deletes).
func (c *Cache) Len() int { return c.writes.Len() }

// Write flushes buffered writes to the parent in ascending key order and
// empties the cache.
func (c *Cache) Write() error {
	var err error
	c.writes.Ascend(func(e entry) bool {
		if e.deleted {
			err = c.parent.Delete(e.key)
		} else {
			err = c.parent.Set(e.key, e.value)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	c.writes.Clear(false)
	return nil
}

// Discard drops all buffered writes.
func (c *Cache) Discard() { c.writes.Clear(false) }

func (c *Cache) Iterator(start, end []byte, ascending bool) (corestore.Iterator, error) {
	if start != nil && end != nil && bytes.Compare(start, end) >= 0 {
		return nil, errors.New("state: iterator start must be below end")
	}
	parent, err := c.parent.Iterator(start, end, ascending)
	if err != nil {
		return nil, err
	}
	var snap []entry
	visit := func(e entry) bool {
		snap = append(snap, e)
		return true
	}
	lo := entry{key: start}
	switch {
	case start == nil && end == nil:
		c.writes.Ascend(visit)
	case start == nil:
		c.writes.AscendLessThan(entry{key: end}, visit)
	case end == nil:
		c.writes.AscendGreaterOrEqual(lo, visit)
	default:
		c.writes.AscendRange(lo, entry{key: end}, visit)
	}
	if !ascending {
		for i, j := 0, len(snap)-1; i < j; i, j = i+1, j-1 {
			snap[i], snap[j] = snap[j], snap[i]
		}
	}
	it := &mergeIter{parent: parent, cache: snap, asc: ascending, start: start, end: end}
	it.settle()
	return it, nil
}

// mergeIter merges the parent's iterator with a snapshot of cached writes;
// cached entries win on equal keys and deletions hide parent keys.
type mergeIter struct {
	parent     corestore.Iterator
	cache      []entry
	asc        bool
	start, end []byte
	key, value []byte
	valid      bool
}

func (m *mergeIter) before(a, b []byte) bool {
	if m.asc {
		return bytes.Compare(a, b) < 0
	}
	return bytes.Compare(a, b) > 0
}

// settle positions on the next visible entry.
func (m *mergeIter) settle() {
	for {
		pv := m.parent.Valid()
		cv := len(m.cache) > 0
		switch {
		case !pv && !cv:
			m.valid = false
			return
		case cv && (!pv || !m.before(m.parent.Key(), m.cache[0].key)):
			e := m.cache[0]
			m.cache = m.cache[1:]
			if pv && bytes.Equal(m.parent.Key(), e.key) {
				m.parent.Next()
			}
			if e.deleted {
				continue
			}
			m.key, m.value, m.valid = e.key, e.value, true
			return
		default:
			m.key, m.value, m.valid = m.parent.Key(), m.parent.Value(), true
			m.parent.Next()
			return
		}
	}
}

func (m *mergeIter) Domain() ([]byte, []byte) { return m.start, m.end }
func (m *mergeIter) Valid() bool              { return m.valid }
func (m *mergeIter) Next() {
	if !m.valid {
		panic("state: Next on invalid iterator")
	}
	m.settle()
}
func (m *mergeIter) Key() []byte   { return m.key }
func (m *mergeIter) Value() []byte { return m.value }
func (m *mergeIter) Error() error  { return m.parent.Error() }
func (m *mergeIter) Close() error  { return m.parent.Close() }

// Prefix returns the exclusive end key for iterating all keys with prefix p.
func PrefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// IteratePrefix calls fn for each key under prefix in order; fn returns false
// to stop.
func IteratePrefix(kv KV, prefix []byte, ascending bool, fn func(k, v []byte) (bool, error)) error {
	return IterateRange(kv, prefix, PrefixEnd(prefix), ascending, fn)
}

// IterateRange calls fn for each key in [start, end), in key order or, when
// !ascending, highest first; fn returns false to stop.
func IterateRange(kv KV, start, end []byte, ascending bool, fn func(k, v []byte) (bool, error)) error {
	it, err := kv.Iterator(start, end, ascending)
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		more, err := fn(it.Key(), it.Value())
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	return it.Error()
}
