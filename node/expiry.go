package node

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node/apikit"
)

// DefaultExpiryHorizon is how far ahead GET /v1/expiry, `govchain status`
// and the metrics look when govchain.json sets no expiry_horizon_days.
const DefaultExpiryHorizon = 30 * 24 * time.Hour

// ExpiryHorizon is the configured horizon.
func (c *Config) ExpiryHorizon() time.Duration {
	if c.ExpiryHorizonDays > 0 {
		return time.Duration(c.ExpiryHorizonDays) * 24 * time.Hour
	}
	return DefaultExpiryHorizon
}

// ParseHorizon reads "30d", "12h" or any Go duration.
func ParseHorizon(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("horizon %q: want a number of days (e.g. 30d) or a duration (e.g. 72h)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("horizon %q: want a number of days (e.g. 30d) or a duration (e.g. 72h)", s)
	}
	return d, nil
}

// expiryReport is identity.Expiring over the newest committed state, judged
// at that block's time (what the chain itself judges certificates by).
func expiryReport(a interface {
	View(int64) (*state.View, error)
	BlockTime(*state.View) (string, time.Time)
}, horizon time.Duration) (*identity.ExpiryReport, error) {
	view, err := a.View(0)
	if err != nil {
		return nil, err
	}
	bts, bt := a.BlockTime(view)
	ws, err := identity.Expiring(view, bt, horizon)
	if err != nil {
		return nil, err
	}
	return newExpiryReport(view.Version(), bts, horizon, ws), nil
}

func newExpiryReport(height int64, blockTime string, horizon time.Duration, ws []identity.ExpiryWarning) *identity.ExpiryReport {
	if ws == nil {
		ws = []identity.ExpiryWarning{}
	}
	return &identity.ExpiryReport{Height: height, BlockTime: blockTime, HorizonSeconds: int64(horizon / time.Second), Warnings: ws}
}

// expiryFollower keeps an identity.ExpiryIndex at the committed state: one
// scan of the identities at the start, then each new block's identity
// writes (the store's per-version changes). It scans again only when
// those changes are not there to read (pruned versions, an error).
type expiryFollower struct {
	idx *identity.ExpiryIndex
	at  int64 // the version idx reflects
}

var errVersionGap = errors.New("expiry: a version's changes are missing")

// update brings the index to view's version.
func (f *expiryFollower) update(store *state.Store, view *state.View) error {
	v := view.Version()
	if f.idx != nil && v == f.at {
		return nil
	}
	if f.idx != nil && v > f.at {
		next := f.at + 1
		err := store.Changes(next, v, func(ver int64, cs []state.Change) error {
			if ver != next {
				return errVersionGap
			}
			for _, c := range cs {
				if f.idx.Touches(c.Key) {
					if err := f.idx.Apply(c.Key, c.Value); err != nil {
						return err
					}
				}
			}
			next++
			return nil
		})
		if err == nil && next == v+1 {
			f.at = v
			return nil
		}
	}
	idx, err := identity.NewExpiryIndex(view)
	if err != nil {
		f.idx = nil
		return err
	}
	f.idx, f.at = idx, v
	return nil
}

// getExpiry is GET /v1/expiry?horizon=30d.
func (a *API) getExpiry(w http.ResponseWriter, r *http.Request) {
	horizon := a.ExpiryHorizon
	if horizon == 0 {
		horizon = DefaultExpiryHorizon
	}
	if s := r.URL.Query().Get("horizon"); s != "" {
		d, err := ParseHorizon(s)
		if err != nil {
			apikit.BadParam(w, err.Error())
			return
		}
		horizon = d
	}
	rep, err := expiryReport(a, horizon)
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	apikit.WriteJSON(w, rep)
}

// expiryMetrics are the Prometheus gauges of what expires within the
// configured horizon, judged again when the committed height changes (at
// most every few seconds) from the identities expiryFollower keeps.
type expiryMetrics struct {
	expiring, expired *prometheus.GaugeVec
	adminLeft         *prometheus.GaugeVec
}

var (
	expiryOnce sync.Once
	theExpiry  *expiryMetrics
)

func registerExpiryMetrics() *expiryMetrics {
	expiryOnce.Do(func() {
		m := &expiryMetrics{
			expiring: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "govchain", Name: "expiring",
				Help: "Certificates, CAs and keys expiring (or retiring after a rotation) within the expiry horizon and not yet expired, by kind (cert|ca|key|admin)."}, []string{"kind"}),
			expired: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "govchain", Name: "expired",
				Help: "Certificates and CAs of active identities that have expired, by kind; kind admin counts departments locked out (every admin key's certificate expired)."}, []string{"kind"}),
			adminLeft: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "govchain", Name: "dept_admin_expiry_seconds",
				Help: "Seconds of block time until a department whose every admin key is certificate-bound loses its last one (negative: locked out); only departments within the horizon."}, []string{"dept"}),
		}
		for _, c := range []prometheus.Collector{m.expiring, m.expired, m.adminLeft} {
			_ = prometheus.DefaultRegisterer.Register(c)
		}
		theExpiry = m
	})
	return theExpiry
}

func (m *expiryMetrics) set(rep *identity.ExpiryReport, now time.Time) {
	counts := map[string][2]float64{}
	for _, k := range []string{identity.ExpiryCert, identity.ExpiryCA, identity.ExpiryKey, identity.ExpiryAdmin} {
		counts[k] = [2]float64{}
	}
	m.adminLeft.Reset()
	for _, w := range rep.Warnings {
		c := counts[w.Kind]
		if w.Expired {
			c[1]++
		} else {
			c[0]++
		}
		counts[w.Kind] = c
		if w.Kind == identity.ExpiryAdmin {
			left := float64(w.NotAfter - now.Unix())
			if w.Expired {
				left = -1
			}
			m.adminLeft.WithLabelValues(w.Dept).Set(left)
		}
	}
	for k, c := range counts {
		m.expiring.WithLabelValues(k).Set(c[0])
		m.expired.WithLabelValues(k).Set(c[1])
	}
}

// watchExpiry keeps the gauges current and logs each new warning once.
// It follows the identities through each block's writes (expiryFollower)
// and judges them again at each new block's time.
func (a *API) watchExpiry(stop <-chan struct{}, logger cmtlog.Logger) {
	m := registerExpiryMetrics()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var last int64 = -1
	var f expiryFollower
	logged := map[string]bool{}
	for {
		if v, _ := a.App.Store().LastCommit(); v != last && v > 0 {
			horizon := a.ExpiryHorizon
			if horizon == 0 {
				horizon = DefaultExpiryHorizon
			}
			if view, err := a.View(0); err == nil && f.update(a.App.Store(), view) == nil {
				last = view.Version()
				bts, now := a.BlockTime(view)
				rep := newExpiryReport(last, bts, horizon, f.idx.Expiring(now, horizon))
				m.set(rep, now)
				for _, w := range rep.Warnings {
					k := w.Kind + "/" + w.ID + "/" + strconv.FormatBool(w.Expired)
					if !logged[k] {
						logged[k] = true
						logger.Error("expiry warning", "kind", w.Kind, "dept", w.Dept, "id", w.ID, "msg", w.Message)
					}
				}
			}
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
