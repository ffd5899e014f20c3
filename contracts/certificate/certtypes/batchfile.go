package certtypes

import (
	"encoding/hex"
	"fmt"

	"github.com/govchain/govchain/contracts/certificate/merkle"
)

// BatchFile is what an issuer keeps (and `govchain cert anchor-batch`
// writes) for an anchored batch: the root and every member's inclusion
// path, so each holder can be handed what proves their certificate.
type BatchFile struct {
	Type      string        `json:"type"`
	Root      string        `json:"root"`
	Count     uint64        `json:"count"`
	IssueDate string        `json:"issue_date"`
	Tx        string        `json:"tx,omitempty"`
	Height    int64         `json:"height,omitempty"`
	Members   []BatchMember `json:"members"`
}

// BatchMember is one certificate of a batch.
type BatchMember struct {
	File  string   `json:"file,omitempty"`
	Hash  string   `json:"hash"`
	Index uint64   `json:"index"`
	Path  []string `json:"path"`
}

// NewBatchFile builds the tree over hashes (in the given order; leaves are
// the 32-byte digests) and every member's path. names, if not nil, gives
// each member's file name. Duplicate hashes are refused: the same file
// twice in one batch is a mistake.
func NewBatchFile(hashes, names []string) (*BatchFile, error) {
	if len(hashes) == 0 {
		return nil, fmt.Errorf("no certificates in the batch")
	}
	if names != nil && len(names) != len(hashes) {
		return nil, fmt.Errorf("%d names for %d hashes", len(names), len(hashes))
	}
	leaves := make([][]byte, len(hashes))
	b := &BatchFile{Count: uint64(len(hashes)), Members: make([]BatchMember, len(hashes))}
	seen := make(map[string]int, len(hashes))
	for i, h := range hashes {
		if !ValidHash(h) {
			return nil, fmt.Errorf("member %d: hash %q is not 64 lower-case hex", i, h)
		}
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("members %d and %d have the same hash %s", j, i, h)
		}
		seen[h] = i
		leaves[i], _ = hex.DecodeString(h)
		b.Members[i] = BatchMember{Hash: h, Index: uint64(i)}
		if names != nil {
			b.Members[i].File = names[i]
		}
	}
	tr, err := merkle.New(leaves)
	if err != nil {
		return nil, err
	}
	root := tr.Root()
	b.Root = hex.EncodeToString(root[:])
	for i := range b.Members {
		p, err := tr.Path(i)
		if err != nil {
			return nil, err
		}
		b.Members[i].Path = merkle.HexPath(p)
	}
	return b, nil
}

// Find returns the member with hash h.
func (b *BatchFile) Find(h string) (*BatchMember, bool) {
	for i := range b.Members {
		if b.Members[i].Hash == h {
			return &b.Members[i], true
		}
	}
	return nil, false
}

// Membership is the proof of member m for a status-change message.
func (b *BatchFile) Membership(m *BatchMember) *Membership {
	return &Membership{Root: b.Root, Index: m.Index, Path: m.Path}
}
