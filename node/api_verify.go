package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node/apikit"
	"github.com/govchain/govchain/node/verify"
)

// VerifyConfig tunes the citizen-verification routes (/v1/verify/*).
type VerifyConfig struct {
	// Rate and Burst: a token bucket per client IP (requests per second,
	// bucket size). Defaults 20 and 60, or $GOVCHAIN_VERIFY_RATE and
	// $GOVCHAIN_VERIFY_BURST.
	Rate  float64
	Burst int
	// MinPrefixBits and MaxPrefixBits bound private lookups (defaults 16
	// and 32): shorter prefixes make huge buckets, longer ones identify a
	// certificate.
	MinPrefixBits, MaxPrefixBits int
}

func (c *VerifyConfig) withDefaults() VerifyConfig {
	out := VerifyConfig{Rate: 20, Burst: 60, MinPrefixBits: 16, MaxPrefixBits: 32}
	// operators (and load tests) can change the limits without a config
	// file: GOVCHAIN_VERIFY_RATE, GOVCHAIN_VERIFY_BURST
	if v, err := strconv.ParseFloat(os.Getenv("GOVCHAIN_VERIFY_RATE"), 64); err == nil && v > 0 {
		out.Rate = v
	}
	if v, err := strconv.Atoi(os.Getenv("GOVCHAIN_VERIFY_BURST")); err == nil && v > 0 {
		out.Burst = v
	}
	if c != nil {
		if c.Rate > 0 {
			out.Rate = c.Rate
		}
		if c.Burst > 0 {
			out.Burst = c.Burst
		}
		if c.MinPrefixBits > 0 {
			out.MinPrefixBits = c.MinPrefixBits
		}
		if c.MaxPrefixBits > 0 {
			out.MaxPrefixBits = c.MaxPrefixBits
		}
	}
	return out
}

// verifyState is built on first use.
type verifyState struct {
	once    sync.Once
	cfg     VerifyConfig
	builder *verify.Builder
	limit   *ipLimiter
}

func (a *API) verifier() *verifyState {
	a.verify.once.Do(func() {
		a.verify.cfg = a.Verify.withDefaults()
		a.verify.builder = verify.NewBuilder(nodeSource{a})
		a.verify.limit = newIPLimiter(a.verify.cfg.Rate, a.verify.cfg.Burst)
	})
	return &a.verify
}

// nodeSource is this node's own state and CometBFT block store.
type nodeSource struct{ a *API }

func (s nodeSource) LatestHeight(context.Context) (int64, error) {
	v, _ := s.a.App.Store().LastCommit()
	return v, nil
}

func (s nodeSource) Prove(_ context.Context, key []byte, h int64) ([]byte, error) {
	v, err := s.a.App.Store().At(h)
	if err != nil {
		return nil, err
	}
	_, ops, err := v.Prove(key)
	return ops, err
}

func (s nodeSource) Get(_ context.Context, key []byte, h int64) ([]byte, error) {
	v, err := s.a.App.Store().At(h)
	if err != nil {
		return nil, err
	}
	return v.Get(key)
}

func (s nodeSource) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	if s.a.RPC == nil {
		return nil, errors.New("this API has no CometBFT to read headers from")
	}
	return verify.LightBlockRPC(ctx, s.a.RPC, h)
}

// verifyOptions parses the query parameters shared by the bundle routes.
func verifyOptions(w http.ResponseWriter, r *http.Request) (verify.Options, bool) {
	q := r.URL.Query()
	var o verify.Options
	var ok bool
	if o.Height, ok = apikit.HeightParam(w, q.Get("height")); !ok {
		return o, false
	}
	if s := q.Get("trusted_height"); s != "" {
		h, err := strconv.ParseInt(s, 10, 64)
		if err != nil || h < 1 {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "trusted_height must be a positive integer")
			return o, false
		}
		o.TrustHeight = h
	}
	if b := strings.ToLower(q.Get("batch")); b != "" {
		if !certificate.ValidHash(b) {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "batch must be a batch root, 64 hex characters")
			return o, false
		}
		o.BatchRoot = b
	}
	if q.Get("compact") == "true" || q.Get("compact") == "1" {
		o.NoSM2, o.NoDepts = true, true
	}
	return o, true
}

func (a *API) verifyAllowed(w http.ResponseWriter, r *http.Request) bool {
	v := a.verifier()
	if wait := v.limit.take(clientIP(r), time.Now()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		apikit.WriteErr(w, http.StatusTooManyRequests, "api", 429, fmt.Sprintf("too many verification requests from this address (limit %.0f per second)", v.cfg.Rate))
		return false
	}
	return true
}

func (a *API) writeBundle(w http.ResponseWriter, b *bundle.Bundle, err error) {
	if err != nil {
		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, verify.ErrTooRecent):
			writeNotYet(w, err)
			return
		case errors.Is(err, verify.ErrBucketTooLarge):
			status = http.StatusRequestEntityTooLarge
		}
		apikit.WriteErr(w, status, "verify", uint32(status), err.Error())
		return
	}
	raw, err := b.Encode()
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "verify", 500, err.Error())
		return
	}
	raw = append(raw, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(raw)
}

// getVerifyBundle is GET /v1/verify/bundle/{hash}: everything needed to
// verify one certificate offline (chain/proof/bundle).
func (a *API) getVerifyBundle(w http.ResponseWriter, r *http.Request) {
	if !a.verifyAllowed(w, r) {
		return
	}
	hash := strings.ToLower(r.PathValue("hash"))
	if !certificate.ValidHash(hash) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "hash must be the SM3 digest of the certificate file, 64 hex characters")
		return
	}
	o, ok := verifyOptions(w, r)
	if !ok {
		return
	}
	b, err := a.verifier().builder.Certificate(r.Context(), hash, o)
	a.writeBundle(w, b, err)
}

// getVerifyPrefix is GET /v1/verify/prefix/{hexprefix}: a private lookup.
// The node answers with every record whose hash starts with the prefix
// and proofs that there are no others; it never sees the full hash, and
// logs only the prefix.
func (a *API) getVerifyPrefix(w http.ResponseWriter, r *http.Request) {
	if !a.verifyAllowed(w, r) {
		return
	}
	cfg := a.verifier().cfg
	p := strings.ToLower(r.PathValue("hexprefix"))
	if len(p)*4 < cfg.MinPrefixBits || len(p)*4 > cfg.MaxPrefixBits || !isHex(p) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, fmt.Sprintf("prefix must be %d to %d hex characters (%d to %d bits) of the certificate hash",
			cfg.MinPrefixBits/4, cfg.MaxPrefixBits/4, cfg.MinPrefixBits, cfg.MaxPrefixBits))
		return
	}
	o, ok := verifyOptions(w, r)
	if !ok {
		return
	}
	b, err := a.verifier().builder.Bucket(r.Context(), p, o)
	if a.Logger != nil {
		n := 0
		if b != nil {
			n = len(b.Bucket) - 1
		}
		a.Logger.Info("private certificate lookup", "prefix", p, "bits", 4*len(p), "records", n, "err", err)
	}
	a.writeBundle(w, b, err)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// getVerifyTrust is GET /v1/verify/trust: this node's header at a height
// as a trust root. It is this node's word only: a verifier must compare
// it with other nodes' (govchain verify init-trust --nodes A,B) or with
// the district's published value.
func (a *API) getVerifyTrust(w http.ResponseWriter, r *http.Request) {
	if !a.verifyAllowed(w, r) {
		return
	}
	q := r.URL.Query()
	h, ok := apikit.HeightParam(w, q.Get("height"))
	if !ok {
		return
	}
	period := bundle.DefaultTrustingPeriod
	if s := q.Get("trusting_period"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "trusting_period must be a duration such as 720h")
			return
		}
		period = d
	}
	t, err := a.verifier().builder.TrustRoot(r.Context(), h, period, "node "+a.Dept)
	if err != nil {
		if errors.Is(err, verify.ErrTooRecent) {
			writeNotYet(w, err)
			return
		}
		apikit.WriteErr(w, http.StatusInternalServerError, "verify", 500, err.Error())
		return
	}
	apikit.WriteJSON(w, t)
}

// writeNotYet answers a request the chain cannot serve *yet* (a height
// without a stored quorum certificate): 503 with Retry-After, because 404
// would tell the client there is no such thing.
func writeNotYet(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", "1")
	apikit.WriteErr(w, http.StatusServiceUnavailable, "verify", http.StatusServiceUnavailable, err.Error())
}

// ipLimiter is a token bucket per client IP.
type ipLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*tokenBucket
	swept   time.Time
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func newIPLimiter(rate float64, burst int) *ipLimiter {
	return &ipLimiter{rate: rate, burst: float64(burst), buckets: map[string]*tokenBucket{}}
}

// take spends a token of ip's bucket; it returns 0, or how long until a
// token is available.
func (l *ipLimiter) take(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute && len(l.buckets) > 1024 {
		for k, b := range l.buckets { // full buckets carry no state
			if now.Sub(b.last).Seconds()*l.rate+b.tokens >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[ip]
	if b == nil {
		b = &tokenBucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return 0
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// getVerifyPeers is GET /v1/verify/peers: where the /verify page asks for
// the chain's latest height besides this node. A node naming only
// accomplices gains nothing: the page needs two departments' answers and
// takes the highest height, and a link's #nodes= overrides this list.
func (a *API) getVerifyPeers(w http.ResponseWriter, r *http.Request) {
	if !a.verifyAllowed(w, r) {
		return
	}
	peers := a.VerifyPeers
	if peers == nil {
		peers = []string{}
	}
	apikit.WriteJSON(w, VerifyPeers{Peers: peers})
}
