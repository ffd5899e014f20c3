package bundle

import (
	"fmt"
	"time"
)

// Stale is the verdict of an answer whose proofs check out but whose
// state is older than the verifier accepts: it says what the certificate
// was as of then (Result.Proven), not what it is now. A node that serves
// an older, correctly signed state (a revoked certificate before its
// revocation) gets this verdict, never VALID.
const Stale = "STALE"

// DefaultMaxAge is how old the proven state of an online check may be:
// blocks come every second or so (empty blocks included), and a bundle
// proves the state two blocks below the latest.
const DefaultMaxAge = 5 * time.Minute

// BundleLag is how many versions below the latest state a node's bundle
// is by default: the SM2 quorum certificate of header H+1 is stored in
// block H+2 (node/verify.Builder).
const BundleLag = 2

// Policy is what a verifier demands of how recent the proven state is.
type Policy struct {
	// MaxAge bounds the verifier's clock minus the time of the header
	// that commits the state; 0 sets no bound (an offline bundle whose
	// holder did not ask for one).
	MaxAge time.Duration
	// MinHeight is the lowest state version accepted: the chain's latest
	// state as several nodes report it, less BundleLag; 0 sets no bound.
	MinHeight int64
	// Latest and LatestFrom say where MinHeight came from, for people.
	Latest     int64
	LatestFrom []string
}

// Freshness is the judgement of a result's age.
type Freshness struct {
	// Age is the verifier's clock minus the header time (0 if the header
	// is up to MaxClockDrift in the future).
	Age        string   `json:"age"`
	AgeSeconds int64    `json:"age_seconds"`
	MaxAge     string   `json:"max_age,omitempty"`
	MinHeight  int64    `json:"min_height,omitempty"`
	Latest     int64    `json:"latest_height,omitempty"`
	LatestFrom []string `json:"latest_from,omitempty"`
	Stale      bool     `json:"stale"`
	// Reason says why a stale result is stale.
	Reason string `json:"reason,omitempty"`
}

// JudgeAge is the freshness rule. It is a pure function of the proven
// state's version and the time of the header that commits it (both
// verified), the verifier's clock and its policy: the state is stale if
// it is below p.MinHeight or older than p.MaxAge. A header more than
// MaxClockDrift in the future cannot be judged (Verify rejects it too).
func JudgeAge(height int64, asOf, now time.Time, p Policy) (Freshness, error) {
	age := now.Sub(asOf)
	if age < -MaxClockDrift {
		return Freshness{}, fail(StepHeader, "header time %s is in the future (now %s)", asOf.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if age < 0 {
		age = 0
	}
	age = age.Truncate(time.Second)
	f := Freshness{Age: age.String(), AgeSeconds: int64(age / time.Second), MinHeight: p.MinHeight, Latest: p.Latest, LatestFrom: p.LatestFrom}
	if p.MaxAge > 0 {
		f.MaxAge = p.MaxAge.String()
	}
	switch {
	case p.MinHeight > 0 && height < p.MinHeight:
		f.Stale = true
		f.Reason = fmt.Sprintf("state %d is below %d: the chain's latest state is %d", height, p.MinHeight, p.Latest)
		if len(p.LatestFrom) > 0 {
			f.Reason += fmt.Sprintf(" (reported by %d nodes)", len(p.LatestFrom))
		}
		f.Reason += fmt.Sprintf(", and bundles are at most %d below it: the node answered with an older state", BundleLag)
	case p.MaxAge > 0 && age > p.MaxAge:
		f.Stale = true
		f.Reason = fmt.Sprintf("the proven state is %s old, more than the maximum age %s", age, p.MaxAge)
	}
	return f, nil
}

// Judge applies JudgeAge to a verified result at the verifier's clock
// now: a stale result's verdict becomes Stale and Proven keeps what the
// proofs establish as of the header time. Judge a result once.
func (r *Result) Judge(now time.Time, p Policy) error {
	asOf, err := time.Parse(time.RFC3339, r.Header.Time)
	if err != nil {
		return fail(StepHeader, "header time %q: %v", r.Header.Time, err)
	}
	f, err := JudgeAge(r.Height, asOf, now, p)
	if err != nil {
		return err
	}
	r.Freshness = &f
	if f.Stale && r.Verdict != Stale {
		r.Proven, r.Verdict = r.Verdict, Stale
	}
	return nil
}
