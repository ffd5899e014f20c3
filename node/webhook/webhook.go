// Package webhook delivers a node's events to an HTTP endpoint, so that a
// plain web application can subscribe to the chain (`govchain webhook`,
// docs/integration.md). It follows GET /v1/events/stream through
// node/client, POSTs each event that passes the filter, one at a time and
// in cursor order, and retries a failed delivery with exponential back-off
// until the endpoint answers 2xx; only then does it store that event's
// cursor (fsynced), so a restart of either side resumes after the last
// acknowledged event.
//
// Each POST carries the event JSON and the headers:
//
//	Govchain-Cursor:     the event's cursor (HEIGHT.INDEX)
//	Govchain-Event:      the event type
//	Govchain-Signature:  hmac-sm3=<hex of HMAC-SM3(secret, body)>
//
// A delivery is repeated only if the relay stops between the endpoint's
// 2xx and the cursor write; the endpoint drops a cursor it has already
// seen (cursors only grow).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govchain/govchain/node/client"
)

// The headers of a delivery.
const (
	HeaderCursor    = "Govchain-Cursor"
	HeaderEvent     = "Govchain-Event"
	HeaderSignature = "Govchain-Signature"
	// SignaturePrefix names the MAC in HeaderSignature.
	SignaturePrefix = "hmac-sm3="
)

// Sign is the HeaderSignature value of body: HMAC (RFC 2104) with SM3.
func Sign(secret, body []byte) string {
	m := hmac.New(sm3.New, secret)
	m.Write(body)
	return SignaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is body's signature under secret
// (compared in constant time). A receiver calls it before trusting body.
func Verify(secret, body []byte, header string) bool {
	mac, ok := strings.CutPrefix(header, SignaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(mac)
	if err != nil {
		return false
	}
	m := hmac.New(sm3.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Config is one subscription.
type Config struct {
	Node   *client.Client
	URL    string // the endpoint events are POSTed to
	Secret []byte // the HMAC-SM3 key the endpoint shares
	Filter client.EventFilter
	// CursorFile stores the cursor of the last acknowledged event (or the
	// end of the last block read); it is where a restart resumes.
	CursorFile string
	// After is the cursor to start after when CursorFile does not exist
	// yet ("" = the first block).
	After string
	// MinBackoff and MaxBackoff bound the wait between tries of one
	// delivery, doubled after each failure (defaults 500 ms and 1 min).
	MinBackoff, MaxBackoff time.Duration
	// HTTP posts the deliveries (nil: a client with a 30 s timeout).
	HTTP *http.Client
	// Log hears each failed try and each reconnect (may be nil).
	Log func(format string, args ...any)
}

// Run delivers events until ctx ends (then it returns nil) or the node
// refuses the cursor or filter.
func Run(ctx context.Context, c Config) error {
	if c.Node == nil || c.URL == "" || c.CursorFile == "" {
		return errors.New("webhook: Node, URL and CursorFile are required")
	}
	if len(c.Secret) == 0 {
		return errors.New("webhook: the secret is empty; the endpoint could not tell the deliveries are ours")
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(time.Minute, c.MinBackoff)
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	logf := c.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	after, err := LoadCursor(c.CursorFile)
	if err != nil {
		return err
	}
	if after == "" {
		after = c.After
	}
	saved := time.Time{}
	deliver := func(ev client.Event) error {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		wait := c.MinBackoff
		for try := 1; ; try++ {
			err := post(ctx, c, ev, body)
			if err == nil {
				break
			}
			logf("deliver %s (%s) try %d: %v; next try in %s", ev.Cursor, ev.Type, try, err, wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, c.MaxBackoff)
		}
		saved = time.Now()
		return SaveCursor(c.CursorFile, ev.Cursor)
	}
	progress := func(cur string) error {
		// a block with nothing to deliver: storing its end only saves
		// rereading it, so once a second is enough
		if time.Since(saved) < time.Second {
			return nil
		}
		saved = time.Now()
		return SaveCursor(c.CursorFile, cur)
	}
	err = c.Node.FollowEvents(ctx, after, c.Filter, c.MaxBackoff, deliver, progress, func(err error) {
		logf("event stream: %v; reconnecting", err)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// post makes one delivery try: nil on 2xx.
func post(ctx context.Context, c Config, ev client.Event, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderCursor, ev.Cursor)
	req.Header.Set(HeaderEvent, ev.Type)
	req.Header.Set(HeaderSignature, Sign(c.Secret, body))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

// LoadCursor reads a cursor file ("" if it does not exist yet).
func LoadCursor(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if _, err := client.ParseCursor(s); err != nil {
		return "", fmt.Errorf("cursor file %s: %w", path, err)
	}
	return s, nil
}

// SaveCursor replaces the cursor file durably: a temporary file, synced,
// renamed over it, and the directory synced, so a crash leaves the old
// cursor or the new one.
func SaveCursor(path, cursor string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".cursor-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(cursor + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store cursor in %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
