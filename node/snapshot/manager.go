package snapshot

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// Options of a Manager.
type Options struct {
	// Interval takes a snapshot after every commit of a height divisible
	// by it; 0 takes none (the node still restores from others').
	Interval int64
	// Keep is how many of the newest snapshots stay on disk (default 2).
	Keep int
	// ChunkSize is the size of a chunk before the last (default 1 MiB).
	ChunkSize int
}

// Manager keeps a node's snapshots in one directory: DIR/<height>/ holds
// chunk files and meta.json, written last (a directory without it is
// incomplete and ignored).
type Manager struct {
	dir   string
	store *state.Store
	opts  Options
	log   cmtlog.Logger

	mu      sync.Mutex
	taking  bool
	restore *restore
	// Taken is called after each snapshot is complete (tests, metrics).
	Taken func(height int64, err error)
}

// New makes a manager over store keeping its files in dir.
func New(dir string, store *state.Store, opts Options, log cmtlog.Logger) (*Manager, error) {
	if opts.Keep <= 0 {
		opts.Keep = 2
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 1 << 20
	}
	if opts.Interval < 0 {
		return nil, fmt.Errorf("snapshot interval %d; use 0 (none) or a positive number of blocks", opts.Interval)
	}
	if log == nil {
		log = cmtlog.NewNopLogger()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Manager{dir: dir, store: store, opts: opts, log: log}, nil
}

// Stored is meta.json of a snapshot on disk.
type Stored struct {
	Height   int64    `json:"height"`
	Format   uint32   `json:"format"`
	Metadata []byte   `json:"metadata"`
	Hash     []byte   `json:"hash"`
	Chunks   []string `json:"chunks"`
}

// Committed is called after the app commits height h: at the interval it
// starts a snapshot of h in the background (one at a time; a snapshot
// still running when the next is due skips that one).
func (m *Manager) Committed(h int64) {
	if m.opts.Interval <= 0 || h%m.opts.Interval != 0 {
		return
	}
	m.mu.Lock()
	if m.taking {
		m.mu.Unlock()
		m.log.Info("snapshot skipped: the previous one is still being written", "height", h)
		return
	}
	m.taking = true
	m.mu.Unlock()
	// Hold h now, inside the commit of h: a pruning store (keep_recent)
	// must not delete it before the export below has started.
	release := m.store.Hold(h)
	go func() {
		defer release()
		err := m.Take(h)
		m.mu.Lock()
		m.taking = false
		m.mu.Unlock()
		if err != nil {
			m.log.Error("snapshot failed", "height", h, "err", err)
		}
		if m.Taken != nil {
			m.Taken(h, err)
		}
	}()
}

// Take writes the snapshot of state version h now (also used by `govchain
// node backup`-style callers) and drops snapshots beyond Keep.
func (m *Manager) Take(h int64) error {
	start := time.Now()
	final := filepath.Join(m.dir, strconv.FormatInt(h, 10))
	if _, err := os.Stat(filepath.Join(final, "meta.json")); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(m.dir, ".taking-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cw := &chunkWriter{dir: tmp, size: m.opts.ChunkSize}
	gz, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	bw := bufio.NewWriterSize(gz, 256<<10)
	nodes := 0
	if err := m.store.Export(h, func(n state.Node) error { nodes++; return writeNode(bw, n) }); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := cw.close(); err != nil {
		return err
	}
	md, _ := json.Marshal(Metadata{Chunks: cw.hashes})
	sum := smcrypto.SM3(md)
	meta, _ := json.Marshal(Stored{Height: h, Format: Format, Metadata: md, Hash: sum[:], Chunks: cw.hashes})
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), meta, 0o644); err != nil {
		return err
	}
	_ = os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	m.log.Info("snapshot taken", "height", h, "chunks", len(cw.hashes), "bytes", cw.total, "nodes", nodes, "took", time.Since(start).Round(time.Millisecond))
	m.prune()
	return nil
}

// chunkWriter cuts a stream into chunk files and hashes each.
type chunkWriter struct {
	dir    string
	size   int
	buf    []byte
	hashes []string
	total  int64
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(c.size-len(c.buf), len(p))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == c.size {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	sum := smcrypto.SM3(c.buf)
	name := filepath.Join(c.dir, fmt.Sprintf("chunk-%06d", len(c.hashes)))
	if err := os.WriteFile(name, c.buf, 0o644); err != nil {
		return err
	}
	c.hashes = append(c.hashes, hex.EncodeToString(sum[:]))
	c.total += int64(len(c.buf))
	c.buf = c.buf[:0]
	return nil
}

func (c *chunkWriter) close() error {
	if len(c.buf) > 0 || len(c.hashes) == 0 {
		return c.flush()
	}
	return nil
}

// list returns the complete snapshots on disk, newest first.
func (m *Manager) list() []Stored { return ListDir(m.dir) }

// ListDir returns the complete snapshots in a snapshot directory (a node's
// data/snapshots), newest first.
func ListDir(dir string) []Stored {
	ents, _ := os.ReadDir(dir)
	var out []Stored
	for _, e := range ents {
		h, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		s, err := ReadDir(filepath.Join(dir, e.Name()))
		if err != nil || s.Height != h {
			continue
		}
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Stored) int { return int(b.Height - a.Height) })
	return out
}

// ReadDir reads one snapshot's meta.json (its chunks are chunk-NNNNNN
// beside it).
func ReadDir(dir string) (*Stored, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	var s Stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s/meta.json: %w", dir, err)
	}
	return &s, nil
}

func (m *Manager) prune() {
	for _, s := range m.list()[min(m.opts.Keep, len(m.list())):] {
		_ = os.RemoveAll(filepath.Join(m.dir, strconv.FormatInt(s.Height, 10)))
	}
}

// List is ABCI ListSnapshots.
func (m *Manager) List() []*abci.Snapshot {
	var out []*abci.Snapshot
	for _, s := range m.list() {
		out = append(out, &abci.Snapshot{Height: uint64(s.Height), Format: s.Format, Chunks: uint32(len(s.Chunks)), Hash: s.Hash, Metadata: s.Metadata})
	}
	return out
}

// LoadChunk is ABCI LoadSnapshotChunk (nil if the node does not have it).
func (m *Manager) LoadChunk(height uint64, format, index uint32) []byte {
	if format != Format {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(m.dir, strconv.FormatUint(height, 10), fmt.Sprintf("chunk-%06d", index)))
	if err != nil {
		return nil
	}
	return b
}

// restore is a restore in progress: the verified chunks so far, spooled
// to a file, until the last arrives.
type restore struct {
	height  int64
	appHash []byte
	meta    *Metadata
	next    uint32
	spool   *os.File
}

// Offer is ABCI OfferSnapshot: accept a snapshot of our format whose
// metadata is consistent, into an empty store.
func (m *Manager) Offer(s *abci.Snapshot, appHash []byte) abci.OfferSnapshotResult {
	if s == nil {
		return abci.OFFER_SNAPSHOT_RESULT_REJECT
	}
	if s.Format != Format {
		return abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT
	}
	if v, _ := m.store.LastCommit(); v != 0 {
		m.log.Error("snapshot offered to a node that has state; state sync needs an empty node", "version", v)
		return abci.OFFER_SNAPSHOT_RESULT_ABORT
	}
	meta, err := DecodeMetadata(s.Metadata, s.Hash, s.Chunks)
	if err != nil || s.Height == 0 || len(appHash) == 0 {
		m.log.Error("snapshot refused", "height", s.Height, "err", err)
		return abci.OFFER_SNAPSHOT_RESULT_REJECT
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.abortLocked()
	f, err := os.CreateTemp(m.dir, ".restoring-")
	if err != nil {
		m.log.Error("snapshot spool", "err", err)
		return abci.OFFER_SNAPSHOT_RESULT_ABORT
	}
	m.restore = &restore{height: int64(s.Height), appHash: slices.Clone(appHash), meta: meta, spool: f}
	m.log.Info("restoring snapshot", "height", s.Height, "chunks", s.Chunks, "app_hash", fmt.Sprintf("%X", appHash))
	return abci.OFFER_SNAPSHOT_RESULT_ACCEPT
}

func (m *Manager) abortLocked() {
	if r := m.restore; r != nil {
		r.spool.Close()
		os.Remove(r.spool.Name())
		m.restore = nil
	}
}

// ApplyChunk is ABCI ApplySnapshotChunk; restored is true once the last
// chunk made the store hold the snapshot's version (the app then reloads
// what it keeps in memory). A chunk whose SM3 digest is not
// the one the metadata lists is refetched from another peer and its sender
// rejected; the last chunk imports the whole stream, which must rebuild
// the trusted app hash or the snapshot is rejected and nothing kept.
func (m *Manager) ApplyChunk(index uint32, chunk []byte, sender string) (_ *abci.ApplySnapshotChunkResponse, reStored bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.restore
	if r == nil {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY_SNAPSHOT}, false
	}
	if index != r.next {
		// CometBFT applies chunks in order; anything else is a refetch
		// of one already applied.
		if index < r.next {
			return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, false
		}
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY_SNAPSHOT}, false
	}
	sum := smcrypto.SM3(chunk)
	if hex.EncodeToString(sum[:]) != r.meta.Chunks[index] {
		m.log.Error("snapshot chunk does not match its digest; refetching from another peer", "height", r.height, "chunk", index, "sender", sender)
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY, RefetchChunks: []uint32{index}, RejectSenders: nonEmpty(sender)}, false
	}
	if _, err := r.spool.Write(chunk); err != nil {
		m.abortLocked()
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT}, false
	}
	r.next++
	if int(r.next) < len(r.meta.Chunks) {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, false
	}
	start := time.Now()
	m.log.Info("importing snapshot", "height", r.height, "chunks", len(r.meta.Chunks))
	err := m.importSpool(r)
	m.abortLocked()
	if err != nil {
		m.log.Error("snapshot refused: its state is not the trusted app hash", "height", r.height, "err", err)
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT}, false
	}
	m.log.Info("snapshot restored", "height", r.height, "app_hash", fmt.Sprintf("%X", r.appHash), "import_took", time.Since(start).Round(time.Millisecond))
	return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, true
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (m *Manager) importSpool(r *restore) error {
	if _, err := r.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	gz, err := gzip.NewReader(bufio.NewReaderSize(r.spool, 256<<10))
	if err != nil {
		return fmt.Errorf("snapshot stream: %w", err)
	}
	gz.Multistream(false)
	nr := nodeReader{bufio.NewReaderSize(gz, 256<<10)}
	return m.store.Import(r.height, r.appHash, nr.next)
}
