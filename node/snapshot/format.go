// Package snapshot takes, serves and restores state snapshots through
// CometBFT's ABCI state-sync calls (ListSnapshots, LoadSnapshotChunk,
// OfferSnapshot, ApplySnapshotChunk). A snapshot of height H is the IAVL
// export of state version H (chain/state.Export), framed, gzip-compressed
// and cut into chunks; its metadata lists the SM3 digest of every chunk and
// the snapshot's hash is SM3 of the metadata. CometBFT's light client gives
// the restoring node the app hash of H from a header signed by more than
// 2/3 of the validators; the restored tree must have exactly that root
// (chain/state.Import) or nothing of it is kept.
package snapshot

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// Format is the snapshot format this package writes and reads. A node
// offered another format refuses it (REJECT_FORMAT).
const Format uint32 = 1

// Metadata travels in abci.Snapshot.Metadata: the SM3 digest (hex) of each
// chunk in order. Snapshot.Hash = SM3(Metadata bytes).
type Metadata struct {
	Chunks []string `json:"chunks"`
}

// MaxMetadata bounds the metadata a peer may offer (about 100,000 chunks).
const MaxMetadata = 8 << 20

// maxField bounds one key or value in a stream (the chain's own limits are
// far lower); a longer one means the stream is corrupt.
const maxField = 64 << 20

// DecodeMetadata parses and checks offered metadata against the offer.
func DecodeMetadata(raw []byte, hash []byte, chunks uint32) (*Metadata, error) {
	if len(raw) > MaxMetadata {
		return nil, fmt.Errorf("snapshot metadata is %d bytes, more than %d", len(raw), MaxMetadata)
	}
	if sum := smcrypto.SM3(raw); string(sum[:]) != string(hash) {
		return nil, fmt.Errorf("snapshot hash %X is not SM3 of its metadata (%X)", hash, sum)
	}
	var m Metadata
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("snapshot metadata: %w", err)
	}
	if len(m.Chunks) == 0 || len(m.Chunks) != int(chunks) {
		return nil, fmt.Errorf("snapshot metadata lists %d chunks, the offer %d", len(m.Chunks), chunks)
	}
	return &m, nil
}

// writeNode frames one export node: uvarint len(key) | key | uvarint
// (len(value)+1, 0 for an inner node without a value) | value | varint
// version | height byte.
func writeNode(w *bufio.Writer, n state.Node) error {
	var b [binary.MaxVarintLen64]byte
	w.Write(b[:binary.PutUvarint(b[:], uint64(len(n.Key)))])
	w.Write(n.Key)
	if n.Value == nil {
		w.Write(b[:binary.PutUvarint(b[:], 0)])
	} else {
		w.Write(b[:binary.PutUvarint(b[:], uint64(len(n.Value))+1)])
		w.Write(n.Value)
	}
	w.Write(b[:binary.PutVarint(b[:], n.Version)])
	return w.WriteByte(byte(n.Height))
}

// nodeReader reads framed nodes; io.EOF only at a node boundary.
type nodeReader struct{ r *bufio.Reader }

func (nr nodeReader) next() (*state.Node, error) {
	kl, err := binary.ReadUvarint(nr.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot stream: key length: %w", err)
	}
	if kl > maxField {
		return nil, fmt.Errorf("snapshot stream: key of %d bytes", kl)
	}
	n := &state.Node{Key: make([]byte, kl)}
	if _, err := io.ReadFull(nr.r, n.Key); err != nil {
		return nil, fmt.Errorf("snapshot stream: key: %w", unexpected(err))
	}
	vl, err := binary.ReadUvarint(nr.r)
	if err != nil {
		return nil, fmt.Errorf("snapshot stream: value length: %w", unexpected(err))
	}
	if vl > maxField+1 {
		return nil, fmt.Errorf("snapshot stream: value of %d bytes", vl-1)
	}
	if vl > 0 {
		n.Value = make([]byte, vl-1)
		if _, err := io.ReadFull(nr.r, n.Value); err != nil {
			return nil, fmt.Errorf("snapshot stream: value: %w", unexpected(err))
		}
	}
	if n.Version, err = binary.ReadVarint(nr.r); err != nil {
		return nil, fmt.Errorf("snapshot stream: version: %w", unexpected(err))
	}
	h, err := nr.r.ReadByte()
	if err != nil {
		return nil, fmt.Errorf("snapshot stream: height: %w", unexpected(err))
	}
	n.Height = int8(h)
	return n, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
