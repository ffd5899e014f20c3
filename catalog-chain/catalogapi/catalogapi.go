// Package catalogapi is the data catalog's HTTP routes: GET /v1/catalog/...
// (a department's catalog, a resource, a data item and its chain, tables,
// cross-checks, sharing requests, deliveries, history), each answer a
// catalogtypes.Answer one page at a time, with proofs on ?prove=true
// (clients check them with Answer.Verify). The node mounts Routes from its
// list (node/modules.go); the routes are documented in node/openapi.json.
package catalogapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/node/apikit"
)

// result is a catalog answer as the node writes it.
type result = catalogtypes.Answer[any]

type api struct{ n apikit.Node }

// pageParams reads ?limit= and ?cursor= as the catalog reader's page.
func pageParams(w http.ResponseWriter, r *http.Request) (*catalog.Page, bool) {
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return nil, false
	}
	return &catalog.Page{Limit: p.Limit, Cursor: p.Cursor}, true
}

// catalogReader opens the state at ?height= with proofs when ?prove=true.
func (a *api) catalogReader(w http.ResponseWriter, r *http.Request) (*catalog.Reader, *result, bool) {
	q := r.URL.Query()
	height, ok := apikit.HeightParam(w, q.Get("height"))
	if !ok {
		return nil, nil, false
	}
	view, err := a.n.View(height)
	if err != nil {
		apikit.QueryErr(w, err)
		return nil, nil, false
	}
	rd := &catalog.Reader{KV: view}
	res := &result{Height: view.Version()}
	if t := rd.BlockTime(); !t.IsZero() {
		res.BlockTime = catalog.FormatTime(t)
	}
	if apikit.ProveParam(r) {
		res.AppHash = view.Hash()
		rd.Prove = func(k []byte) (*proof.Proof, error) {
			val, ops, err := view.Prove(k)
			if err != nil {
				return nil, err
			}
			return &proof.Proof{Key: k, Value: val, Height: view.Version(), Ops: ops}, nil
		}
	}
	return rd, res, true
}

// catalogPage answers one page of a list.
func (a *api) catalogPage(w http.ResponseWriter, res *result, p *catalog.Page, data any, err error) {
	res.NextCursor = p.Next
	a.catalogAnswer(w, res, data, err)
}

func (a *api) catalogAnswer(w http.ResponseWriter, res *result, data any, err error) {
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Codespace == catalog.Name {
			apikit.WriteErr(w, http.StatusBadRequest, e.Codespace, e.Code, e.Error())
			return
		}
		apikit.WriteErr(w, http.StatusInternalServerError, "query", 500, err.Error())
		return
	}
	res.Data = data
	apikit.WriteJSON(w, res)
}

// validID: ids with a department prefix ("SCJG:SCJG-ZZ-001",
// "SCJG:qydjxt.scjg_djdb.t_qy_sldj").
func validDeptID(id string) bool {
	dept, rest, ok := strings.Cut(id, ":")
	return ok && identity.ValidDeptCode(dept) && rest != "" && len(id) <= 256 && !strings.ContainsAny(rest, "/ %?#")
}

func (a *api) catalogDepartment(w http.ResponseWriter, r *http.Request) {
	dept := r.PathValue("dept")
	if !identity.ValidDeptCode(dept) {
		apikit.BadParam(w, "dept must be a department code, e.g. SCJG")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	d, err := rd.DepartmentPage(dept, p)
	a.catalogPage(w, res, p, d, err)
}

func (a *api) catalogRecord(kind, param string, valid func(string) bool, hint string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue(param)
		if !valid(id) {
			apikit.BadParam(w, param+" "+hint)
			return
		}
		rd, res, ok := a.catalogReader(w, r)
		if !ok {
			return
		}
		e, err := rd.Record(kind, id)
		a.catalogAnswer(w, res, e, err)
	}
}

func (a *api) catalogResource(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !catalog.ValidCode(code) {
		apikit.BadParam(w, "code must be a resource code, e.g. 110108-SCJG-0001")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	v, err := rd.ResourcePage(code, p)
	a.catalogPage(w, res, p, v, err)
}

func (a *api) catalogItemChain(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !catalog.ValidItemKey(key) {
		apikit.BadParam(w, "key must be a data item key, e.g. 企业.统一社会信用代码")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	c, err := rd.ItemChainPage(key, p)
	a.catalogPage(w, res, p, c, err)
}

func (a *api) catalogDisputes(w http.ResponseWriter, r *http.Request) {
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	es, err := rd.OpenDisputesPage(p)
	a.catalogPage(w, res, p, es, err)
}

func (a *api) catalogSharing(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st, dept := q.Get("state"), q.Get("dept")
	if st != "" && !slices.Contains(catalog.ShareStates, st) {
		apikit.BadParam(w, "state must be one of "+strings.Join(catalog.ShareStates, ", "))
		return
	}
	if dept != "" && !identity.ValidDeptCode(dept) {
		apikit.BadParam(w, "dept must be a department code")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	list, err := rd.SharingPage(st, dept, p)
	a.catalogPage(w, res, p, list, err)
}

func (a *api) catalogShare(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !catalog.ValidCode(id) {
		apikit.BadParam(w, "id must be a sharing request id, e.g. SQ00000001")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	v, err := rd.SharePage(id, p)
	a.catalogPage(w, res, p, v, err)
}

func (a *api) catalogHistory(w http.ResponseWriter, r *http.Request) {
	kind, id := r.PathValue("kind"), r.PathValue("id")
	if !slices.Contains(catalog.Kinds, kind) {
		apikit.BadParam(w, "kind must be one of "+strings.Join(catalog.Kinds, ", "))
		return
	}
	if id == "" || len(id) > 256 || strings.ContainsAny(id, "/%?#") {
		apikit.BadParam(w, "id is required (at most 256 bytes, no / % ? #)")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	rd, res, ok := a.catalogReader(w, r)
	if !ok {
		return
	}
	h, err := rd.HistoryPage(kind, id, p)
	a.catalogPage(w, res, p, h, err)
}

// Routes are the module's routes, reading n.
func Routes(n apikit.Node) []apikit.Route {
	a := &api{n}
	return []apikit.Route{
		apikit.Get("/v1/catalog/departments/{dept}", a.catalogDepartment),
		apikit.Get("/v1/catalog/duties/{id}", a.catalogRecord(catalog.KindDuty, "id", validDeptID, "must be DEPT:DUTYCODE, e.g. SCJG:SCJG-ZZ-001")),
		apikit.Get("/v1/catalog/resources/{code}", a.catalogResource),
		apikit.Get("/v1/catalog/tables/{id}", a.catalogRecord(catalog.KindTable, "id", validDeptID, "must be DEPT:system.database.table")),
		apikit.Get("/v1/catalog/items/{key}", a.catalogRecord(catalog.KindItem, "key", catalog.ValidItemKey, "must be a data item key, e.g. 企业.统一社会信用代码")),
		apikit.Get("/v1/catalog/items/{key}/chain", a.catalogItemChain),
		apikit.Get("/v1/catalog/attestations/{id}", a.catalogRecord(catalog.KindAttestation, "id", catalog.ValidCode, "must be an attestation id, e.g. AT00000001")),
		apikit.Get("/v1/catalog/disputes", a.catalogDisputes),
		apikit.Get("/v1/catalog/sharing", a.catalogSharing),
		apikit.Get("/v1/catalog/sharing/{id}", a.catalogShare),
		apikit.Get("/v1/catalog/deliveries/{id}", a.catalogRecord(catalog.KindDelivery, "id", catalog.ValidCode, "must be a delivery id, e.g. DL00000001")),
		apikit.Get("/v1/catalog/history/{kind}/{id}", a.catalogHistory),
	}
}
