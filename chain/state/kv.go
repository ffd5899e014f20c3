// Package state holds govchain's application state: one IAVL tree (its root
// is the app hash) on badger, plus the write-caches that make each
// transaction all-or-nothing.
package state

import (
	"bytes"
	"errors"
	"slices"

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
//
// A transaction's cache holds a handful of writes: they stay in a sorted
// slice; a cache that grows (the mempool's state, a block's end) moves them
// to a btree.
type Cache struct {
	parent KV
	small  []entry // sorted by key, while big is nil
	big    *btree.BTreeG[entry]
}

// smallMax is the size at which a Cache moves its writes to a btree.
const smallMax = 32

func NewCache(parent KV) *Cache { return &Cache{parent: parent} }

// find returns the position of key in c.small and whether it is there.
func (c *Cache) find(key []byte) (int, bool) {
	lo, hi := 0, len(c.small)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(c.small[m].key, key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(c.small) && bytes.Equal(c.small[lo].key, key)
}

func (c *Cache) lookup(key []byte) (entry, bool) {
	if c.big != nil {
		return c.big.Get(entry{key: key})
	}
	if i, ok := c.find(key); ok {
		return c.small[i], true
	}
	return entry{}, false
}

// put stores e, which the cache owns from now on.
func (c *Cache) put(e entry) {
	if c.big != nil {
		c.big.ReplaceOrInsert(e)
		return
	}
	i, ok := c.find(e.key)
	if ok {
		c.small[i] = e
		return
	}
	if len(c.small) >= smallMax {
		c.big = btree.NewG[entry](16, lessEntry)
		for _, x := range c.small {
			c.big.ReplaceOrInsert(x)
		}
		c.small = nil
		c.big.ReplaceOrInsert(e)
		return
	}
	if c.small == nil {
		c.small = make([]entry, 0, 8) // a tx writes a handful of keys
	}
	c.small = slices.Insert(c.small, i, e)
}

func (c *Cache) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, errors.New("state: empty key")
	}
	if e, ok := c.lookup(key); ok {
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
	if err := checkSet(key, value); err != nil {
		return err
	}
	c.put(entry{key: bytes.Clone(key), value: bytes.Clone(value)})
	return nil
}

func checkSet(key, value []byte) error {
	if len(key) == 0 {
		return errors.New("state: empty key")
	}
	// ICS23 cannot prove an empty value, and every record must be provable.
	if len(value) == 0 {
		return errors.New("state: empty values are not allowed (they cannot be proven)")
	}
	return nil
}

func (c *Cache) Delete(key []byte) error {
	if len(key) == 0 {
		return errors.New("state: empty key")
	}
	c.put(entry{key: bytes.Clone(key), deleted: true})
	return nil
}

// Len is the number of buffered writes (sets and deletes).
func (c *Cache) Len() int {
	if c.big != nil {
		return c.big.Len()
	}
	return len(c.small)
}

// ascend visits the buffered writes in [start, end) (nil: open) in order.
func (c *Cache) ascend(start, end []byte, fn func(entry) bool) {
	if c.big != nil {
		switch {
		case start == nil && end == nil:
			c.big.Ascend(fn)
		case start == nil:
			c.big.AscendLessThan(entry{key: end}, fn)
		case end == nil:
			c.big.AscendGreaterOrEqual(entry{key: start}, fn)
		default:
			c.big.AscendRange(entry{key: start}, entry{key: end}, fn)
		}
		return
	}
	i := 0
	if start != nil {
		i, _ = c.find(start)
	}
	for ; i < len(c.small); i++ {
		if end != nil && bytes.Compare(c.small[i].key, end) >= 0 {
			return
		}
		if !fn(c.small[i]) {
			return
		}
	}
}

// ownedWriter is a KV that can take over a write's slices without copying
// them (a Cache, or a Recorder over one).
type ownedWriter interface {
	setOwned(e entry) error
}

func (c *Cache) setOwned(e entry) error {
	if !e.deleted {
		if err := checkSet(e.key, e.value); err != nil {
			return err
		}
	}
	c.put(e)
	return nil
}

// Write flushes buffered writes to the parent in ascending key order and
// empties the cache. The parent takes the written slices over when it can
// (the cache no longer holds them).
func (c *Cache) Write() error {
	var err error
	ow, owned := c.parent.(ownedWriter)
	c.ascend(nil, nil, func(e entry) bool {
		switch {
		case owned:
			err = ow.setOwned(e)
		case e.deleted:
			err = c.parent.Delete(e.key)
		default:
			err = c.parent.Set(e.key, e.value)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	c.Discard()
	return nil
}

// Discard drops all buffered writes.
func (c *Cache) Discard() { c.small, c.big = nil, nil }

func (c *Cache) Iterator(start, end []byte, ascending bool) (corestore.Iterator, error) {
	if start != nil && end != nil && bytes.Compare(start, end) >= 0 {
		return nil, errors.New("state: iterator start must be below end")
	}
	parent, err := c.parent.Iterator(start, end, ascending)
	if err != nil {
		return nil, err
	}
	var snap []entry
	c.ascend(start, end, func(e entry) bool {
		snap = append(snap, e)
		return true
	})
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
