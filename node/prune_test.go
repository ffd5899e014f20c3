package node

import (
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	sm "github.com/cometbft/cometbft/state"
	cmttypes "github.com/cometbft/cometbft/types"
)

// evidenceRetain holds the blocks' retain height where CometBFT's
// evidence.IsEvidenceExpired would stop deleting headers and commits: every
// height below it is past both max_age_num_blocks and max_age_duration.
func TestEvidenceRetain(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	// one block a second from height 1
	at := func(h int64) time.Time { return t0.Add(time.Duration(h-1) * time.Second) }
	blockTime := func(h int64) (time.Time, bool) { return at(h), true }
	state := func(height, blocks int64, d time.Duration) sm.State {
		p := cmttypes.DefaultConsensusParams()
		p.Evidence.MaxAgeNumBlocks, p.Evidence.MaxAgeDuration = blocks, d
		return sm.State{LastBlockHeight: height, LastBlockTime: at(height), ConsensusParams: *p}
	}
	for _, c := range []struct {
		name         string
		st           sm.State
		base, want   int64
		missingAbove int64 // heights from here read as not stored (0: all stored)
	}{
		// 1000 − 100 = 900: heights below are more than 100 blocks old; time is no limit
		{"blocks bind", state(1000, 100, time.Second), 1, 900, 0},
		// heights older than 300 s: time(h) < time(1000) − 300 s ⇔ h < 700
		{"time binds", state(1000, 100, 300*time.Second), 1, 700, 0},
		// exactly max_age old is not expired (IsEvidenceExpired is strict)
		{"strict", state(1000, 999, time.Nanosecond), 1, 1, 0},
		{"window not passed yet", state(50, 100, time.Second), 1, -50, 0},
		{"base above", state(1000, 100, time.Second), 950, 900, 0},
		{"from the base", state(1000, 100, 300*time.Second), 600, 700, 0},
		// an unreadable header stops the run (taken as not expired)
		{"unreadable", state(1000, 100, time.Second), 1, 500, 500},
	} {
		bt := blockTime
		if c.missingAbove > 0 {
			bt = func(h int64) (time.Time, bool) { return at(h), h < c.missingAbove }
		}
		if got := evidenceRetain(c.st, c.base, bt); got != c.want {
			t.Errorf("%s: evidenceRetain = %d, want %d", c.name, got, c.want)
		}
	}
}

// closingDB's iterators close themselves once read to the end (CometBFT's
// index pruning never closes them), and closing again is harmless.
func TestClosingIterator(t *testing.T) {
	mem := dbm.NewMemDB()
	for _, k := range []string{"a", "b", "c"} {
		if err := mem.Set([]byte(k), []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	db := closingDB{mem}
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for ; it.Valid(); it.Next() {
		got += string(it.Key())
	}
	if got != "abc" {
		t.Fatalf("read %q, want abc", got)
	}
	ci := it.(*closingIterator)
	if !ci.closed || it.Error() != nil || it.Valid() {
		t.Fatalf("exhausted iterator: closed %v, error %v, valid %v; want closed, no error, invalid", ci.closed, it.Error(), it.Valid())
	}
	if err := it.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	// an iterator closed early by its reader is closed once
	rit, err := db.ReverseIterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rit.Valid() || string(rit.Key()) != "c" {
		t.Fatal("reverse iterator does not start at c")
	}
	if err := rit.Close(); err != nil || rit.Valid() {
		t.Fatalf("closed early: %v, valid %v", err, rit.Valid())
	}
}
