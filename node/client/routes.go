package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// One method per route of the API (node/openapi.json; TestEveryRouteHasAMethod
// keeps the two lists in step). Path parameters are escaped here, so
// callers pass identifiers as they are.

// At is the state version a read is answered from and whether the answer
// carries ICS23 proofs: Height 0 is the latest; with Prove every value
// comes with its proof against the app hash of that height.
type At struct {
	Height int64
	Prove  bool
}

func (a At) set(q url.Values) url.Values {
	if a.Height > 0 {
		q.Set("height", strconv.FormatInt(a.Height, 10))
	}
	if a.Prove {
		q.Set("prove", "true")
	}
	return q
}

// Page selects one page of a list route: by cursor when Limit or Cursor is
// set (at most Limit items after Cursor, the NextCursor of the page
// before), else page Number (from 1) of the route's fixed page size, on
// the routes that still take ?page=.
type Page struct {
	Number int
	Limit  int
	Cursor string
}

func (p Page) set(q url.Values) url.Values {
	if p.Limit == 0 && p.Cursor == "" {
		if p.Number > 0 {
			q.Set("page", strconv.Itoa(p.Number))
		}
		return q
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

// get fetches path with query q into out.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.do(ctx, "GET", path, nil, out)
}

// Status is GET /v1/status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	return &s, c.get(ctx, "/v1/status", nil, &s)
}

// Expiry is GET /v1/expiry: certificates, CAs and keys that expire within
// horizon ("30d", "72h"; "" for the node's configured horizon), and
// departments about to lose every admin key.
func (c *Client) Expiry(ctx context.Context, horizon string) (*ExpiryReport, error) {
	var q url.Values
	if horizon != "" {
		q = url.Values{"horizon": {horizon}}
	}
	var r ExpiryReport
	return &r, c.get(ctx, "/v1/expiry", q, &r)
}

// Submit is POST /v1/txs: it sends raw tx bytes; wait is "sync" or
// "commit". A rejected tx is an answer (its Code), not an error.
func (c *Client) Submit(ctx context.Context, raw []byte, wait string) (*SubmitResult, error) {
	var r SubmitResult
	path := "/v1/txs"
	if wait != "" {
		path += "?wait=" + url.QueryEscape(wait)
	}
	return &r, c.do(ctx, "POST", path, SubmitRequest{Tx: raw}, &r)
}

// Tx is GET /v1/txs/{hash}.
func (c *Client) Tx(ctx context.Context, hash string) (*TxInfo, error) {
	var r TxInfo
	return &r, c.get(ctx, "/v1/txs/"+url.PathEscape(hash), nil, &r)
}

// TxRaw is GET /v1/txs/{hash}/raw: the tx's exact bytes and their parts.
func (c *Client) TxRaw(ctx context.Context, hash string) (*TxRaw, error) {
	var r TxRaw
	return &r, c.get(ctx, "/v1/txs/"+url.PathEscape(hash)+"/raw", nil, &r)
}

// State is GET /v1/state: key at height (0 = latest), with its proof when
// prove is set.
func (c *Client) State(ctx context.Context, key string, height int64, prove bool) (*StateResult, error) {
	var r StateResult
	return &r, c.get(ctx, "/v1/state", At{height, prove}.set(url.Values{"key": {key}}), &r)
}

// Account is GET /v1/accounts/{key_id}.
func (c *Client) Account(ctx context.Context, id smcrypto.KeyID) (*AccountResult, error) {
	var r AccountResult
	return &r, c.get(ctx, "/v1/accounts/"+id.String(), nil, &r)
}

// DepartmentsPage is GET /v1/departments: one page of at most limit
// departments (0 = the node's default) after cursor.
func (c *Client) DepartmentsPage(ctx context.Context, limit int, cursor string) (*DepartmentList, error) {
	var r DepartmentList
	return &r, c.get(ctx, "/v1/departments", Page{Limit: limit, Cursor: cursor}.set(url.Values{}), &r)
}

// Departments lists every department, following the pages of
// GET /v1/departments.
func (c *Client) Departments(ctx context.Context) (*DepartmentList, error) {
	var all *DepartmentList
	cursor := ""
	for {
		r, err := c.DepartmentsPage(ctx, MaxPageLimit, cursor)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = r
		} else {
			all.Departments = append(all.Departments, r.Departments...)
		}
		if r.NextCursor == "" || r.NextCursor == cursor {
			all.NextCursor = ""
			return all, nil
		}
		cursor = r.NextCursor
	}
}

// Messages is GET /v1/messages: the message types the chain accepts.
func (c *Client) Messages(ctx context.Context) ([]MessageInfo, error) {
	var r []MessageInfo
	return r, c.get(ctx, "/v1/messages", nil, &r)
}

// List is GET /v1/list: one page of the state keys under prefix, at the
// latest height (startAfter "" = from the start, limit 0 = the node's
// default).
func (c *Client) List(ctx context.Context, prefix, startAfter string, limit int) (*ListResult, error) {
	return c.ListAt(ctx, prefix, startAfter, limit, 0)
}

// ListAt is List at height (0 = latest).
func (c *Client) ListAt(ctx context.Context, prefix, startAfter string, limit int, height int64) (*ListResult, error) {
	q := At{Height: height}.set(url.Values{"prefix": {prefix}})
	if startAfter != "" {
		q.Set("start_after", startAfter)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var r ListResult
	return &r, c.get(ctx, "/v1/list", q, &r)
}

// ListAll follows List's pages to the end.
func (c *Client) ListAll(ctx context.Context, prefix string) ([]ListEntry, error) {
	var out []ListEntry
	after := ""
	for {
		r, err := c.List(ctx, prefix, after, MaxPageLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Entries...)
		if r.Next == "" {
			return out, nil
		}
		after = r.Next
	}
}

// Certificates is GET /v1/certificates: certificates and batches matching
// f, newest first, one page.
func (c *Client) Certificates(ctx context.Context, f certtypes.Filter, p Page) (*CertificateList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"issuer": f.Issuer, "type": f.Type, "holder": f.Holder} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var r CertificateList
	return &r, c.get(ctx, "/v1/certificates", p.set(q), &r)
}

// Certificate is GET /v1/certificates/{hash}; batchRoot, when the
// certificate is a member of a batch, adds the batch record. Check an
// answer with proofs with its Verify.
func (c *Client) Certificate(ctx context.Context, hash, batchRoot string, at At) (*CertificateResult, error) {
	q := at.set(url.Values{})
	if batchRoot != "" {
		q.Set("batch", batchRoot)
	}
	var r CertificateResult
	return &r, c.get(ctx, "/v1/certificates/"+url.PathEscape(hash), q, &r)
}

// CreditSubject is GET /v1/credit/subjects/{ref}: one page of a subject's
// profile; CreditProfile joins the pages.
func (c *Client) CreditSubject(ctx context.Context, ref string, at At, p Page) (*CreditProfileResult, error) {
	var r CreditProfileResult
	return &r, c.get(ctx, "/v1/credit/subjects/"+url.PathEscape(ref), p.set(at.set(url.Values{})), &r)
}

// CreditProfile reads a subject's profile (with proofs when prove is
// set) at height (0 = latest), joining the pages of its events, all at the
// first page's height.
func (c *Client) CreditProfile(ctx context.Context, ref string, height int64, prove bool) (*CreditProfileResult, error) {
	var all *CreditProfileResult
	cursor := ""
	for {
		if all != nil {
			height = all.Height
		}
		r, err := c.CreditSubject(ctx, ref, At{height, prove}, Page{Limit: MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = r
		} else if err := all.Join(r); err != nil {
			return nil, err
		}
		if r.NextCursor == "" || r.NextCursor == cursor {
			return all, nil
		}
		cursor = r.NextCursor
	}
}

// CreditEvent is GET /v1/credit/events/{id}.
func (c *Client) CreditEvent(ctx context.Context, id string, at At) (*CreditEventResult, error) {
	var r CreditEventResult
	return &r, c.get(ctx, "/v1/credit/events/"+url.PathEscape(id), at.set(url.Values{}), &r)
}

// CreditList is GET /v1/credit/blacklist or /v1/credit/redlist (list is
// credittypes.KindBlacklist or KindRedlist): the active list at a height.
func (c *Client) CreditList(ctx context.Context, list string, at At, p Page) (*CreditListResult, error) {
	var r CreditListResult
	return &r, c.get(ctx, "/v1/credit/"+url.PathEscape(list), p.set(at.set(url.Values{})), &r)
}

// CreditDeptEvents is GET /v1/credit/departments/{dept}/events: the events
// dept recorded, newest first, optionally of one kind.
func (c *Client) CreditDeptEvents(ctx context.Context, dept, kind string, height int64, p Page) (*CreditDeptList, error) {
	q := At{Height: height}.set(url.Values{})
	if kind != "" {
		q.Set("kind", kind)
	}
	var r CreditDeptList
	return &r, c.get(ctx, "/v1/credit/departments/"+url.PathEscape(dept)+"/events", p.set(q), &r)
}

// CreditGrade is GET /v1/credit/subjects/{ref}/grade: a subject's score,
// class and explanation at a height under the rule version in force then
// (rulesVersion 0) or the version asked for; check an answer with proofs
// with its Verify, which recomputes the grade.
func (c *Client) CreditGrade(ctx context.Context, ref string, rulesVersion int64, at At) (*CreditGradeResult, error) {
	q := at.set(url.Values{})
	if rulesVersion > 0 {
		q.Set("rules_version", strconv.FormatInt(rulesVersion, 10))
	}
	var r CreditGradeResult
	return &r, c.get(ctx, "/v1/credit/subjects/"+url.PathEscape(ref)+"/grade", q, &r)
}

// CreditGrades is GET /v1/credit/grades: subjects graded at a height,
// optionally of one class ("A".."D"); follow NextCursor for the rest.
func (c *Client) CreditGrades(ctx context.Context, class string, at At, p Page) (*CreditGradesResult, error) {
	q := at.set(url.Values{})
	if class != "" {
		q.Set("class", class)
	}
	var r CreditGradesResult
	return &r, c.get(ctx, "/v1/credit/grades", p.set(q), &r)
}

// CreditRules is GET /v1/credit/rules: the scoring model in force at a
// height (version 0) or one version.
func (c *Client) CreditRules(ctx context.Context, version int64, at At) (*CreditRulesResult, error) {
	q := at.set(url.Values{})
	if version > 0 {
		q.Set("version", strconv.FormatInt(version, 10))
	}
	var r CreditRulesResult
	return &r, c.get(ctx, "/v1/credit/rules", q, &r)
}

// CreditAlerts is GET /v1/credit/alerts: risk alerts newest first, only
// those for subjects dept watched when dept is set.
func (c *Client) CreditAlerts(ctx context.Context, dept string, at At, p Page) (*CreditAlertsResult, error) {
	q := at.set(url.Values{})
	if dept != "" {
		q.Set("dept", dept)
	}
	var r CreditAlertsResult
	return &r, c.get(ctx, "/v1/credit/alerts", p.set(q), &r)
}

// CreditWatch is GET /v1/credit/departments/{dept}/watch: a department's
// watch list.
func (c *Client) CreditWatch(ctx context.Context, dept string, height int64) (*CreditWatchList, error) {
	var r CreditWatchList
	return &r, c.get(ctx, "/v1/credit/departments/"+url.PathEscape(dept)+"/watch", At{Height: height}.set(url.Values{}), &r)
}

// Recognition is GET /v1/recognition/{hash}: the recognition of a
// partner's certificate; check an answer with proofs with its Verify.
func (c *Client) Recognition(ctx context.Context, hash string, at At) (*RecognitionResult, error) {
	var r RecognitionResult
	return &r, c.get(ctx, "/v1/recognition/"+url.PathEscape(hash), at.set(url.Values{}), &r)
}

// VerifyOptions are the parameters of the bundle routes.
type VerifyOptions struct {
	Height        int64  // state version (0 = the latest the node can prove)
	TrustedHeight int64  // header the verifier already trusts (0 = none)
	Batch         string // batch root of a batch member
	Compact       bool   // leave out SM2 signatures and department records
}

func (o VerifyOptions) query() url.Values {
	q := url.Values{}
	if o.Height > 0 {
		q.Set("height", strconv.FormatInt(o.Height, 10))
	}
	if o.TrustedHeight > 0 {
		q.Set("trusted_height", strconv.FormatInt(o.TrustedHeight, 10))
	}
	if o.Batch != "" {
		q.Set("batch", o.Batch)
	}
	if o.Compact {
		q.Set("compact", "true")
	}
	return q
}

// The verify routes answer in chain/proof/bundle's encoding. A bundle
// is accepted only in its canonical form (bundle.Decode): an altered one is
// a *bundle.Error at bundle.StepDecode, which a verifier reports as a
// failed verification rather than as a network error.

// VerifyBundle is GET /v1/verify/bundle/{hash}: everything needed to
// verify one certificate offline.
func (c *Client) VerifyBundle(ctx context.Context, hash string, o VerifyOptions) (*bundle.Bundle, error) {
	return c.getBundle(ctx, "/v1/verify/bundle/"+url.PathEscape(hash), o.query())
}

// VerifyPrefix is GET /v1/verify/prefix/{hexprefix}: the private lookup of
// every certificate whose hash starts with hexPrefix.
func (c *Client) VerifyPrefix(ctx context.Context, hexPrefix string, o VerifyOptions) (*bundle.Bundle, error) {
	return c.getBundle(ctx, "/v1/verify/prefix/"+url.PathEscape(hexPrefix), o.query())
}

func (c *Client) getBundle(ctx context.Context, path string, q url.Values) (*bundle.Bundle, error) {
	var raw json.RawMessage
	if err := c.get(ctx, path, q, &raw); err != nil {
		return nil, err
	}
	b, err := bundle.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s answer: %w", path, err)
	}
	return b, nil
}

// VerifyTrust is GET /v1/verify/trust: the node's header at height (0 =
// the latest it can prove) as a trust root for trustingPeriod (0 = the
// node's default). It is that node's word only, and not checked here
// (TrustRoot.Check): compare several.
func (c *Client) VerifyTrust(ctx context.Context, height int64, trustingPeriod time.Duration) (*bundle.TrustRoot, error) {
	q := url.Values{}
	if height != 0 {
		q.Set("height", strconv.FormatInt(height, 10)) // a negative one is the node's to refuse
	}
	if trustingPeriod > 0 {
		q.Set("trusting_period", trustingPeriod.String())
	}
	var t bundle.TrustRoot
	return &t, c.get(ctx, "/v1/verify/trust", q, &t)
}

// VerifyPeers is GET /v1/verify/peers.
func (c *Client) VerifyPeers(ctx context.Context) (*VerifyPeers, error) {
	var r VerifyPeers
	return &r, c.get(ctx, "/v1/verify/peers", nil, &r)
}

// OpenAPI is GET /openapi.json, the API's description.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.get(ctx, "/openapi.json", nil, &raw)
}

// ---- /v1/catalog: every answer is a CatalogPage; lists come in pages ----

func catalogGet[T any](ctx context.Context, c *Client, path string, q url.Values) (*CatalogPage[T], error) {
	var r CatalogPage[T]
	return &r, c.get(ctx, path, q, &r)
}

// CatalogDepartment is GET /v1/catalog/departments/{dept}.
func (c *Client) CatalogDepartment(ctx context.Context, dept string, at At, p Page) (*CatalogPage[catalogtypes.Department], error) {
	return catalogGet[catalogtypes.Department](ctx, c, "/v1/catalog/departments/"+url.PathEscape(dept), p.set(at.set(url.Values{})))
}

// CatalogDuty is GET /v1/catalog/duties/{id} (id DEPT:CODE).
func (c *Client) CatalogDuty(ctx context.Context, id string, at At) (*CatalogPage[catalogtypes.Entry], error) {
	return catalogGet[catalogtypes.Entry](ctx, c, "/v1/catalog/duties/"+url.PathEscape(id), at.set(url.Values{}))
}

// CatalogResource is GET /v1/catalog/resources/{code}.
func (c *Client) CatalogResource(ctx context.Context, code string, at At, p Page) (*CatalogPage[catalogtypes.ResourceView], error) {
	return catalogGet[catalogtypes.ResourceView](ctx, c, "/v1/catalog/resources/"+url.PathEscape(code), p.set(at.set(url.Values{})))
}

// CatalogTable is GET /v1/catalog/tables/{id} (id DEPT:system.database.table).
func (c *Client) CatalogTable(ctx context.Context, id string, at At) (*CatalogPage[catalogtypes.Entry], error) {
	return catalogGet[catalogtypes.Entry](ctx, c, "/v1/catalog/tables/"+url.PathEscape(id), at.set(url.Values{}))
}

// CatalogItem is GET /v1/catalog/items/{key}.
func (c *Client) CatalogItem(ctx context.Context, key string, at At) (*CatalogPage[catalogtypes.Entry], error) {
	return catalogGet[catalogtypes.Entry](ctx, c, "/v1/catalog/items/"+url.PathEscape(key), at.set(url.Values{}))
}

// CatalogItemChain is GET /v1/catalog/items/{key}/chain.
func (c *Client) CatalogItemChain(ctx context.Context, key string, at At, p Page) (*CatalogPage[catalogtypes.ItemChain], error) {
	return catalogGet[catalogtypes.ItemChain](ctx, c, "/v1/catalog/items/"+url.PathEscape(key)+"/chain", p.set(at.set(url.Values{})))
}

// CatalogAttestation is GET /v1/catalog/attestations/{id}.
func (c *Client) CatalogAttestation(ctx context.Context, id string, at At) (*CatalogPage[catalogtypes.Entry], error) {
	return catalogGet[catalogtypes.Entry](ctx, c, "/v1/catalog/attestations/"+url.PathEscape(id), at.set(url.Values{}))
}

// CatalogDisputes is GET /v1/catalog/disputes: the open disputes.
func (c *Client) CatalogDisputes(ctx context.Context, at At, p Page) (*CatalogPage[[]catalogtypes.Entry], error) {
	return catalogGet[[]catalogtypes.Entry](ctx, c, "/v1/catalog/disputes", p.set(at.set(url.Values{})))
}

// CatalogSharing is GET /v1/catalog/sharing: sharing requests in state
// ("" = all) that dept ("" = any) made or received.
func (c *Client) CatalogSharing(ctx context.Context, state, dept string, at At, p Page) (*CatalogPage[[]catalogtypes.ShareEntry], error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if dept != "" {
		q.Set("dept", dept)
	}
	return catalogGet[[]catalogtypes.ShareEntry](ctx, c, "/v1/catalog/sharing", p.set(at.set(q)))
}

// CatalogShare is GET /v1/catalog/sharing/{id}: a request and its deliveries.
func (c *Client) CatalogShare(ctx context.Context, id string, at At, p Page) (*CatalogPage[catalogtypes.ShareView], error) {
	return catalogGet[catalogtypes.ShareView](ctx, c, "/v1/catalog/sharing/"+url.PathEscape(id), p.set(at.set(url.Values{})))
}

// CatalogDelivery is GET /v1/catalog/deliveries/{id}.
func (c *Client) CatalogDelivery(ctx context.Context, id string, at At) (*CatalogPage[catalogtypes.Entry], error) {
	return catalogGet[catalogtypes.Entry](ctx, c, "/v1/catalog/deliveries/"+url.PathEscape(id), at.set(url.Values{}))
}

// CatalogHistory is GET /v1/catalog/history/{kind}/{id}: every version of
// a record, oldest first.
func (c *Client) CatalogHistory(ctx context.Context, kind, id string, at At, p Page) (*CatalogPage[[]catalogtypes.Entry], error) {
	return catalogGet[[]catalogtypes.Entry](ctx, c, "/v1/catalog/history/"+url.PathEscape(kind)+"/"+url.PathEscape(id), p.set(at.set(url.Values{})))
}
