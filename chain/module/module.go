// Package module is the contract between the chain and its deterministic
// modules (identity, governance, catalog, certificates, credit, recognition).
//
// A module is a state machine in the etcd-io/raft sense: given a state view,
// a block context and a verified message it returns writes, events and a
// result code, and the same input always gives the same output. Modules get
// no clock (Context.Time is the block header's), no randomness, no network
// and no disk other than the KV they are handed.
package module

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

// Signer is the resolved identity behind a transaction.
type Signer struct {
	KeyID smcrypto.KeyID
	Dept  string   // department code
	Roles []string // sorted
	// Governance is set when the message is executed by a passed governance
	// proposal rather than signed by one identity: it holds every
	// "gov:*"-style authority the message's module asks for.
	Governance bool
}

// HasRole reports whether the signer holds role r.
func (s *Signer) HasRole(r string) bool {
	i := sort.SearchStrings(s.Roles, r)
	return i < len(s.Roles) && s.Roles[i] == r
}

// Event is a typed, indexable event ("cert.anchored", {"hash": ...}).
type Event struct {
	Type  string
	Attrs []Attr
}

type Attr struct{ Key, Value string }

// ValidatorUpdate changes the consensus set (power 0 removes).
type ValidatorUpdate struct {
	PubKeyType string // "ed25519"
	PubKey     []byte
	Power      int64
}

// Context is everything a handler may look at.
type Context struct {
	ChainID string
	Height  int64
	Time    time.Time // block header time: the only clock contracts have
	TxHash  []byte    // nil outside a transaction (genesis, end block)
	Signer  *Signer   // nil outside a transaction
	Store   state.KV
	// CheckOnly is true in CheckTx: handlers must behave identically, it is
	// only there so hooks with side effects outside state can skip them.
	CheckOnly bool
	// Route looks up another module's message route (governance executes
	// messages of other modules through it). Nil outside the app.
	Route func(msgType string) (Route, bool)
	// CanonicalBody, set by the app, is a tx body already found to be in
	// canonical form for this route (when the tx was first checked):
	// Handler then decodes an identical body without encoding it again.
	// Sub contexts never inherit it.
	CanonicalBody []byte

	events     []Event
	data       []byte
	valUpdates []ValidatorUpdate
	// probe is set only by BodyType: a handler made by Handler then
	// reports its message type instead of running.
	probe *reflect.Type
}

func (c *Context) Emit(typ string, kv ...string) {
	if len(kv)%2 != 0 {
		panic("module: Emit needs key/value pairs")
	}
	e := Event{Type: typ}
	for i := 0; i < len(kv); i += 2 {
		e.Attrs = append(e.Attrs, Attr{kv[i], kv[i+1]})
	}
	c.events = append(c.events, e)
}

func (c *Context) Events() []Event { return c.events }

// Sub returns a context for nested execution over store (a cache of this
// context's store) with another signer; Merge copies its events and
// validator updates back once its writes have been kept.
func (c *Context) Sub(store state.KV, signer *Signer) *Context {
	return &Context{ChainID: c.ChainID, Height: c.Height, Time: c.Time, TxHash: c.TxHash, Signer: signer, Store: store, CheckOnly: c.CheckOnly, Route: c.Route}
}

// Merge adopts a sub-context's events and validator updates.
func (c *Context) Merge(sub *Context) {
	c.events = append(c.events, sub.events...)
	c.valUpdates = append(c.valUpdates, sub.valUpdates...)
}

// SetData sets the tx result data returned to the client (e.g. a record id).
func (c *Context) SetData(b []byte) { c.data = b }
func (c *Context) Data() []byte     { return c.data }

// UpdateValidator queues a validator change for the end of this block.
func (c *Context) UpdateValidator(u ValidatorUpdate) { c.valUpdates = append(c.valUpdates, u) }
func (c *Context) ValidatorUpdates() []ValidatorUpdate {
	return c.valUpdates
}

// Route binds a message type to its handler and its static permission.
type Route struct {
	Type string // "module.action"
	// AnyRole: the signer needs at least one of these roles; empty = any
	// registered, active identity.
	AnyRole []string
	// Handle decodes body and applies it. It is called in CheckTx (against
	// the mempool's state) and in FinalizeBlock.
	Handle func(ctx *Context, body []byte) error
	// Summary for help text and the OpenAPI document.
	Summary string
	// StableOverTime: the handler's verdict depends on Context.Height and
	// Time only through rules that, once met, stay met as the height and
	// time grow (or not at all). The mempool's recheck may then keep a tx's
	// first verdict, without running the handler again, while nothing the
	// tx read has changed (chain/checktx.go). Records may still carry the
	// height and time: in the mempool's state they keep the first check's.
	StableOverTime bool
}

// Module is a deterministic contract.
type Module interface {
	Name() string
	Routes() []Route
	// InitGenesis loads the module's section of the genesis app state (may be nil).
	InitGenesis(ctx *Context, raw json.RawMessage) error
}

// EndBlocker is implemented by modules with per-block work (expiry, tallies).
type EndBlocker interface {
	EndBlock(ctx *Context) error
}

// Handler adapts a typed handler: the body must be the canonical JSON
// encoding of M (the exact bytes json.Marshal produces), so one message has
// one byte form and a signature covers exactly what is executed.
func Handler[M any](fn func(ctx *Context, m *M) error) func(*Context, []byte) error {
	return func(ctx *Context, body []byte) error {
		if ctx != nil && ctx.probe != nil {
			*ctx.probe = reflect.TypeFor[M]()
			return nil
		}
		var m M
		if ctx.CanonicalBody != nil && bytes.Equal(ctx.CanonicalBody, body) {
			// The same bytes passed DecodeCanonical into the same M
			// before; a plain decode gives the same message.
			if err := json.Unmarshal(body, &m); err != nil {
				return tx.ErrBadBody.Wrapf("%v", err)
			}
			return fn(ctx, &m)
		}
		if err := DecodeCanonical(body, &m); err != nil {
			return err
		}
		return fn(ctx, &m)
	}
}

// BodyType is the Go type of a route's message body, for a route whose
// handler was made by Handler (nil otherwise): GET /v1/messages derives
// each message's field order and JSON schema from it.
func BodyType(r Route) (t reflect.Type) {
	if r.Handle == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			t = nil
		}
	}()
	ctx := &Context{probe: &t}
	if r.Handle(ctx, nil) != nil {
		return nil
	}
	return t
}

// DecodeCanonical strictly decodes a JSON message body: v's canonical JSON
// (docs/protocol.md#canonical-json) and nothing else. Its errors name the
// rule the body broke and where.
func DecodeCanonical(body []byte, v any) error {
	// encoding/json turns invalid UTF-8 into U+FFFD, so such a body would
	// fail only as "not in canonical form": say what is wrong instead.
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, n := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			at += n
		}
		return tx.ErrBadBody.Wrapf("body is not valid UTF-8 (byte %d of %d): every name and text must be UTF-8", at, len(body))
	}
	// A canonical body decodes and encodes back to itself: that needs no
	// streaming decoder (and its buffer). Anything else is decoded again
	// strictly, from a zero value, to say what is wrong.
	if json.Unmarshal(body, v) == nil {
		if again, err := json.Marshal(v); err == nil && bytes.Equal(again, body) {
			return nil
		}
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return tx.ErrBadBody.Wrapf("%s", describeDecodeError(err, v))
	}
	if dec.More() {
		return tx.ErrBadBody.Wrapf("data after the message's JSON object: a body is exactly one JSON object")
	}
	again, err := json.Marshal(v)
	if err != nil {
		return tx.ErrBadBody.Wrapf("%v", err)
	}
	if !bytes.Equal(again, body) {
		return tx.ErrBadBody.Wrapf("%s", explainNonCanonical(body, again, reflect.TypeOf(v)))
	}
	return nil
}

// MustJSON encodes a state record; records are plain structs, so the only
// possible failure is a programming error.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("module: encode %T: %v", v, err))
	}
	return b
}

// GetJSON loads a JSON record; found is false when the key is absent.
func GetJSON(kv state.KV, key []byte, v any) (found bool, err error) {
	b, err := kv.Get(key)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, errs.Internal.Wrapf("decode %q: %v", key, err)
	}
	return true, nil
}

// Load reads key's JSON record into a new T: nil (and no error) when the
// key is absent.
func Load[T any](kv state.KV, key []byte) (*T, error) {
	var v T
	ok, err := GetJSON(kv, key, &v)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// Key joins parts with '/', the separator used across all modules. Parts
// must not contain '/' themselves (validated by each module's input rules).
func Key(parts ...string) []byte { return []byte(strings.Join(parts, "/")) }

// GetJSONBytes decodes a record already read (iteration values).
func GetJSONBytes(b []byte, v any) (bool, error) {
	if err := json.Unmarshal(b, v); err != nil {
		return true, errs.Internal.Wrapf("decode record: %v", err)
	}
	return true, nil
}
