// Package archive writes a chain's blocks (with their commits and results)
// to compressed, hash-chained segment files, checks a segment set alone,
// and serves it to the auditor as a block source (node/audit.Source), so
// `govchain audit --archive DIR` gives the same verdicts as an audit
// against a node, after the nodes themselves pruned those blocks.
//
// DIR/manifest.json lists the genesis, each segment (file, heights, SM3
// of the file) and the header and commit of the last archived height.
// Each segment, DIR/seg-NNNNNN.jsonl.gz, is gzip'd JSON lines: a header
// line {format, chain_id, index, from, to, prev} whose prev is the SM3 of
// the previous segment file, then one line per block. Nothing in an
// archive is trusted by the auditor: it checks every block as it would
// from a node; the hash chain only finds damage early and names it.
package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/audit"
)

// Format is the segment format this package writes.
const Format = 1

// Manifest is DIR/manifest.json.
type Manifest struct {
	Format   int             `json:"format"`
	ChainID  string          `json:"chain_id"`
	Genesis  json.RawMessage `json:"genesis"`
	Segments []Segment       `json:"segments"`
	// LastCommit is the header and commit of the last archived height (the
	// commits of earlier heights are inside the next block).
	LastCommit json.RawMessage `json:"last_commit,omitempty"`
}

// Segment is one file of the archive.
type Segment struct {
	File string `json:"file"`
	From int64  `json:"from"`
	To   int64  `json:"to"`
	SM3  string `json:"sm3"`
}

type segHeader struct {
	Format  int    `json:"format"`
	ChainID string `json:"chain_id"`
	Index   int    `json:"index"`
	From    int64  `json:"from"`
	To      int64  `json:"to"`
	Prev    string `json:"prev"`
}

type blockLine struct {
	Height  int64           `json:"height"`
	ID      json.RawMessage `json:"block_id"`
	Block   json.RawMessage `json:"block"`
	Results json.RawMessage `json:"results"`
}

// Last is the highest archived height (0 for an empty archive).
func (m *Manifest) Last() int64 {
	if len(m.Segments) == 0 {
		return 0
	}
	return m.Segments[len(m.Segments)-1].To
}

// ReadManifest reads DIR/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s/manifest.json: format %d, this govchain reads %d", dir, m.Format, Format)
	}
	return &m, nil
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "manifest.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "manifest.json"))
}

// ExportOptions of Export.
type ExportOptions struct {
	// SegmentBlocks is how many heights a segment holds (default 1000).
	SegmentBlocks int64
	// To is the last height to archive (0: the source's latest - 1, whose
	// commit the source already serves).
	To       int64
	Progress func(to int64)
}

// Export appends the source's blocks after the archive's last height to
// dir (created if needed), a segment at a time; each segment and the
// manifest are written whole (a crash leaves the archive as it was).
func Export(ctx context.Context, src audit.Source, dir string, o ExportOptions) (*Manifest, error) {
	if o.SegmentBlocks <= 0 {
		o.SegmentBlocks = 1000
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m, err := ReadManifest(dir)
	if errors.Is(err, os.ErrNotExist) {
		g, gerr := src.Genesis(ctx)
		if gerr != nil {
			return nil, gerr
		}
		graw, gerr := cmtjson.Marshal(g)
		if gerr != nil {
			return nil, gerr
		}
		m, err = &Manifest{Format: Format, ChainID: g.ChainID, Genesis: graw}, nil
	}
	if err != nil {
		return nil, err
	}
	to := o.To
	if to == 0 {
		latest, err := src.Latest(ctx)
		if err != nil {
			return nil, err
		}
		to = latest - 1
	}
	for from := m.Last() + 1; from <= to; from += o.SegmentBlocks {
		end := min(from+o.SegmentBlocks-1, to)
		seg, err := writeSegment(ctx, src, dir, m, from, end)
		if err != nil {
			return nil, err
		}
		sh, err := src.Commit(ctx, end)
		if err != nil {
			return nil, err
		}
		if m.LastCommit, err = cmtjson.Marshal(sh); err != nil {
			return nil, err
		}
		m.Segments = append(m.Segments, *seg)
		if err := writeManifest(dir, m); err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(end)
		}
	}
	return m, nil
}

func writeSegment(ctx context.Context, src audit.Source, dir string, m *Manifest, from, to int64) (*Segment, error) {
	idx := len(m.Segments) + 1
	name := fmt.Sprintf("seg-%06d.jsonl.gz", idx)
	prev := ""
	if idx > 1 {
		prev = m.Segments[idx-2].SM3
	}
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	h := smcrypto.NewSM3()
	gz := gzip.NewWriter(io.MultiWriter(f, h))
	enc := json.NewEncoder(gz)
	if err := enc.Encode(segHeader{Format: Format, ChainID: m.ChainID, Index: idx, From: from, To: to, Prev: prev}); err != nil {
		f.Close()
		return nil, err
	}
	const batch = 50
	for h0 := from; h0 <= to; h0 += batch {
		bs, err := src.Blocks(ctx, h0, min(h0+batch-1, to))
		if err != nil {
			f.Close()
			return nil, err
		}
		for _, b := range bs {
			var l blockLine
			l.Height = b.Block.Height
			if l.ID, err = cmtjson.Marshal(b.ID); err == nil {
				if l.Block, err = cmtjson.Marshal(b.Block); err == nil {
					l.Results, err = cmtjson.Marshal(b.Results)
				}
			}
			if err == nil {
				err = enc.Encode(l)
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("block %d: %w", b.Block.Height, err)
			}
		}
	}
	if err := gz.Close(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return nil, err
	}
	return &Segment{File: name, From: from, To: to, SM3: hex.EncodeToString(h.Sum(nil))}, nil
}

// Damage names what is wrong with an archive: the segment and the height.
type Damage struct {
	Segment string `json:"segment"`
	Height  int64  `json:"height,omitempty"`
	Problem string `json:"problem"`
}

func (d *Damage) Error() string {
	if d.Height > 0 {
		return fmt.Sprintf("archive segment %s, height %d: %s", d.Segment, d.Height, d.Problem)
	}
	return fmt.Sprintf("archive segment %s: %s", d.Segment, d.Problem)
}

// Verify checks an archive alone: every segment file's SM3 is the one
// the manifest lists and the next segment's header names, heights run on
// without a gap, and every block hashes to its ID and links to the
// previous block. It returns the heights covered, or the first damage.
func Verify(dir string) (from, to int64, err error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return 0, 0, err
	}
	var prevID *types.BlockID
	prevSM3 := ""
	next := int64(1)
	for i, s := range m.Segments {
		d := func(h int64, format string, a ...any) error {
			return &Damage{Segment: s.File, Height: h, Problem: fmt.Sprintf(format, a...)}
		}
		if s.From != next {
			return 0, 0, d(0, "starts at height %d, the previous segment ended at %d", s.From, next-1)
		}
		raw, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			return 0, 0, d(0, "%v", err)
		}
		if sum := smcrypto.SM3Hex(raw); sum != s.SM3 {
			return 0, 0, d(0, "SM3 %s, the manifest lists %s (the file was altered or truncated)", sum, s.SM3)
		}
		err = readSegment(raw, func(hd *segHeader) error {
			switch {
			case hd.Index != i+1 || hd.From != s.From || hd.To != s.To || hd.ChainID != m.ChainID:
				return d(0, "header %+v does not match the manifest entry %d (%d..%d of %s)", *hd, i+1, s.From, s.To, m.ChainID)
			case hd.Prev != prevSM3:
				return d(0, "names previous segment %q, but that segment's SM3 is %q (the hash chain is broken)", hd.Prev, prevSM3)
			}
			return nil
		}, func(b *audit.Block) error {
			h := b.Block.Height
			if h != next {
				return d(h, "height %d where %d was due", h, next)
			}
			if got := b.Block.Hash(); !bytes.Equal(b.ID.Hash, got) {
				return d(h, "block hashes to %X, its ID says %X", got, b.ID.Hash)
			}
			if prevID != nil && !b.Block.LastBlockID.Equals(*prevID) {
				return d(h, "links to block %X, the previous block is %X", b.Block.LastBlockID.Hash, prevID.Hash)
			}
			id := b.ID
			prevID = &id
			next++
			return nil
		})
		if err != nil {
			var dmg *Damage
			if errors.As(err, &dmg) {
				return 0, 0, err
			}
			return 0, 0, d(next, "%v", err)
		}
		if next != s.To+1 {
			return 0, 0, d(next, "ends at %d, the manifest says %d", next-1, s.To)
		}
		prevSM3 = s.SM3
	}
	if len(m.Segments) == 0 {
		return 0, 0, nil
	}
	return 1, next - 1, nil
}

func readSegment(raw []byte, header func(*segHeader) error, block func(*audit.Block) error) error {
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return err
		}
		return errors.New("empty segment")
	}
	var hd segHeader
	if err := json.Unmarshal(sc.Bytes(), &hd); err != nil {
		return fmt.Errorf("segment header: %w", err)
	}
	if err := header(&hd); err != nil {
		return err
	}
	for sc.Scan() {
		var l blockLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return err
		}
		b := &audit.Block{Block: new(types.Block), Results: new(ctypes.ResultBlockResults)}
		if err := cmtjson.Unmarshal(l.ID, &b.ID); err != nil {
			return fmt.Errorf("height %d: block id: %w", l.Height, err)
		}
		if err := cmtjson.Unmarshal(l.Block, b.Block); err != nil {
			return fmt.Errorf("height %d: block: %w", l.Height, err)
		}
		if err := cmtjson.Unmarshal(l.Results, b.Results); err != nil {
			return fmt.Errorf("height %d: results: %w", l.Height, err)
		}
		if err := block(b); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Source serves an archive to the auditor (audit.Source).
type Source struct {
	dir string
	m   *Manifest
	mu  sync.Mutex
	// one decoded segment at a time (the auditor reads in order)
	cur    int
	blocks []*audit.Block
}

// Open opens an archive as an audit source; run Verify first to find
// damage by segment (the auditor checks the blocks themselves anyway).
func Open(dir string) (*Source, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	return &Source{dir: dir, m: m, cur: -1}, nil
}

func (s *Source) Genesis(context.Context) (*types.GenesisDoc, error) {
	return types.GenesisDocFromJSON(s.m.Genesis)
}

// Latest is the last archived height. As against a node, the auditor
// replays up to latest-1: the app hash of a height is signed in the next
// header, and the last header's commit is the manifest's.
func (s *Source) Latest(context.Context) (int64, error) { return s.m.Last(), nil }

func (s *Source) Blocks(_ context.Context, from, to int64) ([]*audit.Block, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*audit.Block
	for h := from; h <= to; h++ {
		b, err := s.blockLocked(h)
		if err != nil {
			return nil, err
		}
		if b == nil { // the height above the archive: no block
			break
		}
		out = append(out, b)
	}
	return out, nil
}

func (s *Source) blockLocked(h int64) (*audit.Block, error) {
	i := -1
	for k, seg := range s.m.Segments {
		if h >= seg.From && h <= seg.To {
			i = k
			break
		}
	}
	if i < 0 {
		return nil, nil
	}
	if s.cur != i {
		seg := s.m.Segments[i]
		raw, err := os.ReadFile(filepath.Join(s.dir, seg.File))
		if err != nil {
			return nil, err
		}
		if sum := smcrypto.SM3Hex(raw); sum != seg.SM3 {
			return nil, &Damage{Segment: seg.File, Problem: fmt.Sprintf("SM3 %s, the manifest lists %s", sum, seg.SM3)}
		}
		var bs []*audit.Block
		if err := readSegment(raw, func(*segHeader) error { return nil }, func(b *audit.Block) error { bs = append(bs, b); return nil }); err != nil {
			return nil, &Damage{Segment: seg.File, Problem: err.Error()}
		}
		s.cur, s.blocks = i, bs
	}
	k := h - s.m.Segments[i].From
	if k < 0 || k >= int64(len(s.blocks)) || s.blocks[k].Block.Height != h {
		return nil, &Damage{Segment: s.m.Segments[i].File, Height: h, Problem: "height missing from its segment"}
	}
	return s.blocks[k], nil
}

// Commit is the header of h with its commit: the commit is block h+1's
// LastCommit, or the manifest's for the last archived height.
func (s *Source) Commit(ctx context.Context, h int64) (*types.SignedHeader, error) {
	if h == s.m.Last() {
		var sh types.SignedHeader
		if err := cmtjson.Unmarshal(s.m.LastCommit, &sh); err != nil {
			return nil, fmt.Errorf("manifest last_commit: %w", err)
		}
		return &sh, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.blockLocked(h)
	if err != nil || b == nil {
		return nil, fmt.Errorf("height %d is not in the archive: %v", h, err)
	}
	next, err := s.blockLocked(h + 1)
	if err != nil || next == nil {
		return nil, fmt.Errorf("height %d is not in the archive: %v", h+1, err)
	}
	hdr := b.Block.Header
	return &types.SignedHeader{Header: &hdr, Commit: next.Block.LastCommit}, nil
}
