// Package badgerdb adapts a badger v4 database to the storage interface that
// iavl v1 expects (github.com/cosmos/iavl/db.DB), so that the chain's IAVL
// trees can be persisted in badger instead of goleveldb.
//
// Several logical stores may share one badger instance: each view owns a key
// prefix, keys are prefixed transparently and iterators never leave the
// view's prefix range. Views are created with Options.Prefix or NewPrefixed.
//
// # Atomicity and crash safety
//
// A batch is applied through as few badger transactions as possible, but it
// is split into several transactions when badger rejects it with
// ErrTxnTooBig. Atomicity across those splits is NOT guaranteed: a crash can
// persist a prefix of the batch. (iavl itself already flushes a single
// SaveVersion through several batches once its FlushThreshold is reached, so
// a SaveVersion is not atomic with any backend.) The chain's commit path is
// made crash-safe another way: a committed-height marker is written only
// after the IAVL batches; on restart, IAVL versions above that marker are
// discarded with MutableTree.LoadVersionForOverwriting and CometBFT replays
// the corresponding blocks.
package badgerdb

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"path/filepath"
	"strings"
	"sync/atomic"

	corestore "cosmossdk.io/core/store"
	iavldb "github.com/cosmos/iavl/db"
	badger "github.com/dgraph-io/badger/v4"
)

var (
	// ErrKeyEmpty is returned for a nil or empty key (or iterator bound).
	ErrKeyEmpty = errors.New("badgerdb: key cannot be empty")
	// ErrValueNil is returned when setting a nil value; empty values are fine.
	ErrValueNil = errors.New("badgerdb: value cannot be nil")
	// ErrBatchClosed is returned when a batch is used after Write or Close.
	ErrBatchClosed = errors.New("badgerdb: batch has been written or closed")
	// ErrClosed is returned when the DB (or the badger instance behind a
	// prefixed view) has been closed.
	ErrClosed = errors.New("badgerdb: database is closed")
	// ErrValueTooLarge is returned by in-memory databases for values that
	// would crash badger (see DB.inMemValueLimit).
	ErrValueTooLarge = errors.New("badgerdb: value too large for in-memory database")
	// ErrInvalidRange is kept for callers that check for it; inverted ranges
	// now yield an empty iterator instead (see newIterator). It was returned
	// by Iterator/ReverseIterator when both bounds
	// are given and start >= end.
	ErrInvalidRange = errors.New("badgerdb: iterator start must be less than end")
)

// Defaults sized for a small node: badger's own defaults (64 MiB memtables x5,
// 256 MiB block cache, 4 compactors) assume a dedicated database server.
const (
	DefaultMemTableSize   int64 = 16 << 20
	DefaultNumMemtables         = 3
	DefaultBlockCacheSize int64 = 32 << 20
	DefaultIndexCacheSize int64 = 16 << 20
	DefaultNumCompactors        = 2
	// Values below 1 MiB (badger's default ValueThreshold) live in the LSM
	// tree, so the value log only holds rare huge values; badger mmaps and
	// preallocates 2x this size per vlog file, so 1 GiB files are pure waste.
	DefaultValueLogFileSize int64 = 64 << 20
)

// Options configures Open. Start from DefaultOptions: the zero value has
// SyncWrites == false.
type Options struct {
	// SyncWrites fsyncs every committed badger transaction. When false, only
	// Batch.WriteSync / DB.SetSync / DB.DeleteSync force an fsync.
	SyncWrites bool

	// Prefix is prepended to every key of this view. Views sharing a badger
	// instance must use prefixes that are not prefixes of one another, or one
	// view will see the other's keys.
	Prefix []byte

	// Memory knobs; zero selects the Default* constant.
	MemTableSize   int64
	BlockCacheSize int64
	IndexCacheSize int64
	NumCompactors  int

	// Logger receives badger's log output. Nil selects a quiet logger that
	// drops Info/Debug and forwards warnings and errors to the standard log
	// package.
	Logger badger.Logger

	// Tune, if set, may adjust the final badger options (escape hatch for
	// settings not surfaced here).
	Tune func(badger.Options) badger.Options
}

// DefaultOptions returns durable options (SyncWrites on) with small-node
// memory settings and no prefix.
func DefaultOptions() Options {
	return Options{
		SyncWrites:     true,
		MemTableSize:   DefaultMemTableSize,
		BlockCacheSize: DefaultBlockCacheSize,
		IndexCacheSize: DefaultIndexCacheSize,
		NumCompactors:  DefaultNumCompactors,
	}
}

// DB is a (possibly prefixed) view of a badger database implementing
// iavl's db.DB. It is safe for concurrent use.
type DB struct {
	bdb        *badger.DB
	prefix     []byte
	syncWrites bool
	owner      bool // only the view returned by Open/OpenInMemory closes badger
	// inMemValueLimit, when non-zero, is the smallest value length rejected.
	// badger v4.9.6 in InMemory mode accepts a value of exactly
	// ValueThreshold bytes and then panics in its write goroutine (it looks
	// for a value-log pointer that in-memory mode never creates), taking the
	// whole process down.
	inMemValueLimit int64
	closed          atomic.Bool
}

var _ iavldb.DB = (*DB)(nil)

// Open opens (creating if needed) a badger database in dir.
func Open(dir string, opts Options) (*DB, error) {
	if dir == "" {
		return nil, errors.New("badgerdb: empty directory (use OpenInMemory for a memory-only DB)")
	}
	return open(badgerOptions(badger.DefaultOptions(dir), opts), opts)
}

// OpenInMemory opens a memory-only badger database, intended for tests.
func OpenInMemory() (*DB, error) {
	return openInMemory(DefaultOptions())
}

func openInMemory(opts Options) (*DB, error) {
	opts.SyncWrites = false // nothing to sync
	return open(badgerOptions(badger.DefaultOptions("").WithInMemory(true), opts), opts)
}

func badgerOptions(bo badger.Options, opts Options) badger.Options {
	def := func(v, d int64) int64 {
		if v == 0 {
			return d
		}
		return v
	}
	logger := opts.Logger
	if logger == nil {
		logger = quietLogger{}
	}
	numCompactors := opts.NumCompactors
	if numCompactors == 0 {
		numCompactors = DefaultNumCompactors
	}
	bo = bo.
		WithSyncWrites(opts.SyncWrites).
		WithMemTableSize(def(opts.MemTableSize, DefaultMemTableSize)).
		WithNumMemtables(DefaultNumMemtables).
		WithBlockCacheSize(def(opts.BlockCacheSize, DefaultBlockCacheSize)).
		WithIndexCacheSize(def(opts.IndexCacheSize, DefaultIndexCacheSize)).
		WithNumCompactors(numCompactors).
		WithValueLogFileSize(DefaultValueLogFileSize).
		WithLogger(logger).
		// Update transactions here never read, so conflict tracking would only
		// cost a hash per written key.
		WithDetectConflicts(false).
		// badger's expvar metrics are process-global and unused here; DiskSize
		// walks the directory instead of relying on them.
		WithMetricsEnabled(false)
	// badger refuses to open when ValueThreshold exceeds its per-transaction
	// byte limit (15% of MemTableSize), which bites as soon as memtables are
	// made smaller than ~7 MiB.
	bo.ValueThreshold = min(bo.ValueThreshold, 15*bo.MemTableSize/100)
	if opts.Tune != nil {
		bo = opts.Tune(bo)
	}
	return bo
}

func open(bo badger.Options, opts Options) (*DB, error) {
	bdb, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("badgerdb: open: %w", err)
	}
	db := &DB{
		bdb:        bdb,
		prefix:     bytes.Clone(opts.Prefix),
		syncWrites: bo.SyncWrites,
		owner:      true,
	}
	if bo.InMemory {
		db.inMemValueLimit = bo.ValueThreshold
	}
	return db, nil
}

// NewPrefixed returns a view of parent's badger instance whose keys live under
// parent's prefix followed by prefix. Closing the view does not close the
// parent; closing the parent's owner invalidates the view.
func NewPrefixed(parent *DB, prefix []byte) *DB {
	p := make([]byte, 0, len(parent.prefix)+len(prefix))
	p = append(append(p, parent.prefix...), prefix...)
	return &DB{
		bdb:             parent.bdb,
		prefix:          p,
		syncWrites:      parent.syncWrites,
		inMemValueLimit: parent.inMemValueLimit,
	}
}

// Badger returns the underlying badger instance (shared by all views).
func (db *DB) Badger() *badger.DB { return db.bdb }

// Prefix returns a copy of this view's key prefix.
func (db *DB) Prefix() []byte { return bytes.Clone(db.prefix) }

// Close closes the view. For the DB returned by Open/OpenInMemory it also
// closes badger; for prefixed views it only makes the view unusable. It is
// idempotent.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	if db.owner {
		return db.bdb.Close()
	}
	return nil
}

func (db *DB) checkOpen() error {
	// Badger panics (rather than erroring) when iterators are created on a
	// closed instance, so views must check the shared instance too.
	if db.closed.Load() || db.bdb.IsClosed() {
		return ErrClosed
	}
	return nil
}

// pkey returns a freshly allocated prefixed key: the result is handed to
// badger, which keeps references until commit, so it must not alias the
// caller's slice.
func (db *DB) pkey(key []byte) []byte {
	k := make([]byte, 0, len(db.prefix)+len(key))
	return append(append(k, db.prefix...), key...)
}

// Get implements iavl db.DB. A missing key yields (nil, nil); an existing key
// with an empty value yields a non-nil empty slice.
func (db *DB) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, ErrKeyEmpty
	}
	if err := db.checkOpen(); err != nil {
		return nil, err
	}
	var val []byte
	err := db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(db.pkey(key))
		if err != nil {
			return err
		}
		// ValueCopy never returns nil (y.SafeCopy), so an existing empty
		// value stays distinguishable from a missing key; the conformance
		// test pins this.
		val, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return val, nil
}

// Has implements iavl db.DB.
func (db *DB) Has(key []byte) (bool, error) {
	if len(key) == 0 {
		return false, ErrKeyEmpty
	}
	if err := db.checkOpen(); err != nil {
		return false, err
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		_, err := txn.Get(db.pkey(key))
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Set writes a single key outside of a batch (not part of iavl's interface,
// but handy for markers and tests).
func (db *DB) Set(key, value []byte) error { return db.writeOne(key, value, false, false) }

// SetSync is Set followed by an fsync.
func (db *DB) SetSync(key, value []byte) error { return db.writeOne(key, value, false, true) }

// Delete removes a single key; deleting a missing key is not an error.
func (db *DB) Delete(key []byte) error { return db.writeOne(key, nil, true, false) }

// DeleteSync is Delete followed by an fsync.
func (db *DB) DeleteSync(key []byte) error { return db.writeOne(key, nil, true, true) }

func (db *DB) writeOne(key, value []byte, del, sync bool) error {
	if len(key) == 0 {
		return ErrKeyEmpty
	}
	if !del {
		if err := db.checkValue(value); err != nil {
			return err
		}
	}
	if err := db.checkOpen(); err != nil {
		return err
	}
	return db.apply([]op{{key: db.pkey(key), value: value, del: del}}, sync)
}

func (db *DB) checkValue(value []byte) error {
	if value == nil {
		return ErrValueNil
	}
	if db.inMemValueLimit > 0 && int64(len(value)) >= db.inMemValueLimit {
		return ErrValueTooLarge
	}
	return nil
}

// apply writes ops in order, committing one badger transaction per chunk that
// fits. See the package comment: chunks are individually atomic, the whole is
// not.
func (db *DB) apply(ops []op, sync bool) error {
	for len(ops) > 0 {
		n := 0
		err := db.bdb.Update(func(txn *badger.Txn) error {
			for _, o := range ops {
				var err error
				if o.del {
					err = txn.Delete(o.key)
				} else {
					err = txn.Set(o.key, o.value)
				}
				if errors.Is(err, badger.ErrTxnTooBig) && n > 0 {
					return nil // commit what fits, continue in a new txn
				}
				if err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("badgerdb: write: %w", err)
		}
		ops = ops[n:]
	}
	if sync && !db.syncWrites {
		// The value log/WAL is shared and sequential, so this also persists
		// every earlier commit on the same badger instance, across views.
		return db.bdb.Sync()
	}
	return nil
}

// NewBatch implements iavl db.DB.
func (db *DB) NewBatch() corestore.Batch { return db.NewBatchWithSize(0) }

// NewBatchWithSize implements iavl db.DB. size is a byte-size hint (iavl
// passes its flush threshold), used to pre-size the op slice.
func (db *DB) NewBatchWithSize(size int) corestore.Batch {
	const avgOpBytes = 128 // rough size of an IAVL node write
	return &batch{db: db, ops: make([]op, 0, max(size/avgOpBytes, 16))}
}

// Iterator implements iavl db.DB.
func (db *DB) Iterator(start, end []byte) (corestore.Iterator, error) {
	return db.newIterator(start, end, false)
}

// ReverseIterator implements iavl db.DB.
func (db *DB) ReverseIterator(start, end []byte) (corestore.Iterator, error) {
	return db.newIterator(start, end, true)
}

// DiskUsage breaks down the on-disk footprint of the badger instance, in
// allocated (not apparent) bytes where the platform reports them.
type DiskUsage struct {
	LSM  int64 // *.sst
	VLog int64 // *.vlog (only values >= ValueThreshold live here)
	WAL  int64 // *.mem memtable write-ahead logs (preallocated)
}

// Total is LSM + VLog + WAL.
func (u DiskUsage) Total() int64 { return u.LSM + u.VLog + u.WAL }

// Stats reports the on-disk size of the whole badger instance (not just this
// view) by walking its directory. badger's own DB.Size is only refreshed once
// a minute and needs metrics enabled, which makes it useless in benchmarks.
// In-memory databases report zero.
func (db *DB) Stats() (DiskUsage, error) {
	var u DiskUsage
	bo := db.bdb.Opts()
	if bo.InMemory {
		return u, nil
	}
	dirs := []string{bo.Dir}
	if bo.ValueDir != bo.Dir {
		dirs = append(dirs, bo.ValueDir)
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed by compaction while walking
				}
				return err
			}
			switch size := allocatedSize(info); {
			case strings.HasSuffix(path, ".sst"):
				u.LSM += size
			case strings.HasSuffix(path, ".vlog"):
				u.VLog += size
			case strings.HasSuffix(path, ".mem"):
				u.WAL += size
			}
			return nil
		})
		if err != nil {
			return u, err
		}
	}
	return u, nil
}

// DiskSize returns LSM + value-log bytes, excluding the memtable WALs whose
// contents are transient (they are replaced by SSTables on flush).
func (db *DB) DiskSize() (int64, error) {
	u, err := db.Stats()
	return u.LSM + u.VLog, err
}

// quietLogger keeps badger's routine Info chatter (compactions, flushes,
// replay progress) out of the node's output while still surfacing problems.
type quietLogger struct{}

func (quietLogger) Errorf(f string, args ...any)   { log.Printf("badger ERROR: "+f, args...) }
func (quietLogger) Warningf(f string, args ...any) { log.Printf("badger WARNING: "+f, args...) }
func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Debugf(string, ...any)          {}
