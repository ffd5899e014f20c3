package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/state"
)

// Paging bounds every list a Reader returns (catalogtypes).
const (
	DefaultPageLimit = catalogtypes.DefaultPageLimit
	MaxPageLimit     = catalogtypes.MaxPageLimit
	MaxPageBytes     = catalogtypes.MaxPageBytes
)

// Page is one page of a list answer. The caller sets Limit and Cursor
// (from the previous page's Next); the reader sets Next when more entries
// follow. A nil *Page means everything, for in-process callers.
type Page struct {
	Limit    int    // entries (0 = DefaultPageLimit)
	MaxBytes int    // 0 = MaxPageBytes
	Cursor   string // "" = first page
	Next     string

	n, size  int
	sec      int    // cursor: resume in section sec after position pos
	pos      string //
	lastSec  int
	lastPos  string
	parsed   bool
	parseErr error
}

// First reports whether this is the first page (fixed parts of an answer,
// such as the record a list hangs off, come only on it).
func (p *Page) First() bool { return p == nil || p.Cursor == "" }

func (p *Page) parse() error {
	if p.parsed {
		return p.parseErr
	}
	p.parsed = true
	if p.Cursor == "" {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	s, pos, ok := strings.Cut(string(raw), "/")
	n, err2 := strconv.Atoi(s)
	if err != nil || !ok || err2 != nil || n < 0 || n > 16 || pos == "" {
		p.parseErr = ErrBadInput.Wrapf("cursor %q is not one a page of this answer gave", p.Cursor)
		return p.parseErr
	}
	p.sec, p.pos = n, pos
	return nil
}

func encodeCursor(sec int, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(sec) + "/" + pos))
}

// addFixed counts a fixed part of the answer (first page only) against
// the byte budget.
func (p *Page) addFixed(e *Entry) {
	if p != nil && e != nil {
		p.size += entrySize(e)
	}
}

func entrySize(e *Entry) int {
	b, err := json.Marshal(e)
	if err != nil {
		return len(e.Record)
	}
	return len(b)
}

// walker visits a section's keys in order, starting after position after
// ("" = from the start), until visit says stop.
type walker func(after string, visit func(pos string, key []byte) (bool, error)) error

// indexWalker walks the index under prefix; key maps an index entry (its id
// after the prefix, its value) to the record key to read.
func (r *Reader) indexWalker(prefix []byte, key func(id string, v []byte) []byte) walker {
	return func(after string, visit func(string, []byte) (bool, error)) error {
		start := prefix
		if after != "" {
			start = append(append(bytes.Clone(prefix), after...), 0)
		}
		it, err := r.KV.Iterator(start, state.PrefixEnd(prefix), true)
		if err != nil {
			return err
		}
		defer it.Close()
		for ; it.Valid(); it.Next() {
			id := string(it.Key()[len(prefix):])
			more, err := visit(id, key(id, bytes.Clone(it.Value())))
			if err != nil || !more {
				return err
			}
		}
		return it.Error()
	}
}

// valueIsKey: the index value is the record key.
func valueIsKey(_ string, v []byte) []byte { return v }

// keysWalker walks a fixed list of keys; positions are 1-based indexes.
func keysWalker(keys [][]byte) walker {
	return func(after string, visit func(string, []byte) (bool, error)) error {
		from := 0
		if after != "" {
			n, err := strconv.Atoi(after)
			if err != nil || n < 1 {
				return ErrBadInput.Wrapf("cursor position %q is not a list position", after)
			}
			from = n
		}
		for i := from; i < len(keys); i++ {
			if more, err := visit(strconv.Itoa(i+1), keys[i]); err != nil || !more {
				return err
			}
		}
		return nil
	}
}

// section appends to dst the entries of section number sec that belong on
// page p. keep, when set, filters entries (it sees each entry before it is
// counted) and add appends one.
func (r *Reader) section(p *Page, sec int, walk walker, keep func(*Entry) (bool, error), add func(Entry)) error {
	after := ""
	if p != nil {
		if err := p.parse(); err != nil {
			return err
		}
		if p.Next != "" || sec < p.sec {
			return nil
		}
		if sec == p.sec {
			after = p.pos
		}
	}
	return walk(after, func(pos string, key []byte) (bool, error) {
		e, err := r.Entry(key)
		if err != nil {
			return false, err
		}
		if keep != nil {
			if ok, err := keep(&e); err != nil || !ok {
				return err == nil, err
			}
		}
		if p != nil {
			limit, maxBytes := p.Limit, p.MaxBytes
			if limit <= 0 {
				limit = DefaultPageLimit
			}
			if maxBytes <= 0 {
				maxBytes = MaxPageBytes
			}
			size := entrySize(&e)
			if p.n > 0 && (p.n >= limit || p.size+size > maxBytes) {
				p.Next = encodeCursor(p.lastSec, p.lastPos)
				return false, nil
			}
			p.n++
			p.size += size
			p.lastSec, p.lastPos = sec, pos
		}
		add(e)
		return true, nil
	})
}

// appendTo is an add that appends to *dst.
func appendTo(dst *[]Entry) func(Entry) { return func(e Entry) { *dst = append(*dst, e) } }
