// Package catalogtypes holds the data-catalog chain's records, message
// bodies, message names, attribute values, limits, registered errors and
// the checks a message passes on its own (Validate, ValidCode, DutyID,
// TableID: records.go, messages.go), and the shapes of its answers: every
// entry is a state key with its exact stored bytes and, when asked for, its
// ICS23 proof (Entry.CheckProof verifies it), grouped into the views of a
// department, a resource, a data item's chain and a sharing request; and
// the paging bounds of every list answer. It imports no state store, so the
// API client, the browser, catalogio and the module's commands and demo use
// it; package catalog re-exports every name, so the chain's code reads the
// same.
package catalogtypes

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/chain/proof"
)

// Paging bounds every list a Reader returns: a node answers with one page
// at a time, never with however much the state holds.
const (
	// DefaultPageLimit is the page size when a client gives no limit.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest limit a client may ask for.
	MaxPageLimit = 1000
	// MaxPageBytes bounds a page's entries (records and proofs, as JSON):
	// a page ends before the entry that would pass it. The first entry of
	// a page is always included, so a page is at most MaxPageBytes or one
	// entry (a record is at most a tx's size) plus its fixed part.
	MaxPageBytes = 1 << 20
)

// Entry is one state key as a query returns it: the exact stored bytes
// (Record, JSON) and, when asked for, the ICS23 proof of that key. A client
// checks Proof.Verify(app_hash) and that compact(Record) equals Proof.Value.
type Entry struct {
	Key    string          `json:"key"`
	Found  bool            `json:"found"`
	Record json.RawMessage `json:"record,omitempty"`
	Proof  *proof.Proof    `json:"proof,omitempty"`
}

// Decode unmarshals the record into v.
func (e *Entry) Decode(v any) error {
	if !e.Found {
		return fmt.Errorf("%s: not found", e.Key)
	}
	return json.Unmarshal(e.Record, v)
}

// CheckProof verifies the entry's proof against root and that the record
// shown is the proven value.
func (e *Entry) CheckProof(root []byte) error {
	if e.Proof == nil {
		return fmt.Errorf("%s: no proof", e.Key)
	}
	if string(e.Proof.Key) != e.Key {
		return fmt.Errorf("%s: proof is for key %q", e.Key, e.Proof.Key)
	}
	if err := e.Proof.Verify(root); err != nil {
		return fmt.Errorf("%s: %w", e.Key, err)
	}
	if e.Found != (e.Proof.Value != nil) {
		return fmt.Errorf("%s: found=%v but the proof says otherwise", e.Key, e.Found)
	}
	if e.Found {
		var c bytes.Buffer
		if err := json.Compact(&c, e.Record); err != nil || !bytes.Equal(c.Bytes(), e.Proof.Value) {
			return fmt.Errorf("%s: record differs from the proven value", e.Key)
		}
	}
	return nil
}

// Department is a department's whole catalog (or one page of it: the
// lists fill in this order).
type Department struct {
	Dept      string  `json:"dept"`
	Duties    []Entry `json:"duties"`
	Resources []Entry `json:"resources"`
	Tables    []Entry `json:"tables"`
	Items     []Entry `json:"items"`  // data items it is the authoritative source of
	Shares    []Entry `json:"shares"` // sharing requests it made or received
}

// ResourceView is a resource with the duties it derives from and its
// tables. Resource comes on the first page only.
type ResourceView struct {
	Resource Entry   `json:"resource"`
	Duties   []Entry `json:"duties"`
	Tables   []Entry `json:"tables"`
}

// ItemChain is the duty → resource → table chain of a data item: its
// authoritative source, the duties that source derives from, the tables and
// columns holding it, the other resources that carry it, and cross-checks.
// Item and Source come on the first page only; the lists fill in order.
type ItemChain struct {
	Item         Entry   `json:"item"`
	Source       *Entry  `json:"source,omitempty"` // the source resource
	Duties       []Entry `json:"duties"`
	Tables       []Entry `json:"tables"`
	References   []Entry `json:"references"` // every resource carrying the item (source included)
	Attestations []Entry `json:"attestations"`
}

// ShareEntry is a sharing request with its state at the queried block time.
type ShareEntry struct {
	Entry
	State string `json:"state"`
}

// ShareView is one sharing request with its deliveries. Share and State
// come on the first page only.
type ShareView struct {
	Share      Entry   `json:"share"`
	State      string  `json:"state,omitempty"`
	Deliveries []Entry `json:"deliveries"`
}
