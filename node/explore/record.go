package explore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// Version is one value a record held: written by block Height (the state
// version), or deleted there when Deleted.
type Version struct {
	Height  int64           `json:"height"`
	Deleted bool            `json:"deleted,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"` // JSON records as JSON
	Text    string          `json:"text,omitempty"`  // other values, printable or 0x-hex
	// Proof says how the value was checked: the ICS23 proof against the app
	// hash the node gives for that height, and whether that app hash equals
	// the one in the signed header height+1.
	Proof string `json:"proof"`
	// Created: the key was absent just below Height.
	Created bool `json:"created,omitempty"`
	// Txs are the successful transactions of the block that wrote it whose
	// events name part of the key (all of the block's when none does); one
	// of them, the block's end-block logic or, at the first height, the
	// genesis made the change.
	Txs []TxRow `json:"txs"`
}

// History is `explore record KEY`: newest first.
type History struct {
	Key      string    `json:"key"`
	At       int64     `json:"at_height"`
	Versions []Version `json:"versions"`
	Probes   int       `json:"probes"`
	Note     string    `json:"note,omitempty"`
}

// LeafVersion returns the IAVL version (the height that last wrote the
// key) carried in an ICS23 existence proof: the leaf's hash prefix is
// varint(height 0) varint(size 1) varint(version), and the prefix is part
// of what the proof hashes up to the app hash, so the version is as
// trustworthy as the proof.
func LeafVersion(ops []byte) (int64, error) {
	var cp ics23.CommitmentProof
	if err := cp.Unmarshal(ops); err != nil {
		return 0, fmt.Errorf("proof: %w", err)
	}
	ex := cp.GetExist()
	if ex == nil || ex.Leaf == nil {
		return 0, errors.New("proof is not an existence proof")
	}
	r := bytes.NewReader(ex.Leaf.Prefix)
	var vals [3]int64
	for i := range vals {
		v, err := binary.ReadVarint(r)
		if err != nil {
			return 0, fmt.Errorf("leaf prefix: %w", err)
		}
		vals[i] = v
	}
	if vals[0] != 0 || vals[1] != 1 || vals[2] < 1 || r.Len() != 0 {
		return 0, fmt.Errorf("leaf prefix %x is not an IAVL leaf", ex.Leaf.Prefix)
	}
	return vals[2], nil
}

// Record walks key's history back from height at (0 = latest): each proven
// read names the height that wrote the value (LeafVersion); reading just
// below it gives the previous value, and so on to the key's creation. So
// every change is found, with one proven read per version. A deletion
// cannot be seen that way: when the key is absent, the walk probes earlier
// heights at doubling distances and binary-searches the last height it was
// present; a key deleted and re-created between two probes can hide an
// earlier life (Note says when probing happened). limit caps versions.
func (e *Explorer) Record(ctx context.Context, key string, at int64, limit int) (*History, error) {
	if limit <= 0 {
		limit = 50
	}
	hist := &History{Key: key, Versions: []Version{}}
	st, err := e.API.Status(ctx)
	if err != nil {
		return nil, err
	}
	lowest := st.StateVersions[0]
	if lowest < 1 {
		lowest = 1
	}
	if at <= 0 {
		at = st.StateVersions[1]
	}
	hist.At = at
	h := at
	probed := false
	for h >= lowest && len(hist.Versions) < limit {
		r, proof, err := e.readProven(ctx, key, h)
		hist.Probes++
		if err != nil {
			return nil, err
		}
		if r.Found {
			v, err := LeafVersion(r.Proof.Ops)
			if err != nil {
				return nil, fmt.Errorf("%s at %d: %w", key, h, err)
			}
			ver := Version{Height: v, Proof: proof}
			if json.Valid(r.Value) {
				ver.Value = r.Value
			} else {
				ver.Text = printable(r.Value)
			}
			ver.Txs = e.blockTxs(ctx, v, key)
			hist.Versions = append(hist.Versions, ver)
			h = v - 1
			continue
		}
		// Absent at h: find the last earlier height where it was present.
		if n := len(hist.Versions); n > 0 && !hist.Versions[n-1].Deleted && hist.Versions[n-1].Height == h+1 {
			hist.Versions[n-1].Created = true
		}
		probed = true
		last, n, err := e.lastPresent(ctx, key, lowest, h)
		hist.Probes += n
		if err != nil {
			return nil, err
		}
		if last == 0 {
			break
		}
		hist.Versions = append(hist.Versions, Version{Height: last + 1, Deleted: true, Proof: fmt.Sprintf("absent at %d (non-membership proof), present at %d", last+1, last), Txs: e.blockTxs(ctx, last+1, key)})
		h = last
	}
	if len(hist.Versions) == 0 {
		return hist, fmt.Errorf("%s: %w at any height up to %d", key, ErrNotFound, at)
	}
	if probed {
		hist.Note = "earlier lives (deletions) were looked for by probing heights at doubling distances below each absence; a key deleted and re-created between two probes could hide one"
	}
	if h >= lowest && len(hist.Versions) >= limit {
		hist.Note = strings.TrimSpace(hist.Note + fmt.Sprintf(" (stopped after %d versions; older ones from --height %d)", limit, h))
	}
	if lowest > 1 {
		hist.Note = strings.TrimSpace(hist.Note + fmt.Sprintf(" the node keeps state from height %d only", lowest))
	}
	return hist, nil
}

// readProven reads key at h with a proof, verifies the proof against the
// node's app hash for h and compares that hash with header h+1.
func (e *Explorer) readProven(ctx context.Context, key string, h int64) (*node.StateResult, string, error) {
	r, err := e.API.State(ctx, key, h, true)
	if err != nil {
		return nil, "", fmt.Errorf("%s at %d: %w", key, h, err)
	}
	if r.Proof == nil {
		return nil, "", fmt.Errorf("%s at %d: the node sent no proof", key, h)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, "", fmt.Errorf("%s at %d: PROOF INVALID: %w", key, h, err)
	}
	if r.Height != h {
		return nil, "", fmt.Errorf("%s: asked for height %d, the node answered %d", key, h, r.Height)
	}
	verdict := fmt.Sprintf("read at height %d, ICS23 proof OK against app hash %X", h, r.AppHash)
	hd, err := e.Header(ctx, h+1)
	for try := 0; err != nil && try < 20; try++ {
		// the newest state's app hash is signed in the next header: wait
		// a moment for it
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		hd, err = e.Header(ctx, h+1)
	}
	if err == nil {
		if bytes.Equal(hd.AppHash, r.AppHash) {
			verdict += fmt.Sprintf(" = header %d", h+1)
		} else {
			return nil, "", fmt.Errorf("%s at %d: the node's app hash %X differs from header %d's %X", key, h, r.AppHash, h+1, []byte(hd.AppHash))
		}
	} else {
		verdict += fmt.Sprintf(" (header %d not yet available)", h+1)
	}
	return r, verdict, nil
}

func (e *Explorer) present(ctx context.Context, key string, h int64) (bool, error) {
	r, err := e.API.State(ctx, key, h, false)
	if err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) && ae.Status == 404 {
			return false, nil
		}
		return false, err
	}
	return r.Found, nil
}

// lastPresent finds the highest height below h where key was present, or
// 0: probes h-1, h-2, h-4, ... then binary-searches between the present
// probe and the absent one above it.
func (e *Explorer) lastPresent(ctx context.Context, key string, lowest, h int64) (int64, int, error) {
	probes := 0
	absent := h
	for step := int64(1); ; step *= 2 {
		p := h - step
		if p < lowest {
			p = lowest
		}
		ok, err := e.present(ctx, key, p)
		probes++
		if err != nil {
			return 0, probes, err
		}
		if ok {
			lo, hi := p, absent // present at lo, absent at hi
			for hi-lo > 1 {
				mid := lo + (hi-lo)/2
				ok, err := e.present(ctx, key, mid)
				probes++
				if err != nil {
					return 0, probes, err
				}
				if ok {
					lo = mid
				} else {
					hi = mid
				}
			}
			return lo, probes, nil
		}
		absent = p
		if p == lowest {
			return 0, probes, nil
		}
	}
}

func (e *Explorer) blockTxs(ctx context.Context, h int64, key string) []TxRow {
	out := []TxRow{}
	var named []TxRow
	b, err := e.RPC.Block(ctx, &h)
	if err != nil {
		return out
	}
	res, err := e.RPC.BlockResults(ctx, &h)
	if err != nil {
		return out
	}
	for i, raw := range b.Block.Txs {
		if i >= len(res.TxResults) || res.TxResults[i].Code != 0 {
			continue // a rejected tx changed nothing
		}
		row := txRow(h, uint32(i), raw, res.TxResults[i])
		out = append(out, row)
		if eventsName(res.TxResults[i].Events, key) {
			named = append(named, row)
		}
	}
	if len(named) > 0 {
		return named
	}
	return out
}

// eventsName reports whether an event attribute value (an id, hash or
// code of 4 or more characters) is a '/'-separated part of key.
func eventsName(evs []abci.Event, key string) bool {
	parts := strings.Split(key, "/")
	for _, ev := range evs {
		if ev.Type == "tx" {
			continue
		}
		for _, a := range ev.Attributes {
			if len(a.Value) < 4 {
				continue
			}
			for _, p := range parts {
				if strings.EqualFold(p, a.Value) {
					return true
				}
			}
		}
	}
	return false
}
