package badgerdb

import (
	"bytes"

	corestore "cosmossdk.io/core/store"
	badger "github.com/dgraph-io/badger/v4"
)

// iterator walks a snapshot (badger read transaction) of one view. Bounds are
// enforced here on raw prefixed keys rather than via badger's
// IteratorOptions.Prefix alone, because in reverse mode badger neither stops
// at nor seeks to the end of the prefix (see newIterator).
type iterator struct {
	txn *badger.Txn
	it  *badger.Iterator

	prefixLen  int
	start, end []byte // caller's domain, as returned by Domain
	lower      []byte // inclusive raw bound, nil = unbounded
	upper      []byte // exclusive raw bound, nil = unbounded
	reverse    bool

	valid  bool
	closed bool
	err    error
}

var _ corestore.Iterator = (*iterator)(nil)

func (db *DB) newIterator(start, end []byte, reverse bool) (corestore.Iterator, error) {
	if (start != nil && len(start) == 0) || (end != nil && len(end) == 0) {
		return nil, ErrKeyEmpty
	}
	// An inverted or empty range yields an empty iterator, as iavl's own
	// MemDB and GoLevelDB do: iavl v1.3.5's FastIterator does not handle an
	// error from the backend (it calls Valid on a nil iterator), so an error
	// here would turn a bad range into a node crash.
	if start != nil && end != nil && bytes.Compare(start, end) >= 0 {
		return emptyIterator{start: start, end: end}, nil
	}
	if err := db.checkOpen(); err != nil {
		return nil, err
	}

	itr := &iterator{
		prefixLen: len(db.prefix),
		start:     start,
		end:       end,
		reverse:   reverse,
	}
	switch {
	case start != nil:
		itr.lower = db.pkey(start)
	case len(db.prefix) > 0:
		itr.lower = db.pkey(nil)
	}
	switch {
	case end != nil:
		itr.upper = db.pkey(end)
	case len(db.prefix) > 0:
		// nil when the prefix is all 0xFF: every key >= prefix then has it.
		itr.upper = prefixEnd(db.prefix)
	}

	// Values are fetched lazily: iavl mostly scans keys (latest-version
	// lookup, version deletion), and values below ValueThreshold sit in the
	// LSM anyway, so prefetching would only add goroutine work.
	opts := badger.IteratorOptions{Reverse: reverse}
	if !reverse {
		// Lets badger skip SSTables outside the prefix. Not used in reverse:
		// there Valid() turns false as soon as the cursor is outside the
		// prefix, which makes seeking from prefixEnd impossible to recover.
		opts.Prefix = db.prefix
	}
	itr.txn = db.bdb.NewTransaction(false)
	itr.it = itr.txn.NewIterator(opts)

	if !reverse {
		if itr.lower != nil {
			itr.it.Seek(itr.lower)
		} else {
			itr.it.Rewind()
		}
		// A raw key equal to the prefix itself (only writable by an
		// overlapping view) would surface as an empty key, which the
		// contract forbids; in forward order it can only be the first key.
		if itr.atBarePrefix() {
			itr.it.Next()
		}
	} else {
		if itr.upper != nil {
			// Reverse Seek lands on the greatest key <= upper; upper itself is
			// excluded, and keys are unique so one step suffices.
			itr.it.Seek(itr.upper)
			if itr.it.Valid() && bytes.Equal(itr.it.Item().Key(), itr.upper) {
				itr.it.Next()
			}
		} else {
			itr.it.Rewind()
		}
	}
	itr.valid = itr.inBounds()
	return itr, nil
}

// prefixEnd returns the smallest key greater than every key with prefix p,
// or nil if there is none (p is all 0xFF).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (itr *iterator) atBarePrefix() bool {
	return itr.prefixLen > 0 && itr.it.Valid() && len(itr.it.Item().Key()) == itr.prefixLen
}

func (itr *iterator) inBounds() bool {
	if !itr.it.Valid() {
		return false
	}
	k := itr.it.Item().Key()
	if itr.prefixLen > 0 && len(k) == itr.prefixLen {
		// Bare prefix: the smallest possible key of the view, so in reverse
		// order it ends the iteration.
		return false
	}
	if itr.lower != nil && bytes.Compare(k, itr.lower) < 0 {
		return false
	}
	if itr.upper != nil && bytes.Compare(k, itr.upper) >= 0 {
		return false
	}
	return true
}

// Domain implements corestore.Iterator.
func (itr *iterator) Domain() ([]byte, []byte) { return itr.start, itr.end }

// Valid implements corestore.Iterator.
func (itr *iterator) Valid() bool { return itr.valid }

// Next implements corestore.Iterator.
func (itr *iterator) Next() {
	itr.assertValid()
	itr.it.Next()
	itr.valid = itr.inBounds()
}

// Key implements corestore.Iterator; the result is a fresh copy without the
// view prefix (badger reuses the underlying buffer after Next).
func (itr *iterator) Key() []byte {
	itr.assertValid()
	return bytes.Clone(itr.it.Item().Key()[itr.prefixLen:])
}

// Value implements corestore.Iterator; the result is a fresh copy. A read
// failure (value log I/O) is reported through Error and ends the iteration.
func (itr *iterator) Value() []byte {
	itr.assertValid()
	v, err := itr.it.Item().ValueCopy(nil)
	if err != nil {
		itr.err = err
		itr.valid = false
		return nil
	}
	return v
}

// Error implements corestore.Iterator.
func (itr *iterator) Error() error { return itr.err }

// Close implements corestore.Iterator. It releases the read snapshot, which
// otherwise pins old versions in badger; it is idempotent.
func (itr *iterator) Close() error {
	if itr.closed {
		return nil
	}
	itr.closed = true
	itr.valid = false
	itr.it.Close()
	itr.txn.Discard()
	return nil
}

func (itr *iterator) assertValid() {
	if !itr.valid {
		panic("badgerdb: iterator is invalid")
	}
}

// emptyIterator is the iterator over an empty range.
type emptyIterator struct{ start, end []byte }

func (e emptyIterator) Domain() ([]byte, []byte) { return e.start, e.end }
func (emptyIterator) Valid() bool                { return false }
func (emptyIterator) Next()                      { panic("badgerdb: Next on an invalid iterator") }
func (emptyIterator) Key() []byte                { panic("badgerdb: Key on an invalid iterator") }
func (emptyIterator) Value() []byte              { panic("badgerdb: Value on an invalid iterator") }
func (emptyIterator) Error() error               { return nil }
func (emptyIterator) Close() error               { return nil }
