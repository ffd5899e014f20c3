package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov/govtypes"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
	"github.com/govchain/govchain/node/client"
)

// Indexed lists the event attributes govchain's modules emit (CometBFT
// indexes every one of them): the "tx" event of every successful tx and
// each module's own events (a moved module declares them in its …types
// package). Search chooses among them.
var Indexed = withModules(map[string][]string{
	// every tx
	"tx": {"type", "signer", "dept"},
	// chain/identity
	"identity.registered":    {"key_id", "dept"},
	"identity.status":        {"key_id", "status"},
	"identity.ca_registered": {"ca", "dept"},
	"identity.cert_admitted": {"key_id", "dept", "serial"},
	"identity.cert_revoked":  {"ca", "serial", "key_id"},
}, certtypes.EventAttrs,
	catalogtypes.EventAttrs,
	credittypes.EventAttrs,
	rectypes.EventAttrs,
	govtypes.EventAttrs,
	upgrade.EventAttrs, // the app's block event at an upgrade plan's height
)

// withModules adds the modules' declared events to the others.
func withModules(m map[string][]string, modules ...map[string][]string) map[string][]string {
	for _, mod := range modules {
		maps.Copy(m, mod)
	}
	return m
}

// Where each kind of identifier can appear.
var (
	recordAttrs = []string{
		"identity.registered.key_id", "identity.status.key_id", "identity.cert_admitted.key_id", "identity.cert_revoked.key_id",
		"identity.ca_registered.ca",
		govtypes.Attr(govtypes.EventProposed, "id"), govtypes.Attr(govtypes.EventVoted, "id"), govtypes.Attr(govtypes.EventExecuted, "id"), govtypes.Attr(govtypes.EventFailed, "id"),
		certtypes.Attr(certtypes.EventAnchored, "hash"), certtypes.Attr(certtypes.EventStatus, "hash"),
		certtypes.Attr(certtypes.EventReissued, "old"), certtypes.Attr(certtypes.EventReissued, "new"),
		certtypes.Attr(certtypes.EventBatchAnchored, "root"), certtypes.Attr(certtypes.EventTypeDefined, "code"),
		catalogtypes.Attr(catalogtypes.EventDuty, "id"), catalogtypes.Attr(catalogtypes.EventTable, "id"),
		catalogtypes.Attr(catalogtypes.EventShare, "id"), catalogtypes.Attr(catalogtypes.EventDelivery, "id"),
		catalogtypes.Attr(catalogtypes.EventDelivery, "share"), catalogtypes.Attr(catalogtypes.EventAttest, "id"),
		catalogtypes.Attr(catalogtypes.EventResolved, "id"), catalogtypes.Attr(catalogtypes.EventResource, "code"),
		catalogtypes.Attr(catalogtypes.EventItemOwner, "key"), catalogtypes.Attr(catalogtypes.EventItemTransferred, "key"),
		credittypes.Attr(credittypes.EventRecorded, "id"), credittypes.Attr(credittypes.EventRepaired, "id"),
		credittypes.Attr(credittypes.EventRepaired, "repair"),
	}
	certAttrs = []string{certtypes.Attr(certtypes.EventAnchored, "hash"), certtypes.Attr(certtypes.EventStatus, "hash"),
		certtypes.Attr(certtypes.EventReissued, "old"), certtypes.Attr(certtypes.EventReissued, "new")}
	resourceAttrs = []string{catalogtypes.Attr(catalogtypes.EventResource, "code"), catalogtypes.Attr(catalogtypes.EventShare, "resource")}
	usccAttrs     = []string{credittypes.Attr(credittypes.EventRecorded, "subject_ref"), credittypes.Attr(credittypes.EventRepaired, "subject_ref")}
)

// Query is a search. Conditions combine with AND; an identifier (record,
// certificate, USCC, resource) matches any of the event attributes it can
// appear in (OR).
type Query struct {
	Dept     string    `json:"dept,omitempty"`
	Type     string    `json:"type,omitempty"`
	Signer   string    `json:"signer,omitempty"`
	Record   string    `json:"record,omitempty"`
	Cert     string    `json:"cert,omitempty"`
	USCC     string    `json:"uscc,omitempty"`
	Resource string    `json:"resource,omitempty"`
	From     int64     `json:"from_height,omitempty"`
	To       int64     `json:"to_height,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Until    time.Time `json:"until,omitzero"`
	Raw      string    `json:"raw,omitempty"`
	Page     int       `json:"page"`
	PerPage  int       `json:"per_page"`
	Desc     bool      `json:"desc"`
}

// SearchResult is a page of matching txs.
type SearchResult struct {
	Query   Query    `json:"query"`
	Queries []string `json:"cometbft_queries"`
	Total   int      `json:"total"`
	Page    int      `json:"page"`
	PerPage int      `json:"per_page"`
	Pages   int      `json:"pages"`
	Txs     []TxRow  `json:"txs"`
	// Certificates found for a USCC (holder listing), whose events were
	// searched too.
	Certificates []string `json:"certificates,omitempty"`
	Note         string   `json:"note,omitempty"`
}

// maxUnion caps the txs collected per alternative of an OR search.
const maxUnion = 10_000

func quote(v string) (string, error) {
	if v == "" || strings.ContainsAny(v, "'\n\r") || len(v) > 256 {
		return "", fmt.Errorf("search value %q: must be 1-256 characters without quotes", v)
	}
	return "'" + v + "'", nil
}

// Build returns the CometBFT queries the search runs (their results are
// united), and the certificates found for a USCC.
func (e *Explorer) Build(ctx context.Context, q *Query) ([]string, []string, error) {
	var common []string
	add := func(key, v string) error {
		s, err := quote(v)
		if err != nil {
			return err
		}
		common = append(common, key+"="+s)
		return nil
	}
	if q.Dept != "" {
		if err := add("tx.dept", q.Dept); err != nil {
			return nil, nil, err
		}
	}
	if q.Type != "" {
		if err := add("tx.type", q.Type); err != nil {
			return nil, nil, err
		}
	}
	if q.Signer != "" {
		if err := add("tx.signer", strings.ToLower(q.Signer)); err != nil {
			return nil, nil, err
		}
	}
	from, to := q.From, q.To
	if !q.Since.IsZero() {
		h, ok, err := e.HeightAtTime(ctx, q.Since, true)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, fmt.Errorf("no block at or after %s", q.Since.Format(time.RFC3339))
		}
		from = max(from, h)
	}
	if !q.Until.IsZero() {
		h, ok, err := e.HeightAtTime(ctx, q.Until, false)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, fmt.Errorf("no block at or before %s", q.Until.Format(time.RFC3339))
		}
		if to == 0 || h < to {
			to = h
		}
	}
	if from > 0 {
		common = append(common, "tx.height>="+strconv.FormatInt(from, 10))
	}
	if to > 0 {
		common = append(common, "tx.height<="+strconv.FormatInt(to, 10))
	}
	if q.Raw != "" {
		common = append(common, q.Raw)
	}
	// Alternatives for the identifier conditions; at most one kind at a time.
	var alts []string
	var certs []string
	kinds := 0
	for _, v := range []string{q.Record, q.Cert, q.USCC, q.Resource} {
		if v != "" {
			kinds++
		}
	}
	if kinds > 1 {
		return nil, nil, fmt.Errorf("give one of --record, --cert, --uscc, --resource at a time")
	}
	altOn := func(keys []string, v string) error {
		s, err := quote(v)
		if err != nil {
			return err
		}
		for _, k := range keys {
			alts = append(alts, k+"="+s)
		}
		return nil
	}
	switch {
	case q.Record != "":
		if err := altOn(recordAttrs, q.Record); err != nil {
			return nil, nil, err
		}
		if lc := strings.ToLower(q.Record); lc != q.Record {
			if err := altOn(recordAttrs, lc); err != nil {
				return nil, nil, err
			}
		}
	case q.Cert != "":
		if err := altOn(certAttrs, strings.ToLower(q.Cert)); err != nil {
			return nil, nil, err
		}
	case q.Resource != "":
		if err := altOn(resourceAttrs, q.Resource); err != nil {
			return nil, nil, err
		}
	case q.USCC != "":
		uscc := strings.ToUpper(q.USCC)
		if err := identifier.ValidateUSCC(uscc); err != nil {
			return nil, nil, fmt.Errorf("--uscc: %w", err)
		}
		if err := altOn(usccAttrs, uscc); err != nil {
			return nil, nil, err
		}
		// Certificates held by the organisation (its USCC is the holder
		// reference), then their events.
		for cursor := ""; ; {
			l, err := e.API.Certificates(ctx, certtypes.Filter{Holder: uscc}, client.Page{Limit: client.MaxPageLimit, Cursor: cursor})
			if err != nil {
				return nil, nil, fmt.Errorf("certificates of %s: %w", uscc, err)
			}
			for _, it := range l.Items {
				if it.Kind == "certificate" {
					certs = append(certs, it.ID)
				}
			}
			if l.NextCursor == "" || l.NextCursor == cursor {
				break
			}
			cursor = l.NextCursor
		}
		for _, c := range certs {
			if err := altOn(certAttrs, c); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(common) == 0 && len(alts) == 0 {
		return nil, nil, fmt.Errorf("give at least one condition (--dept, --type, --signer, --record, --cert, --uscc, --resource, --from/--to, --since/--until or --query)")
	}
	if len(alts) == 0 {
		return []string{strings.Join(common, " AND ")}, certs, nil
	}
	var out []string
	for _, a := range alts {
		out = append(out, strings.Join(append(append([]string{}, common...), a), " AND "))
	}
	return out, certs, nil
}

// Search runs q: one CometBFT tx_search, paged by the node, or for an
// identifier several searches united here (deduplicated by tx hash,
// ordered by height and index, then paged).
func (e *Explorer) Search(ctx context.Context, q Query) (*SearchResult, error) {
	if q.PerPage <= 0 {
		q.PerPage = 30
	}
	if q.PerPage > 100 {
		q.PerPage = 100
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	order := "asc"
	if q.Desc {
		order = "desc"
	}
	queries, certs, err := e.Build(ctx, &q)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Query: q, Queries: queries, Page: q.Page, PerPage: q.PerPage, Txs: []TxRow{}, Certificates: certs}
	if len(queries) == 1 {
		page, per := q.Page, q.PerPage
		r, err := e.RPC.TxSearch(ctx, queries[0], false, &page, &per, order)
		if err != nil {
			if strings.Contains(err.Error(), "page should be within") {
				res.Total, res.Pages = e.total(ctx, queries[0]), 0
				res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
				return res, nil
			}
			return nil, fmt.Errorf("tx_search %q: %w", queries[0], err)
		}
		res.Total = r.TotalCount
		for _, t := range r.Txs {
			res.Txs = append(res.Txs, txRow(t.Height, t.Index, t.Tx, &t.TxResult))
		}
	} else {
		seen := map[string]bool{}
		var all []*ctypes.ResultTx
		for _, qs := range queries {
			for page := 1; ; page++ {
				per := 100
				r, err := e.RPC.TxSearch(ctx, qs, false, &page, &per, "asc")
				if err != nil {
					if strings.Contains(err.Error(), "page should be within") {
						break
					}
					return nil, fmt.Errorf("tx_search %q: %w", qs, err)
				}
				for _, t := range r.Txs {
					k := t.Hash.String()
					if !seen[k] {
						seen[k] = true
						all = append(all, t)
					}
				}
				if page*per >= r.TotalCount || page*per >= maxUnion {
					if r.TotalCount > maxUnion {
						res.Note = fmt.Sprintf("more than %d txs match %q; only the first %d are shown", maxUnion, qs, maxUnion)
					}
					break
				}
			}
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].Height != all[j].Height {
				return all[i].Height < all[j].Height
			}
			return all[i].Index < all[j].Index
		})
		if q.Desc {
			for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
				all[i], all[j] = all[j], all[i]
			}
		}
		res.Total = len(all)
		lo := (q.Page - 1) * q.PerPage
		for i := lo; i < len(all) && i < lo+q.PerPage; i++ {
			t := all[i]
			res.Txs = append(res.Txs, txRow(t.Height, t.Index, t.Tx, &t.TxResult))
		}
	}
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	// CometBFT orders by height only; order each page by height and index.
	sort.SliceStable(res.Txs, func(i, j int) bool {
		a, b := res.Txs[i], res.Txs[j]
		if a.Height != b.Height {
			return (a.Height < b.Height) != q.Desc
		}
		return (a.Index < b.Index) != q.Desc
	})
	for i := range res.Txs {
		if h, err := e.Header(ctx, res.Txs[i].Height); err == nil {
			res.Txs[i].Time = h.Time.UTC().Format(time.RFC3339)
		}
	}
	return res, nil
}

func (e *Explorer) total(ctx context.Context, q string) int {
	n, _ := e.countTxs(ctx, q)
	return n
}

// ---------------------------------------------------------------- dept

// DeptActivity is `explore dept CODE`.
type DeptActivity struct {
	Code       string          `json:"code"`
	Department json.RawMessage `json:"department"`
	Height     int64           `json:"height"`
	Grants     []string        `json:"grants"`
	Identities []DeptIdentity  `json:"identities"`
	Txs        int             `json:"txs"`
	ByType     []TypeCount     `json:"by_type"`
	Scanned    int             `json:"scanned"`
	Recent     []TxRow         `json:"recent"`
	Counts     map[string]int  `json:"event_counts"`
	Validator  string          `json:"validator,omitempty"`
	// Evidence lists the misbehaviour of its validator the chain recorded
	// (each a record under id/evidence/, provable with explore record).
	Evidence []DeptEvidence `json:"evidence"`
	Note     string         `json:"note,omitempty"`
}

// DeptEvidence is one evidence record of the department's validator.
type DeptEvidence struct {
	Key string `json:"key"`
	identity.Evidence
}

// DeptIdentity is one SM2 identity of the department.
type DeptIdentity struct {
	KeyID  string   `json:"key_id"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Status string   `json:"status"`
	Cert   bool     `json:"certificate"`
}

// TypeCount counts txs of one type.
type TypeCount struct {
	Type string `json:"type"`
	Txs  int    `json:"txs"`
}
