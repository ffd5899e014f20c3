package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"

	"github.com/govchain/govchain/chain/store/badgerdb"
)

// Options tune the store.
type Options struct {
	// CacheSize is IAVL's node cache (nodes, not bytes).
	CacheSize int
	// KeepRecent > 0 prunes versions older than the newest KeepRecent every
	// PruneEvery commits; 0 keeps every version (auditors and historical
	// proofs want that, so it is the default).
	KeepRecent int64
	PruneEvery int64
	// SyncWrites makes every commit durable before Commit returns.
	SyncWrites bool
	// NoFastIndex skips IAVL's fast-node index (a flat copy of the latest
	// values that speeds up reads): a replay that only writes and hashes
	// (the auditor's) saves its upkeep. Hashes and proofs do not change.
	NoFastIndex bool
	// Badger, if set, replaces badgerdb.DefaultOptions() in Open (its
	// SyncWrites is the one above): A/B runs of `govchain bench records`;
	// a node runs with badgerdb's defaults.
	Badger *badgerdb.Options
}

func DefaultOptions() Options {
	return Options{CacheSize: 200_000, PruneEvery: 100, SyncWrites: true}
}

// Store is the versioned application state. Version N is the state after
// block N; its root hash is the app hash in header N+1.
//
// Crash safety: badger does not apply a large batch atomically, so a crash
// inside IAVL's SaveVersion could leave a half-written version. Store writes
// a committed-height marker only after SaveVersion has returned; on open it
// loads exactly that version and discards anything above it. CometBFT's
// handshake then replays the blocks the app does not have.
type Store struct {
	mu      sync.RWMutex
	tree    *iavl.MutableTree
	meta    iavldb.DB
	closers []func() error
	opts    Options
	version int64
	hash    []byte
	// recent caches the views of the newest recentViews versions: queries
	// at the head (or, like verification bundles, a little below it) share
	// one ImmutableTree per version instead of loading one each.
	vmu    sync.Mutex
	recent [recentViews]*View
	// treeDB is the tree's database (a failed Import reopens the tree on it).
	treeDB iavldb.DB
	// holds are versions pruning must keep for now (Hold).
	hmu   sync.Mutex
	holds map[int64]int
	// restoredAt is the version a snapshot restored (RestoredAt).
	restoredAt int64
}

var metaCommitted = []byte("committed")

// Open opens (or creates) the store in dir on badger.
func Open(dir string, opts Options) (*Store, error) {
	bo := badgerdb.DefaultOptions()
	if opts.Badger != nil {
		bo = *opts.Badger
	}
	bo.SyncWrites = opts.SyncWrites
	if err := badgerdb.VerifyTables(dir); err != nil {
		return nil, &DamagedError{Dir: dir, Err: err}
	}
	root, err := badgerdb.Open(dir, bo)
	if err != nil {
		return nil, damaged(dir, err)
	}
	s, err := newStore(badgerdb.NewPrefixed(root, []byte("i/")), badgerdb.NewPrefixed(root, []byte("m/")), opts)
	if err != nil {
		root.Close()
		return nil, damaged(dir, err)
	}
	s.closers = append(s.closers, root.Close)
	return s, nil
}

// DamagedError is a store whose files fail their own checks: a badger
// table or manifest whose checksum does not match, or a committed version
// the tree cannot load. A node must not start on it (it would serve
// wrong values or compute a wrong app hash); docs/operator.md, "A damaged
// store", restores it from a backup or by state sync.
type DamagedError struct {
	Dir string
	Err error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("state: the application store in %s is damaged: %v; do not start on it: restore it from a backup (govchain node restore) or by state sync (docs/operator.md, \"A damaged store\")", e.Dir, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// damaged tells damage (checksums, a committed version that does not
// load) from other failures to open (permissions, a lock held by a
// running node), which it returns as they are.
func damaged(dir string, err error) error {
	msg := err.Error()
	for _, sign := range []string{"checksum mismatch", "failed to verify checksum", "bad checksum", "corrupt", "state: load version"} {
		if strings.Contains(strings.ToLower(msg), sign) {
			return &DamagedError{Dir: dir, Err: err}
		}
	}
	return err
}

// OpenMemory returns a store held in memory (audit replay, unit tests).
func OpenMemory() (*Store, error) {
	return OpenMemoryWith(Options{CacheSize: 100_000})
}

// OpenMemoryWith is OpenMemory with options.
func OpenMemoryWith(opts Options) (*Store, error) {
	return newStore(iavldb.NewMemDB(), iavldb.NewMemDB(), opts)
}

func newStore(treeDB, meta iavldb.DB, opts Options) (*Store, error) {
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultOptions().CacheSize
	}
	// A store restored from a snapshot reads through the tree, not IAVL's
	// fast index: right after an import that index was seen empty while
	// the tree (whose root matched the app hash) held the keys, so reads
	// answered "absent" (the restored node then failed to load its
	// params). The tree is the source of truth; see Import.
	if loadRestoredAt(meta) > 0 {
		opts.NoFastIndex = true
	}
	tree := iavl.NewMutableTree(treeDB, opts.CacheSize, opts.NoFastIndex, iavl.NewNopLogger())
	s := &Store{tree: tree, meta: meta, opts: opts, treeDB: treeDB}
	raw, err := meta.Get(metaCommitted)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		if len(raw) != 8 {
			return nil, fmt.Errorf("state: corrupt committed marker (%d bytes)", len(raw))
		}
		v := int64(binary.BigEndian.Uint64(raw))
		// LoadVersionForOverwriting deletes versions above v left by a crash.
		if err := tree.LoadVersionForOverwriting(v); err != nil {
			return nil, fmt.Errorf("state: load version %d: %w", v, err)
		}
		s.version = v
		s.hash = tree.Hash()
		s.restoredAt = loadRestoredAt(meta)
	} else if latest, err := tree.Load(); err != nil {
		return nil, err
	} else if latest != 0 {
		// A tree without a marker was never fully committed: start over.
		if err := tree.DeleteVersionsFrom(1); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Version and Hash of the last commit.
func (s *Store) LastCommit() (int64, []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version, s.hash
}

// WorkingHash is the root the tree would have if committed now.
func (s *Store) WorkingHash() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tree.WorkingHash()
}

// Working is the mutable view FinalizeBlock writes into (through Caches).
func (s *Store) Working() KV { return (*treeKV)(s) }

// Commit saves the working tree as the next version.
func (s *Store) Commit() (int64, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hash, v, err := s.tree.SaveVersion()
	if err != nil {
		return 0, nil, err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	batch := s.meta.NewBatch()
	defer batch.Close()
	if err := batch.Set(metaCommitted, b[:]); err != nil {
		return 0, nil, err
	}
	if err := batch.WriteSync(); err != nil {
		return 0, nil, err
	}
	s.version, s.hash = v, hash
	if s.opts.KeepRecent > 0 && s.opts.PruneEvery > 0 && v%s.opts.PruneEvery == 0 && v > s.opts.KeepRecent {
		// Below the first stored version (a restored store) this deletes nothing.
		if to := s.pruneLimit(v - s.opts.KeepRecent); to > 0 {
			if err := s.tree.DeleteVersionsTo(to); err != nil {
				return 0, nil, fmt.Errorf("state: prune: %w", err)
			}
		}
	}
	return v, hash, nil
}

// Options are the options the store was opened with.
func (s *Store) Options() Options { return s.opts }

// ErrVersionUnavailable is returned for heights never committed or pruned.
var ErrVersionUnavailable = errors.New("state: version not available")

// recentViews is how many of the newest versions' views At keeps. A
// cached view of version v sits in slot v % recentViews and is used only
// for v itself, so it needs no eviction on commit; a version that pruning
// may already have removed (older than the newest KeepRecent) is never
// served from it.
const recentViews = 4

// At returns a read-only view of version v (0 = latest committed).
func (s *Store) At(v int64) (*View, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if v == 0 {
		v = s.version
	}
	if v == 0 {
		return &View{version: 0}, nil
	}
	cacheable := v <= s.version && v > s.version-recentViews && (s.opts.KeepRecent <= 0 || v > s.version-s.opts.KeepRecent)
	if cacheable {
		s.vmu.Lock()
		c := s.recent[v%recentViews]
		s.vmu.Unlock()
		if c != nil && c.version == v {
			return c, nil
		}
	}
	if v > s.version {
		return nil, fmt.Errorf("%w: %d is not committed yet (latest %d)", ErrVersionUnavailable, v, s.version)
	}
	if !s.tree.VersionExists(v) {
		switch {
		case s.restoredAt > 0 && v < s.restoredAt:
			return nil, fmt.Errorf("%w: %d is older than the snapshot this node was restored from (%d); ask an archive node (keep_recent 0, restored from genesis)", ErrVersionUnavailable, v, s.restoredAt)
		case s.opts.KeepRecent > 0:
			return nil, fmt.Errorf("%w: %d is pruned on this node, which keeps the newest %d versions (latest %d); ask an archive node (keep_recent 0)", ErrVersionUnavailable, v, s.opts.KeepRecent, s.version)
		}
		return nil, fmt.Errorf("%w: %d (latest %d)", ErrVersionUnavailable, v, s.version)
	}
	t, err := s.tree.GetImmutable(v)
	if err != nil {
		return nil, err
	}
	view := &View{t: t, version: v}
	if cacheable {
		s.vmu.Lock()
		s.recent[v%recentViews] = view
		s.vmu.Unlock()
	}
	return view, nil
}

// AvailableVersions returns the oldest and newest stored versions.
func (s *Store) AvailableVersions() (int64, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	vs := s.tree.AvailableVersions()
	if len(vs) == 0 {
		return 0, 0
	}
	return int64(vs[0]), int64(vs[len(vs)-1])
}

func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	errs = append(errs, s.tree.Close())
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// treeKV adapts the mutable tree to KV.
type treeKV Store

func (t *treeKV) Get(key []byte) ([]byte, error) { return t.tree.Get(key) }
func (t *treeKV) Has(key []byte) (bool, error) {
	v, err := t.tree.Get(key)
	return v != nil, err
}
func (t *treeKV) Set(key, value []byte) error {
	_, err := t.tree.Set(key, value)
	return err
}
func (t *treeKV) Delete(key []byte) error {
	_, _, err := t.tree.Remove(key)
	return err
}
func (t *treeKV) Iterator(start, end []byte, asc bool) (corestore.Iterator, error) {
	return t.tree.Iterator(start, end, asc)
}

// View is a committed version: read-only, provable.
type View struct {
	t       *iavl.ImmutableTree
	version int64
}

func (v *View) Version() int64 { return v.version }

// Hash is the root of this version (the app hash in header Version+1).
func (v *View) Hash() []byte {
	if v.t == nil {
		return iavlEmptyHash()
	}
	return v.t.Hash()
}

func iavlEmptyHash() []byte {
	t := iavl.NewMutableTree(iavldb.NewMemDB(), 0, true, iavl.NewNopLogger())
	return t.WorkingHash()
}

// Size is the number of keys in this version.
func (v *View) Size() int64 {
	if v.t == nil {
		return 0
	}
	return v.t.Size()
}

func (v *View) Get(key []byte) ([]byte, error) {
	if v.t == nil {
		return nil, nil
	}
	return v.t.Get(key)
}
func (v *View) Has(key []byte) (bool, error) {
	b, err := v.Get(key)
	return b != nil, err
}
func (v *View) Set([]byte, []byte) error { return ErrReadOnly }
func (v *View) Delete([]byte) error      { return ErrReadOnly }
func (v *View) Iterator(start, end []byte, asc bool) (corestore.Iterator, error) {
	if v.t == nil {
		return iavldb.NewMemDB().Iterator(start, end)
	}
	return v.t.Iterator(start, end, asc)
}

// Prove returns the value of key (nil if absent) and a marshalled ICS23
// membership or non-membership proof against Hash().
func (v *View) Prove(key []byte) ([]byte, []byte, error) {
	if v.t == nil {
		return nil, nil, fmt.Errorf("%w: nothing committed yet", ErrVersionUnavailable)
	}
	// The value is read as every other query reads it (through IAVL's fast
	// index when the store keeps one) and the proof is built from the tree:
	// if the index were ever altered or corrupt, the answer's value would
	// not match its proof, and a client or an audit would see it
	// (TestAuditOnFourNodes alters a stored fast-index entry). Taking the
	// value from the proof's leaf instead would hide that.
	val, err := v.t.Get(key)
	if err != nil {
		return nil, nil, err
	}
	if val != nil {
		p, err := v.t.GetMembershipProof(key)
		if err != nil {
			return nil, nil, err
		}
		b, err := p.Marshal()
		return val, b, err
	}
	p, err := v.t.GetNonMembershipProof(key)
	if err != nil {
		return nil, nil, err
	}
	b, err := p.Marshal()
	return nil, b, err
}

// Change is one write of a version: a set, or a delete (Value nil).
type Change struct {
	Key, Value []byte
}

// Changes calls fn with the writes each version from..to made (in key
// order), read from the stored versions: the state diff of each block.
func (s *Store) Changes(from, to int64, fn func(version int64, changes []Change) error) error {
	s.mu.RLock()
	t, err := s.tree.GetImmutable(s.version)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	return t.TraverseStateChanges(from, to, func(v int64, cs *iavl.ChangeSet) error {
		out := make([]Change, 0, len(cs.Pairs))
		for _, p := range cs.Pairs {
			c := Change{Key: p.Key}
			if !p.Delete {
				c.Value = p.Value
			}
			out = append(out, c)
		}
		return fn(v, out)
	})
}
