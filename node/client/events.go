package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Events are the chain's state changes as a business system follows them
// (GET /v1/events, GET /v1/events/stream). Each is one ABCI event of a
// committed block's FinalizeBlock result, read from the node's block
// store: nothing is indexed apart from the blocks, so every node serves
// the same events with the same cursors, before and after a restart.

// Cursor is an event's place in the chain: block Height and Index, the
// event's position among all the ABCI events of that block's FinalizeBlock
// result (the tx results in block order, each tx's events in order, then
// the block's own events). Its text form is "H.I"; "H" alone is the end
// of block H (after every event of it), what a page or a stream reports
// when it has read past blocks with nothing to deliver. The zero Cursor
// ("" or "0") is before the first block.
type Cursor struct {
	Height int64
	Index  int // -1: the end of block Height
}

// String is the cursor's text form, "H.I" or "H" for the end of block H.
func (c Cursor) String() string {
	if c.Index < 0 {
		return strconv.FormatInt(c.Height, 10)
	}
	return strconv.FormatInt(c.Height, 10) + "." + strconv.Itoa(c.Index)
}

// After reports whether c is strictly after o.
func (c Cursor) After(o Cursor) bool {
	if c.Height != o.Height {
		return c.Height > o.Height
	}
	ci, oi := c.Index, o.Index
	if ci < 0 {
		ci = int(^uint(0) >> 1)
	}
	if oi < 0 {
		oi = int(^uint(0) >> 1)
	}
	return ci > oi
}

// ParseCursor reads "H.I", "H" or "" (before the first block).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{Index: -1}, nil
	}
	hs, is, dot := strings.Cut(s, ".")
	h, err := strconv.ParseInt(hs, 10, 64)
	if err != nil || h < 0 || hs != strconv.FormatInt(h, 10) {
		return Cursor{}, fmt.Errorf("cursor %q: want HEIGHT.INDEX (e.g. 1234.5) or HEIGHT, as an event's cursor", s)
	}
	if !dot {
		return Cursor{Height: h, Index: -1}, nil
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || is != strconv.Itoa(i) {
		return Cursor{}, fmt.Errorf("cursor %q: the index after the dot must be a non-negative integer", s)
	}
	return Cursor{Height: h, Index: i}, nil
}

// Event is one state change (GET /v1/events).
type Event struct {
	Cursor string `json:"cursor"`
	Height int64  `json:"height"`
	Index  int    `json:"index"`
	// Time is the block header's time.
	Time string `json:"time"`
	// Module is the part of Type before the first dot ("credit").
	Module string `json:"module"`
	Type   string `json:"type"`
	// Attrs are the event's attributes as the contract emitted them, in
	// order (each module's <m>types/events.go EventAttrs declares them).
	Attrs []EventAttr `json:"attrs"`
	// TxIndex is the tx's position in the block; -1 for an event of the
	// block itself (a proposal settled at its deadline), which has no tx.
	TxIndex int `json:"tx_index"`
	// TxHash is the SHA-256 of the tx (hex, upper case), as /v1/txs/{hash}.
	TxHash string `json:"tx_hash,omitempty"`
	TxType string `json:"tx_type,omitempty"`
	Signer string `json:"signer,omitempty"`
	// Dept is the signer's department.
	Dept string `json:"dept,omitempty"`
}

// EventAttr is one attribute of an event.
type EventAttr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Attr is the value of attribute key ("" if absent).
func (e *Event) Attr(key string) string {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// At is the event's cursor.
func (e *Event) At() Cursor { return Cursor{Height: e.Height, Index: e.Index} }

// EventPage is GET /v1/events: the events after the asked cursor, oldest
// first. Next is the cursor to ask the next page after: the last event's,
// or the end of the last block read when that block had nothing more to
// give. More is false when the page reached the node's newest committed
// block (Latest); a follower then waits or streams.
type EventPage struct {
	Events []Event `json:"events"`
	Next   string  `json:"next"`
	Latest int64   `json:"latest"`
	More   bool    `json:"more"`
}

// EventFilter selects events; every non-empty field must match (values
// within a field are alternatives). Dept matches the signer's department
// or any department-naming attribute (dept, issuer, owner, provider,
// requester, proposer, from, to); Subject matches any attribute's value
// exactly (a certificate hash, a credit subject reference, a share id, a
// key id).
type EventFilter struct {
	Module  []string
	Type    []string
	Dept    []string
	Subject []string
}

// DeptAttrs are the attributes that name a department (EventFilter.Dept).
var DeptAttrs = []string{"dept", "issuer", "owner", "provider", "requester", "proposer", "from", "to"}

// String is the filter's wire form, the ?filter= parameter:
// comma-separated key=value terms, e.g. "module=credit,dept=SCJG".
func (f EventFilter) String() string {
	var terms []string
	add := func(k string, vs []string) {
		for _, v := range vs {
			terms = append(terms, k+"="+v)
		}
	}
	add("module", f.Module)
	add("type", f.Type)
	add("dept", f.Dept)
	add("subject", f.Subject)
	return strings.Join(terms, ",")
}

// IsZero reports whether f selects every event.
func (f EventFilter) IsZero() bool {
	return len(f.Module)+len(f.Type)+len(f.Dept)+len(f.Subject) == 0
}

// ParseEventFilter reads the ?filter= form ("module=credit,dept=SCJG").
func ParseEventFilter(s string) (EventFilter, error) {
	var f EventFilter
	if s == "" {
		return f, nil
	}
	for _, term := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(term), "=")
		if !ok || v == "" {
			return f, fmt.Errorf("filter term %q: want key=value with key module, type, dept or subject (e.g. module=credit,dept=SCJG)", term)
		}
		switch k {
		case "module":
			f.Module = append(f.Module, v)
		case "type":
			f.Type = append(f.Type, v)
		case "dept":
			f.Dept = append(f.Dept, v)
		case "subject":
			f.Subject = append(f.Subject, v)
		default:
			return f, fmt.Errorf("filter key %q unknown: use module, type, dept or subject", k)
		}
	}
	return f, nil
}

// Match reports whether e passes f.
func (f EventFilter) Match(e *Event) bool {
	if len(f.Module) > 0 && !slices.Contains(f.Module, e.Module) {
		return false
	}
	if len(f.Type) > 0 && !slices.Contains(f.Type, e.Type) {
		return false
	}
	if len(f.Dept) > 0 {
		ok := slices.Contains(f.Dept, e.Dept)
		for _, a := range e.Attrs {
			if !ok && slices.Contains(DeptAttrs, a.Key) && slices.Contains(f.Dept, a.Value) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Subject) > 0 {
		ok := false
		for _, a := range e.Attrs {
			if slices.Contains(f.Subject, a.Value) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func eventQuery(after string, f EventFilter, limit int) url.Values {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if s := f.String(); s != "" {
		q.Set("filter", s)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// Events is GET /v1/events: up to limit events after the cursor after
// ("" = from the first block) passing f (limit 0: the node's default).
func (c *Client) Events(ctx context.Context, after string, f EventFilter, limit int) (*EventPage, error) {
	var p EventPage
	return &p, c.get(ctx, "/v1/events", eventQuery(after, f, limit), &p)
}

// StreamEvents is GET /v1/events/stream: it follows the node's events
// after the cursor after, live, calling fn for each event passing f and
// progress (may be nil) with the end-of-block cursor of each block read
// with nothing more to deliver. It returns when ctx ends, fn or progress
// returns an error, or the connection ends (nil when the node closed the
// stream cleanly). One connection only: FollowEvents reconnects.
func (c *Client) StreamEvents(ctx context.Context, after string, f EventFilter, fn func(Event) error, progress func(cursor string) error) error {
	q := eventQuery("", f, 0)
	path := c.BaseURL + "/v1/events/stream"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if after != "" {
		req.Header.Set("Last-Event-ID", after)
	}
	hc := *c.HTTP
	hc.Timeout = 0 // a stream lasts; ctx ends it
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("node %s unreachable: %w", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		e := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(raw, &e.Body) != nil || e.Body.Message == "" {
			e.Body.Message = strings.TrimSpace(string(raw))
		}
		return e
	}
	return readSSE(resp.Body, func(id, data string) error {
		if data == "" {
			if progress != nil && id != "" {
				return progress(id)
			}
			return nil
		}
		var ev Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return fmt.Errorf("event %s: %w", id, err)
		}
		return fn(ev)
	})
}

// readSSE reads a text/event-stream and calls fn(id, data) for each
// message; a message without data (an id only) is a progress mark.
func readSSE(r io.Reader, fn func(id, data string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var id string
	var data []string
	seenID := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if seenID || len(data) > 0 {
				if err := fn(id, strings.Join(data, "\n")); err != nil {
					return err
				}
			}
			id, data, seenID = "", nil, false
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: keep-alive
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "id":
			id, seenID = v, true
		case "data":
			data = append(data, v)
		}
	}
	return sc.Err()
}

// ErrStopFollowing, returned by a FollowEvents callback, ends the follow
// with a nil error.
var ErrStopFollowing = errors.New("stop following")

// FollowEvents follows the events after cursor after for as long as ctx
// lasts, reconnecting (with back-off, up to maxWait between tries; 0 =
// 5 s) whenever the connection drops or the node restarts, each time from
// the cursor of the last event fn accepted or the last progress mark. So
// a caller that stores the cursor it is handed gets every event once: no
// gap, no repeat. fn may return ErrStopFollowing to stop; any other error
// of fn stops with that error. onErr (may be nil) hears each dropped
// connection.
func (c *Client) FollowEvents(ctx context.Context, after string, f EventFilter, maxWait time.Duration, fn func(ev Event) error, progress func(cursor string) error, onErr func(error)) error {
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	cur := after
	wait := 100 * time.Millisecond
	var stop error
	for ctx.Err() == nil {
		got := false
		err := c.StreamEvents(ctx, cur, f, func(ev Event) error {
			if err := fn(ev); err != nil {
				stop = err
				return err
			}
			cur, got = ev.Cursor, true
			return nil
		}, func(p string) error {
			if progress != nil {
				if err := progress(p); err != nil {
					stop = err
					return err
				}
			}
			cur, got = p, true
			return nil
		})
		if stop != nil {
			if errors.Is(stop, ErrStopFollowing) {
				return nil
			}
			return stop
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 {
			return err // a bad cursor or filter does not get better by retrying
		}
		if ctx.Err() != nil {
			break
		}
		if onErr != nil {
			if err == nil {
				err = errors.New("stream ended")
			}
			onErr(err)
		}
		if got {
			wait = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
	return ctx.Err()
}
