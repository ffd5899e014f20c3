package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/lightblock"
	"github.com/govchain/govchain/chain/tx"
)

// EventProof is GET /v1/events/{cursor}/proof: what shows that the tx
// behind an event is in block Height and succeeded there. Header Height
// commits the block's txs (DataHash over TxHashes); header Height+1
// commits the block's results (LastResultsHash over Results, CometBFT's
// deterministic form of each ExecTxResult: code, data, gas) and names
// header Height (LastBlockID). Next carries Height+1's commit, verified
// from a trust root.
//
// CometBFT's results hash leaves the events' attributes out: what the
// proof binds is the tx (its type, signer and body) and its success. The
// attributes are what the contract derives from them; the record an event
// names is proven by /v1/state?prove=true (or a module's route), and
// `govchain audit` re-derives every event by replaying the blocks.
type EventProof struct {
	Cursor   string   `json:"cursor"`
	ChainID  string   `json:"chain_id"`
	Height   int64    `json:"height"`
	TxIndex  int      `json:"tx_index"`
	Tx       []byte   `json:"tx"`
	TxHashes [][]byte `json:"tx_hashes"`
	Results  [][]byte `json:"results"`
	// Block and Next are the light blocks at Height and Height+1, in the
	// bundle wire form (bundle.EncodeBlock).
	Block []byte `json:"block"`
	Next  []byte `json:"next_block"`
}

// EventProof is GET /v1/events/{cursor}/proof.
func (c *Client) EventProof(ctx context.Context, cursor string) (*EventProof, error) {
	var p EventProof
	return &p, c.get(ctx, "/v1/events/"+url.PathEscape(cursor)+"/proof", nil, &p)
}

// Verify checks that p proves ev: the tx ev names is tx TxIndex of block
// ev.Height, committed by header Height (DataHash), with a result of code
// 0 committed by header Height+1 (LastResultsHash), which names header
// Height; the tx's type and signer are ev's. With trust (may be nil),
// header Height+1 and its commit are verified from the trust root
// (bundle.VerifyChain) at time now; without, the headers are only checked
// to hang together. It names the step that failed.
func (p *EventProof) Verify(ev *Event, trust *bundle.TrustRoot, now time.Time) error {
	if p.Cursor != ev.Cursor || p.Height != ev.Height || p.TxIndex != ev.TxIndex {
		return fmt.Errorf("event proof: proves %s (height %d tx %d), the event is %s (height %d tx %d)", p.Cursor, p.Height, p.TxIndex, ev.Cursor, ev.Height, ev.TxIndex)
	}
	if p.TxIndex < 0 || p.TxIndex >= len(p.TxHashes) || len(p.Results) != len(p.TxHashes) {
		return fmt.Errorf("event proof: tx %d of %d tx hashes and %d results", p.TxIndex, len(p.TxHashes), len(p.Results))
	}
	blk, err := bundle.DecodeBlock(p.Block)
	if err != nil {
		return fmt.Errorf("event proof: block %d: %w", p.Height, err)
	}
	next, err := bundle.DecodeBlock(p.Next)
	if err != nil {
		return fmt.Errorf("event proof: block %d: %w", p.Height+1, err)
	}
	if blk.Height != p.Height || next.Height != p.Height+1 || blk.ChainID != p.ChainID || next.ChainID != p.ChainID {
		return fmt.Errorf("event proof: headers %s/%d and %s/%d, want %s/%d and %d", blk.ChainID, blk.Height, next.ChainID, next.Height, p.ChainID, p.Height, p.Height+1)
	}
	if !bytes.Equal(next.LastBlockID.Hash, blk.Hash()) {
		return fmt.Errorf("event proof: header %d names block %X as the last, header %d hashes to %X", next.Height, next.LastBlockID.Hash, blk.Height, blk.Hash())
	}
	if root := lightblock.HashFromByteSlices(p.TxHashes); !bytes.Equal(root, blk.DataHash) {
		return fmt.Errorf("event proof: the %d tx hashes have root %X, header %d's data hash is %X", len(p.TxHashes), root, blk.Height, blk.DataHash)
	}
	h := sha256.Sum256(p.Tx)
	if !bytes.Equal(h[:], p.TxHashes[p.TxIndex]) || fmt.Sprintf("%X", h) != ev.TxHash {
		return fmt.Errorf("event proof: the tx hashes to %X; the block's tx %d is %X, the event names %s", h, p.TxIndex, p.TxHashes[p.TxIndex], ev.TxHash)
	}
	if root := lightblock.HashFromByteSlices(p.Results); !bytes.Equal(root, next.LastResultsHash) {
		return fmt.Errorf("event proof: the %d results have root %X, header %d's last results hash is %X", len(p.Results), root, next.Height, next.LastResultsHash)
	}
	code, err := resultCode(p.Results[p.TxIndex])
	if err != nil || code != 0 {
		return fmt.Errorf("event proof: tx %d's committed result has code %d (%v); an event comes only from a tx that succeeded", p.TxIndex, code, err)
	}
	t, err := tx.Decode(p.Tx, 0)
	if err != nil {
		return fmt.Errorf("event proof: the tx: %w", err)
	}
	if t.Type != ev.TxType || t.Signer.String() != ev.Signer {
		return fmt.Errorf("event proof: the tx is %s signed by %s, the event says %s by %s", t.Type, t.Signer, ev.TxType, ev.Signer)
	}
	if trust != nil {
		root, err := trust.Check()
		if err != nil {
			return err
		}
		period, _ := trust.Period()
		switch {
		case root.Height == next.Height:
			if !bytes.Equal(root.Hash(), next.Hash()) {
				return fmt.Errorf("event proof: header %d is %X, the trust root's is %X", next.Height, next.Hash(), root.Hash())
			}
		case root.Height > next.Height:
			return fmt.Errorf("event proof: the trust root (height %d) is newer than header %d; verify from an older root", root.Height, next.Height)
		default:
			if err := bundle.VerifyChain(trust.ChainID, root, period, nil, next, now); err != nil {
				return fmt.Errorf("event proof: header %d from the trust root at %d: %w", next.Height, root.Height, err)
			}
		}
	}
	return nil
}

// resultCode reads field 1 (code) of a deterministic ExecTxResult.
func resultCode(b []byte) (uint64, error) {
	var code uint64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return 0, protowire.ParseError(m)
			}
			code, b = v, b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return 0, protowire.ParseError(m)
		}
		b = b[m:]
	}
	return code, nil
}
