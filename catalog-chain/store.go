package catalog

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

type versioned interface{ RecordMeta() *Meta }

// load reads the current version of a record; nil when absent.
func load[T any](kv state.KV, kind, id string) (*T, error) {
	return module.Load[T](kv, RecordKey(kind, id))
}

// put writes rec as the next version after prev (0 for a new record): the
// current key and the immutable version key.
func put(ctx *module.Context, kind, id string, prev int64, rec versioned) error {
	m := rec.RecordMeta()
	*m = Meta{Version: prev + 1, Height: ctx.Height, Time: FormatTime(ctx.Time)}
	if ctx.TxHash != nil {
		m.Tx = hex.EncodeToString(ctx.TxHash)
	}
	switch {
	case ctx.Signer != nil && ctx.Signer.Governance:
		m.Signer = "governance" // a passed proposal, not one key
	case ctx.Signer != nil:
		m.Signer = ctx.Signer.KeyID.String()
	}
	b := module.MustJSON(rec)
	if err := ctx.Store.Set(RecordKey(kind, id), b); err != nil {
		return err
	}
	return ctx.Store.Set(VersionKey(kind, id, m.Version), b)
}

// sameContent compares two records ignoring their Meta.
func sameContent(a, b versioned) bool {
	am, bm := *a.RecordMeta(), *b.RecordMeta()
	*a.RecordMeta(), *b.RecordMeta() = Meta{}, Meta{}
	eq := bytes.Equal(module.MustJSON(a), module.MustJSON(b))
	*a.RecordMeta(), *b.RecordMeta() = am, bm
	return eq
}

// nextID allocates the next id of a counter: prefix + 8 digits.
func nextID(kv state.KV, kind, prefix string) (string, error) {
	var n uint64
	b, err := kv.Get(counterKey(kind))
	if err != nil {
		return "", err
	}
	if b != nil {
		if n, err = strconv.ParseUint(string(b), 10, 64); err != nil {
			return "", errs.Internal.Wrapf("corrupt counter %s", kind)
		}
	}
	n++
	if err := kv.Set(counterKey(kind), []byte(strconv.FormatUint(n, 10))); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%08d", prefix, n), nil
}

// at prefixes a coded error's message with where in a batch it happened.
func at(err error, format string, args ...any) error {
	e := errs.From(err)
	return e.Wrapf("%s: %s", fmt.Sprintf(format, args...), msgOf(e))
}

// iterIndex calls fn with the last key segment and value of every key under
// prefix (which ends in '/'), in key order.
func iterIndex(kv state.KV, prefix []byte, fn func(id string, v []byte) error) error {
	return state.IteratePrefix(kv, prefix, true, func(k, v []byte) (bool, error) {
		return true, fn(string(k[len(prefix):]), v)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
