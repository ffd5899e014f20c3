package certificate

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// Index layouts (Params.IndexLayout). Layout 1 writes three index entries
// per certificate (issuer, type, holder) with decimal heights and hex
// hashes in the keys. Layout 2 writes two, with shorter keys:
//
//	cert/ti/<type>/<issuer>/<pos>   every certificate and batch
//	cert/ho/<holder>/<pos>          certificates with a holder
//
// <pos> is the height in 6 characters and the hash or root in 43, both in
// sortable base64 (sortB64: the alphabet in ASCII order, so keys sort as
// (height, hash) do); a person holder reference is written the same way
// (43 characters), a USCC as it is. The value is "c" (certificate) or "b"
// (batch). A type listing walks the type's issuers, an issuer listing the
// issuer's types (few of either) and merges them newest first: every
// listing has the order, pages and cursors of layout 1.
const (
	layoutV1 = 1
	layoutV2 = 2
)

// sortAlphabet is base64url's alphabet in ASCII order.
const sortAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

var sortB64 = base64.NewEncoding(sortAlphabet).WithPadding(base64.NoPadding)

const (
	heightChars = 6  // 36 bits: 2^36 blocks
	idChars     = 43 // 32 bytes
	posChars    = heightChars + idChars
	maxHeight   = 1<<(6*heightChars) - 1
)

const (
	valRecord = "c"
	valBatch  = "b"
)

func tiPrefix() []byte                  { return module.Key(prefix, "ti", "") }
func tiTypePrefix(typ string) []byte    { return module.Key(prefix, "ti", typ, "") }
func tiIndex(typ, issuer string) []byte { return module.Key(prefix, "ti", typ, issuer, "") }
func hoIndex(ref string) []byte         { return module.Key(prefix, "ho", holderPart(ref), "") }

// holderPart is a 64-hex (lower-case) person reference in 43 sortable
// base64 characters, anything else (a USCC) as it is.
func holderPart(ref string) string {
	if len(ref) == 64 {
		if b, err := hex.DecodeString(ref); err == nil && hex.EncodeToString(b) == ref {
			return sortB64.EncodeToString(b)
		}
	}
	return ref
}

// pos is the key suffix of an entry at height h for hash or root id.
func pos(h int64, id string) ([]byte, error) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 32 || h < 0 || h > maxHeight {
		return nil, errs.Internal.Wrapf("certificate index: height %d or id %q out of range", h, id)
	}
	out := make([]byte, heightChars, posChars)
	for i := heightChars - 1; i >= 0; i-- {
		out[i] = sortAlphabet[h&63]
		h >>= 6
	}
	return sortB64.AppendEncode(out, b), nil
}

// parsePos is pos's inverse.
func parsePos(p []byte) (int64, string, error) {
	if len(p) != posChars {
		return 0, "", fmt.Errorf("certificate: index position %q has %d characters, want %d", p, len(p), posChars)
	}
	var h int64
	for _, c := range p[:heightChars] {
		i := bytes.IndexByte([]byte(sortAlphabet), c)
		if i < 0 {
			return 0, "", fmt.Errorf("certificate: index position %q is not sortable base64", p)
		}
		h = h<<6 | int64(i)
	}
	b, err := sortB64.DecodeString(string(p[heightChars:]))
	if err != nil || len(b) != 32 {
		return 0, "", fmt.Errorf("certificate: index position %q does not hold a 32-byte id", p)
	}
	return h, hex.EncodeToString(b), nil
}

// cursorPos turns a listing cursor (Item.Cursor: 20-digit height, '/',
// 64 hex) into the key suffix of layout 2.
func cursorPos(after string) ([]byte, error) {
	bad := ErrBadInput.Wrapf("cursor %q is not one a page of this list gave", after)
	if len(after) != 20+1+64 || after[20] != '/' {
		return nil, bad
	}
	h, err := strconv.ParseInt(after[:20], 10, 64)
	if err != nil {
		return nil, bad
	}
	p, err := pos(h, after[21:])
	if err != nil {
		return nil, bad
	}
	return p, nil
}

// indexLayout is the layout the state uses (1 when params do not say).
func indexLayout(kv state.KV) (int, error) {
	p, err := GetParams(kv)
	if err != nil {
		return 0, err
	}
	if p.IndexLayout == 0 {
		return layoutV1, nil
	}
	return p.IndexLayout, nil
}

// putIndex writes the index entries of a new certificate or batch.
func putIndex(ctx *module.Context, layout int, kind, typ, issuer, holder string, h int64, id string) error {
	if layout == layoutV1 {
		v := []byte(kind)
		ps := [][]byte{issuerIndex(issuer), typeIndex(typ)}
		if holder != "" {
			ps = append(ps, holderIndex(holder))
		}
		for _, p := range ps {
			if err := ctx.Store.Set(indexKey(p, h, id), v); err != nil {
				return err
			}
		}
		return nil
	}
	ps, v, err := entryV2(kind, h, id)
	if err != nil {
		return err
	}
	if err := ctx.Store.Set(append(tiIndex(typ, issuer), ps...), v); err != nil {
		return err
	}
	if holder != "" {
		return ctx.Store.Set(append(hoIndex(holder), ps...), v)
	}
	return nil
}

// entryV2 is the key suffix (position) and the value of a layout 2 index
// entry of a certificate or batch (kind) anchored at height h.
func entryV2(kind string, h int64, id string) (ps, v []byte, err error) {
	ps, err = pos(h, id)
	if err != nil {
		return nil, nil, err
	}
	switch kind {
	case kindRecord:
		return ps, []byte(valRecord), nil
	case kindBatch:
		return ps, []byte(valBatch), nil
	}
	return nil, nil, errs.Internal.Wrapf("index kind %q", kind)
}

// distinct returns the parts that follow p in keys under p, up to the next
// '/', in key order: one seek per part.
func distinct(kv state.KV, p []byte) ([]string, error) {
	var out []string
	start := p
	end := state.PrefixEnd(p)
	for {
		var next string
		err := state.IterateRange(kv, start, end, true, func(k, _ []byte) (bool, error) {
			rest := k[len(p):]
			i := bytes.IndexByte(rest, '/')
			if i <= 0 {
				return false, fmt.Errorf("certificate: malformed index key %q", k)
			}
			next = string(rest[:i])
			return false, nil
		})
		if err != nil || next == "" {
			return out, err
		}
		out = append(out, next)
		start = state.PrefixEnd(append(bytes.Clone(p), next+"/"...))
	}
}

// entry is one index entry of layout 2.
type entry struct {
	pos  []byte
	kind string
}

// sources are the key prefixes a listing of f walks in layout 2, and
// whether entries must be checked against the record (a holder listing
// narrowed by issuer or type).
func sources(kv state.KV, f Filter) ([][]byte, bool, error) {
	switch {
	case f.Holder != "":
		return [][]byte{hoIndex(f.Holder)}, f.Issuer != "" || f.Type != "", nil
	case f.Type != "" && f.Issuer != "":
		return [][]byte{tiIndex(f.Type, f.Issuer)}, false, nil
	case f.Type != "":
		issuers, err := distinct(kv, tiTypePrefix(f.Type))
		var ps [][]byte
		for _, is := range issuers {
			ps = append(ps, tiIndex(f.Type, is))
		}
		return ps, false, err
	}
	types, err := distinct(kv, tiPrefix())
	var ps [][]byte
	for _, t := range types {
		ps = append(ps, tiIndex(t, f.Issuer))
	}
	return ps, false, err
}

// listV2 is list in layout 2.
func listV2(kv state.KV, f Filter, after string, skip, limit int) ([]Item, bool, error) {
	var before []byte // cursor: entries before it (newest first)
	if after != "" {
		p, err := cursorPos(after)
		if err != nil {
			return nil, false, err
		}
		before = p
	}
	srcs, check, err := sources(kv, f)
	if err != nil {
		return nil, false, err
	}
	// Newest first across sources: each source's first skip+limit+1
	// entries, merged by position. Only entries that pass the filter
	// count, so a source that needs checking streams on its own.
	var out []Item
	more := false
	take := func(e entry) (bool, error) {
		it, issuer, typ, err := loadItem(kv, e)
		if err != nil {
			return false, err
		}
		if check && (f.Issuer != "" && issuer != f.Issuer || f.Type != "" && typ != f.Type) {
			return true, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		if len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, it)
		return true, nil
	}
	walk := func(p []byte, fn func(entry) (bool, error)) error {
		end := state.PrefixEnd(p)
		if before != nil {
			end = append(bytes.Clone(p), before...)
		}
		return state.IterateRange(kv, p, end, false, func(k, v []byte) (bool, error) {
			return fn(entry{pos: bytes.Clone(k[len(p):]), kind: string(v)})
		})
	}
	if len(srcs) == 1 {
		return out, more, walk(srcs[0], take)
	}
	n := skip + limit + 1
	var all []entry
	for _, p := range srcs {
		got := 0
		if err := walk(p, func(e entry) (bool, error) {
			all = append(all, e)
			got++
			return got < n, nil
		}); err != nil {
			return nil, false, err
		}
	}
	// positions are unique (a hash or root is anchored once)
	sortDesc(all)
	for _, e := range all {
		if ok, err := take(e); err != nil || !ok {
			return out, more, err
		}
	}
	return out, more, nil
}

func sortDesc(es []entry) {
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(b.pos, a.pos) })
}

// loadItem reads the record or batch an entry points at.
func loadItem(kv state.KV, e entry) (Item, string, string, error) {
	h, id, err := parsePos(e.pos)
	if err != nil {
		return Item{}, "", "", err
	}
	it := Item{ID: id, Height: h}
	switch e.kind {
	case valRecord:
		it.Kind, it.Key = kindRecord, string(RecordKey(id))
		var r Record
		if _, err := module.GetJSON(kv, RecordKey(id), &r); err != nil {
			return it, "", "", err
		}
		it.Record = &r
		return it, r.Issuer, r.Type, nil
	case valBatch:
		it.Kind, it.Key = kindBatch, string(BatchKey(id))
		var b Batch
		if _, err := module.GetJSON(kv, BatchKey(id), &b); err != nil {
			return it, "", "", err
		}
		it.Batch = &b
		return it, b.Issuer, b.Type, nil
	}
	return it, "", "", fmt.Errorf("certificate: index entry at %q has kind %q", e.pos, e.kind)
}
