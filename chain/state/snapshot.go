package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cosmos/iavl"
)

// Node is one node of a version's tree as IAVL exports it: depth-first
// post-order. Importing a version's nodes in that order into an empty store
// rebuilds the identical tree, so the same root hash (the app hash).
type Node struct {
	Key, Value []byte
	Version    int64
	Height     int8
}

// Export calls fn with every node of version v, in export order. Version v
// is held (not pruned) until Export returns.
func (s *Store) Export(v int64, fn func(Node) error) error {
	release := s.Hold(v)
	defer release()
	s.mu.RLock()
	if v <= 0 || v > s.version || !s.tree.VersionExists(v) {
		s.mu.RUnlock()
		return fmt.Errorf("%w: %d (latest %d)", ErrVersionUnavailable, v, s.version)
	}
	t, err := s.tree.GetImmutable(v)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	exp, err := t.Export()
	if err != nil {
		return err
	}
	defer exp.Close()
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(Node{Key: n.Key, Value: n.Value, Version: n.Version, Height: n.Height}); err != nil {
			return err
		}
	}
}

// RootMismatchError: an imported version's root is not the one it had to
// have (a corrupt or forged snapshot). Nothing of it stays in the store.
type RootMismatchError struct {
	Version   int64
	Want, Got []byte
}

func (e *RootMismatchError) Error() string {
	return fmt.Sprintf("state: imported version %d has root %X, want %X", e.Version, e.Got, e.Want)
}

var metaRestored = []byte("restored")

// Import restores version v into this store, which must be empty, from the
// nodes next returns (io.EOF ends them), and commits it only if its root is
// want. On any error — a malformed node order, a root mismatch — the
// imported nodes are deleted and the store is empty again: a snapshot is
// never half-applied. The committed marker is written last, so a crash
// during Import also leaves an empty store (newStore discards a tree
// without a marker).
func (s *Store) Import(v int64, want []byte, next func() (*Node, error)) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version != 0 {
		return fmt.Errorf("state: import into a store at version %d; it must be empty", s.version)
	}
	if v <= 0 {
		return fmt.Errorf("state: import of version %d", v)
	}
	// Import into a tree that reads through its nodes, not the fast index
	// (newStore keeps it so for a restored store, across restarts).
	s.opts.NoFastIndex = true
	s.recreateTree()
	imp, err := s.tree.Import(v)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if err == nil {
			return
		}
		if !committed {
			imp.Close()
		}
		// Whatever reached the database goes; the tree is empty again.
		if derr := s.tree.DeleteVersionsFrom(1); derr != nil {
			err = errors.Join(err, fmt.Errorf("state: remove the failed import: %w", derr))
		}
		s.recreateTree()
	}()
	for {
		n, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := imp.Add(&iavl.ExportNode{Key: n.Key, Value: n.Value, Version: n.Version, Height: n.Height}); err != nil {
			return fmt.Errorf("state: import node: %w", err)
		}
	}
	if err := imp.Commit(); err != nil {
		return fmt.Errorf("state: import commit: %w", err)
	}
	committed = true
	if got := s.tree.Hash(); !bytes.Equal(got, want) {
		return &RootMismatchError{Version: v, Want: want, Got: got}
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	batch := s.meta.NewBatch()
	defer batch.Close()
	if err := batch.Set(metaRestored, b[:]); err != nil {
		return err
	}
	if err := batch.Set(metaCommitted, b[:]); err != nil {
		return err
	}
	if err := batch.WriteSync(); err != nil {
		return err
	}
	s.version, s.hash, s.restoredAt = v, s.tree.Hash(), v
	return nil
}

// recreateTree opens a fresh mutable tree over the same database after a
// failed import, so the store is usable (and empty) again.
func (s *Store) recreateTree() {
	db := s.treeDB
	s.tree = iavl.NewMutableTree(db, s.opts.CacheSize, s.opts.NoFastIndex, iavl.NewNopLogger())
	_, _ = s.tree.Load()
}

// RestoredAt is the version this store was restored at from a snapshot
// (Import), or 0 if it holds every version since genesis it ever committed.
// The versions before it were never stored here.
func (s *Store) RestoredAt() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.restoredAt
}

func loadRestoredAt(meta interface{ Get([]byte) ([]byte, error) }) int64 {
	raw, err := meta.Get(metaRestored)
	if err != nil || len(raw) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(raw))
}

// Hold keeps version v from being pruned until release is called (a
// snapshot being exported, a backup being read).
func (s *Store) Hold(v int64) (release func()) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.holds == nil {
		s.holds = map[int64]int{}
	}
	s.holds[v]++
	return func() {
		s.hmu.Lock()
		defer s.hmu.Unlock()
		if s.holds[v]--; s.holds[v] <= 0 {
			delete(s.holds, v)
		}
	}
}

// pruneLimit lowers a pruning bound below every held version.
func (s *Store) pruneLimit(to int64) int64 {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	for v := range s.holds {
		if v <= to {
			to = v - 1
		}
	}
	return to
}
