package bundle_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/bundletest"
	"github.com/govchain/govchain/chain/proof/lightblock"
)

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

// TestJudgeAge: the freshness rule on its own, as a table of vectors.
func TestJudgeAge(t *testing.T) {
	online := bundle.Policy{MaxAge: 5 * time.Minute, MinHeight: 98, Latest: 100, LatestFrom: []string{"a", "b"}}
	for _, tc := range []struct {
		name   string
		height int64
		asOf   time.Time
		p      bundle.Policy
		stale  bool
		age    int64
		reason string
		step   string
	}{
		{"fresh", 98, t0.Add(-3 * time.Second), online, false, 3, "", ""},
		{"exactly the maximum age", 98, t0.Add(-5 * time.Minute), online, false, 300, "", ""},
		{"one second too old", 98, t0.Add(-5*time.Minute - time.Second), online, true, 301, "more than the maximum age 5m0s", ""},
		{"an hour old", 98, t0.Add(-time.Hour), online, true, 3600, "1h0m0s old", ""},
		{"below the latest height", 60, t0.Add(-40 * time.Second), online, true, 40, "state 60 is below 98", ""},
		{"newer than the latest others know", 101, t0, online, false, 0, "", ""},
		{"header within the clock drift", 98, t0.Add(bundle.MaxClockDrift), online, false, 0, "", ""},
		{"header in the future", 98, t0.Add(bundle.MaxClockDrift + time.Second), online, false, 0, "", bundle.StepHeader},
		{"offline, no bound", 5, t0.Add(-400 * 24 * time.Hour), bundle.Policy{}, false, 400 * 86400, "", ""},
		{"offline with a maximum age", 5, t0.Add(-49 * time.Hour), bundle.Policy{MaxAge: 48 * time.Hour}, true, 49 * 3600, "more than the maximum age 48h0m0s", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := bundle.JudgeAge(tc.height, tc.asOf, t0, tc.p)
			if tc.step != "" {
				if bundle.StepOf(err) != tc.step {
					t.Fatalf("err %v, want step %s", err, tc.step)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Stale != tc.stale || f.AgeSeconds != tc.age || !strings.Contains(f.Reason, tc.reason) || (tc.reason == "") != (f.Reason == "") {
				t.Fatalf("%+v, want stale=%v age=%d reason %q", f, tc.stale, tc.age, tc.reason)
			}
		})
	}
}

// TestJudgeResult: Judge turns any verdict of a stale result into STALE
// and keeps the proven one; a fresh result keeps its verdict.
func TestJudgeResult(t *testing.T) {
	for _, v := range []string{bundle.Valid, bundle.Revoked, bundle.Suspended, bundle.Expired, bundle.Unknown} {
		r := &bundle.Result{Verdict: v, Height: 40, Header: bundle.HeaderInfo{Height: 41, Time: t0.Add(-time.Hour).Format(time.RFC3339)}}
		if err := r.Judge(t0, bundle.Policy{MaxAge: bundle.DefaultMaxAge}); err != nil {
			t.Fatal(err)
		}
		if r.Verdict != bundle.Stale || r.Proven != v || !r.Freshness.Stale {
			t.Fatalf("%s an hour old: verdict %s proven %s %+v", v, r.Verdict, r.Proven, r.Freshness)
		}
		// judging again changes nothing
		if err := r.Judge(t0, bundle.Policy{MaxAge: bundle.DefaultMaxAge}); err != nil || r.Proven != v {
			t.Fatalf("second Judge: %v %s", err, r.Proven)
		}
		r = &bundle.Result{Verdict: v, Height: 40, Header: bundle.HeaderInfo{Height: 41, Time: t0.Add(-time.Minute).Format(time.RFC3339)}}
		if err := r.Judge(t0, bundle.Policy{MaxAge: bundle.DefaultMaxAge, MinHeight: 40}); err != nil || r.Verdict != v || r.Proven != "" || r.Freshness.Stale {
			t.Fatalf("%s a minute old: %v %+v", v, err, r)
		}
	}
	r := &bundle.Result{Verdict: bundle.Valid, Header: bundle.HeaderInfo{Time: "yesterday"}}
	if err := r.Judge(t0, bundle.Policy{}); bundle.StepOf(err) != bundle.StepHeader || r.Verdict != bundle.Valid {
		t.Fatalf("bad header time: %v %s", err, r.Verdict)
	}
}

// TestOldAndTamperedHeaders: the age is judged from a header the
// verifier checked, so an old header cannot be made to look fresh: its
// time is under the validators' signatures. A correctly signed old
// header verifies, and is judged stale.
func TestOldAndTamperedHeaders(t *testing.T) {
	const chainID = "fresh-test"
	vals := []bundletest.Val{{Key: ed25519.GenPrivKey(), Power: 10}, {Key: ed25519.GenPrivKey(), Power: 10}, {Key: ed25519.GenPrivKey(), Power: 10}}
	root := bundletest.Light(bundletest.Make(bundletest.Block{ChainID: chainID, Height: 10, Time: t0.Add(-2 * time.Hour), AppHash: make([]byte, 32), Vals: vals}))
	old := bundletest.Light(bundletest.Make(bundletest.Block{ChainID: chainID, Height: 20, Time: t0.Add(-time.Hour), AppHash: make([]byte, 32), Vals: vals}))
	period := bundle.DefaultTrustingPeriod

	if err := bundle.VerifyChain(chainID, root, period, nil, old, t0); err != nil {
		t.Fatalf("old header: %v", err)
	}
	f, err := bundle.JudgeAge(old.Height-1, old.Time, t0, bundle.Policy{MaxAge: bundle.DefaultMaxAge})
	if err != nil || !f.Stale || f.AgeSeconds != 3600 {
		t.Fatalf("old header judged %+v %v", f, err)
	}

	// the same header with its time moved to now: the commit no longer
	// is for it
	fresh := *old.Header
	fresh.Time = t0
	tampered := *old
	tampered.SignedHeader = &lightblock.SignedHeader{Header: &fresh, Commit: old.Commit}
	if err := bundle.VerifyChain(chainID, root, period, nil, &tampered, t0); bundle.StepOf(err) != bundle.StepHeader {
		t.Fatalf("header with its time moved to now: %v, want step %s", err, bundle.StepHeader)
	}
	// re-signed by keys that are not the validators
	var others []bundletest.Val
	for range vals {
		others = append(others, bundletest.Val{Key: ed25519.GenPrivKey(), Power: 10})
	}
	forged := bundletest.Light(bundletest.Make(bundletest.Block{ChainID: chainID, Height: 20, Time: t0, AppHash: make([]byte, 32), Vals: others}))
	if err := bundle.VerifyChain(chainID, root, period, nil, forged, t0); bundle.StepOf(err) != bundle.StepTrust {
		t.Fatalf("fresh header signed by other keys: %v, want step %s", err, bundle.StepTrust)
	}
}
