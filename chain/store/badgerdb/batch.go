package badgerdb

import corestore "cosmossdk.io/core/store"

type op struct {
	key   []byte // already prefixed, owned by the batch
	value []byte // caller's slice; the Batch contract makes it read-only
	del   bool
}

// batch buffers operations in memory instead of using badger.WriteBatch:
// WriteBatch silently commits in several transactions as it grows, so ops
// would hit disk before Write is called and a discarded (Closed) batch could
// still leave partial state behind. Buffering keeps "nothing is written
// before Write" true and lets apply control where splits happen.
type batch struct {
	db   *DB
	ops  []op // nil once written or closed
	size int
}

var _ corestore.Batch = (*batch)(nil)

// Set implements corestore.Batch.
func (b *batch) Set(key, value []byte) error {
	if len(key) == 0 {
		return ErrKeyEmpty
	}
	if err := b.db.checkValue(value); err != nil {
		return err
	}
	if b.ops == nil {
		return ErrBatchClosed
	}
	b.size += len(key) + len(value)
	b.ops = append(b.ops, op{key: b.db.pkey(key), value: value})
	return nil
}

// Delete implements corestore.Batch.
func (b *batch) Delete(key []byte) error {
	if len(key) == 0 {
		return ErrKeyEmpty
	}
	if b.ops == nil {
		return ErrBatchClosed
	}
	b.size += len(key)
	b.ops = append(b.ops, op{key: b.db.pkey(key), del: true})
	return nil
}

// Write implements corestore.Batch. Not atomic if badger forces a split; see
// the package documentation.
func (b *batch) Write() error { return b.write(false) }

// WriteSync implements corestore.Batch.
func (b *batch) WriteSync() error { return b.write(true) }

func (b *batch) write(sync bool) error {
	if b.ops == nil {
		return ErrBatchClosed
	}
	if err := b.db.checkOpen(); err != nil {
		return err
	}
	// On failure the batch stays usable: re-applying the same ordered
	// sets/deletes is idempotent, so a caller may retry Write.
	if err := b.db.apply(b.ops, sync); err != nil {
		return err
	}
	return b.Close()
}

// Close implements corestore.Batch; it is idempotent.
func (b *batch) Close() error {
	b.ops = nil
	b.size = 0
	return nil
}

// GetByteSize implements corestore.Batch. It counts caller-visible key and
// value bytes (not the view prefix nor badger's per-entry overhead), which is
// what iavl's flush threshold is calibrated against.
func (b *batch) GetByteSize() (int, error) {
	if b.ops == nil {
		return 0, ErrBatchClosed
	}
	return b.size, nil
}
