package certificate

import (
	"bytes"
	"fmt"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/identifier"
)

// PageSize is the number of items per page of List.
const PageSize = 50

// ValidateFilter checks the filter values' shape.
func ValidateFilter(f Filter) error {
	if f.Issuer == "" && f.Type == "" && f.Holder == "" {
		return ErrBadInput.Wrapf("give at least one of issuer, type, holder")
	}
	if f.Type != "" && !typeCodeRe.MatchString(f.Type) {
		return ErrBadInput.Wrapf("type %q is malformed", f.Type)
	}
	if f.Issuer != "" && !validCodePart(f.Issuer) {
		return ErrBadInput.Wrapf("issuer %q is malformed", f.Issuer)
	}
	if f.Holder != "" && identifier.ValidateHolderRef(identifier.HolderPerson, f.Holder) != nil &&
		identifier.ValidateHolderRef(identifier.HolderOrg, f.Holder) != nil {
		if identifier.LooksLikeCitizenID(f.Holder) {
			return ErrPersonalData.Wrapf("holder must be a reference, not an ID number: compute it locally (govchain cert list --holder-id does)")
		}
		return ErrBadHolder.Wrapf("holder %q is neither a 64-hex person reference nor a unified social credit code", f.Holder)
	}
	return nil
}

func validCodePart(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// List returns page (1-based) of the certificates and batches matching f,
// newest first, and whether more pages follow. It walks the most selective
// index (holder, then type, then issuer) and filters on the rest.
func List(kv state.KV, f Filter, page int) ([]Item, bool, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, false, err
	}
	if page < 1 {
		return nil, false, ErrBadInput.Wrapf("page %d must be 1 or more", page)
	}
	return list(kv, f, "", (page-1)*PageSize, PageSize)
}

// ListAfter returns at most limit of the items List walks that come after
// the one whose Cursor is after ("" = from the newest), and whether more
// follow: paging that costs the same for every page.
func ListAfter(kv state.KV, f Filter, after string, limit int) ([]Item, bool, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, false, err
	}
	if after != "" && (len(after) < 22 || after[20] != '/') {
		return nil, false, ErrBadInput.Wrapf("cursor %q is not one a page of this list gave", after)
	}
	return list(kv, f, after, 0, limit)
}

func list(kv state.KV, f Filter, after string, skip, limit int) ([]Item, bool, error) {
	layout, err := indexLayout(kv)
	if err != nil {
		return nil, false, err
	}
	if layout == layoutV2 {
		return listV2(kv, f, after, skip, limit)
	}
	return listV1(kv, f, after, skip, limit)
}

// listV1 walks the most selective index of layout 1 and filters on the rest.
func listV1(kv state.KV, f Filter, after string, skip, limit int) ([]Item, bool, error) {
	var p []byte
	switch {
	case f.Holder != "":
		p = holderIndex(f.Holder)
	case f.Type != "":
		p = typeIndex(f.Type)
	default:
		p = issuerIndex(f.Issuer)
	}
	var out []Item
	more := false
	end := state.PrefixEnd(p)
	if after != "" {
		end = append(bytes.Clone(p), after...) // newest first: before it
	}
	err := state.IterateRange(kv, p, end, false, func(k, v []byte) (bool, error) {
		rest := k[len(p):] // <height>/<id>
		slash := bytes.IndexByte(rest, '/')
		if slash != 20 {
			return false, fmt.Errorf("certificate: malformed index key %q", k)
		}
		var h int64
		for _, c := range rest[:20] {
			h = h*10 + int64(c-'0')
		}
		it := Item{Kind: string(v), ID: string(rest[21:]), Height: h}
		var issuer, typ string
		switch it.Kind {
		case kindRecord:
			it.Key = string(RecordKey(it.ID))
			var r Record
			if _, err := module.GetJSON(kv, RecordKey(it.ID), &r); err != nil {
				return false, err
			}
			it.Record, issuer, typ = &r, r.Issuer, r.Type
		case kindBatch:
			it.Key = string(BatchKey(it.ID))
			var b Batch
			if _, err := module.GetJSON(kv, BatchKey(it.ID), &b); err != nil {
				return false, err
			}
			it.Batch, issuer, typ = &b, b.Issuer, b.Type
		default:
			return false, fmt.Errorf("certificate: index entry %q has kind %q", k, v)
		}
		if f.Issuer != "" && issuer != f.Issuer || f.Type != "" && typ != f.Type {
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
	})
	return out, more, err
}
