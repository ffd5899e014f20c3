package node_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// TestEventPages: paging one event at a time gives the events of one big
// page, the filter selects, a stream from the middle gives the rest, and
// a malformed cursor or filter is a 400 that says what is wanted.
func TestEventPages(t *testing.T) {
	_, net := startOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := net.Client(0)
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, c, net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 3; i++ {
		k, _ := smcrypto.GenerateKey()
		reg, err := s.RegisterAccount(k, fmt.Sprintf("events officer %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(ctx, c, identity.MsgRegisterAccount, reg, "commit"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, k.PublicKey().ID().String())
	}
	all, err := c.Events(ctx, "", client.EventFilter{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if all.More {
		t.Fatalf("more than 1000 events on a fresh chain: %+v", all.Next)
	}
	var one []client.Event
	for after := ""; ; {
		p, err := c.Events(ctx, after, client.EventFilter{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		one = append(one, p.Events...)
		after = p.Next
		if !p.More {
			break
		}
	}
	if len(one) < len(all.Events) || len(all.Events) < 3 {
		t.Fatalf("paged one by one: %d events, one page: %d", len(one), len(all.Events))
	}
	for i, ev := range all.Events {
		if one[i].Cursor != ev.Cursor || one[i].Type != ev.Type {
			t.Fatalf("event %d: %s %s one by one, %s %s in one page", i, one[i].Cursor, one[i].Type, ev.Cursor, ev.Type)
		}
	}
	mine, err := c.Events(ctx, "", client.EventFilter{Subject: ids}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Events) != 3 {
		t.Fatalf("subject filter: %d events, want the 3 registrations", len(mine.Events))
	}
	for i, ev := range mine.Events {
		if ev.Type != "identity.registered" || ev.Attr("key_id") != ids[i] || ev.TxHash == "" || ev.Dept != net.Nodes[0].Dept {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	// a stream after the first registration gives the other two, in order
	var got []string
	err = c.StreamEvents(ctx, mine.Events[0].Cursor, client.EventFilter{Subject: ids}, func(ev client.Event) error {
		got = append(got, ev.Attr("key_id"))
		if len(got) == 2 {
			return client.ErrStopFollowing
		}
		return nil
	}, nil)
	if !errors.Is(err, client.ErrStopFollowing) || strings.Join(got, ",") != strings.Join(ids[1:], ",") {
		t.Fatalf("stream after %s: %v, %v; want %v", mine.Events[0].Cursor, got, err, ids[1:])
	}
	for _, q := range []string{"after=12.x", "after=-3", "filter=height%3D3", "limit=0"} {
		err := c.Get(ctx, "/v1/events?"+q, nil)
		if !errors.As(err, new(*client.APIError)) || !strings.Contains(err.Error(), "HTTP 400") {
			t.Errorf("?%s: %v, want HTTP 400", q, err)
		}
	}
}
