package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

// deptEvents are the per-department event counts `explore dept` shows.
var deptEvents = []struct{ Label, Key string }{
	{"identities registered", "identity.registered.dept"},
	{"certificates anchored", certtypes.Attr(certtypes.EventAnchored, "issuer")},
	{"certificate batches anchored", certtypes.Attr(certtypes.EventBatchAnchored, "issuer")},
	{"certificate status changes", certtypes.Attr(certtypes.EventStatus, "issuer")},
	{"proposals opened", govtypes.Attr(govtypes.EventProposed, "proposer")},
	{"votes cast", govtypes.Attr(govtypes.EventVoted, "dept")},
	{"catalog resources published", catalogtypes.Attr(catalogtypes.EventResource, "provider")},
	{"data shares requested", catalogtypes.Attr(catalogtypes.EventShare, "requester")},
	{"data shares provided", catalogtypes.Attr(catalogtypes.EventShare, "provider")},
	{"credit events recorded", credittypes.Attr(credittypes.EventRecorded, "dept")},
}

// Dept gathers a department's record, grants, identities and activity.
// scan caps how many of its txs are read to count them by type (the total
// is exact either way); recent is the number of newest txs listed.
func (e *Explorer) Dept(ctx context.Context, code string, scan, recent int) (*DeptActivity, error) {
	code = strings.ToUpper(code)
	if !identity.ValidDeptCode(code) {
		return nil, fmt.Errorf("department code %q is malformed", code)
	}
	r, err := e.API.State(ctx, string(identity.DeptKey(code)), 0, false)
	if err != nil {
		return nil, err
	}
	if !r.Found {
		return nil, fmt.Errorf("department %s: %w at height %d", code, ErrNotFound, r.Height)
	}
	d := &DeptActivity{Code: code, Department: json.RawMessage(r.Value), Height: r.Height, Grants: []string{}, Identities: []DeptIdentity{},
		ByType: []TypeCount{}, Recent: []TxRow{}, Counts: map[string]int{}}
	var dept identity.Department
	d.Evidence = []DeptEvidence{}
	if json.Unmarshal(r.Value, &dept) == nil && dept.Validator != nil && len(dept.Validator.PubKey) == ed25519.PubKeySize {
		addr := ed25519.PubKey(dept.Validator.PubKey).Address().String()
		d.Validator = fmt.Sprintf("%s power %d", addr, dept.Validator.Power)
		evs, err := e.API.ListAll(ctx, string(identity.EvidencePrefix(addr)))
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			de := DeptEvidence{Key: ev.Key}
			if json.Unmarshal(ev.Value, &de.Evidence) == nil {
				d.Evidence = append(d.Evidence, de)
			}
		}
	}
	grants, err := e.API.ListAll(ctx, "id/grant/"+code+"/")
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		d.Grants = append(d.Grants, strings.TrimPrefix(g.Key, "id/grant/"+code+"/"))
	}
	accts, err := e.API.ListAll(ctx, "id/acct/")
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		var acct identity.Account
		if json.Unmarshal(a.Value, &acct) != nil || acct.Dept != code {
			continue
		}
		d.Identities = append(d.Identities, DeptIdentity{KeyID: acct.KeyID.String(), Name: acct.Name, Roles: acct.Roles, Status: acct.Status, Cert: len(acct.Cert) > 0})
	}
	q, _ := quote(code)
	txq := "tx.dept=" + q
	if recent > 0 {
		page, per := 1, min(recent, 100)
		res, err := e.RPC.TxSearch(ctx, txq, false, &page, &per, "desc")
		if err == nil {
			d.Txs = res.TotalCount
			for _, t := range res.Txs {
				row := txRow(t.Height, t.Index, t.Tx, &t.TxResult)
				if h, err := e.Header(ctx, t.Height); err == nil {
					row.Time = h.Time.UTC().Format("2006-01-02T15:04:05Z")
				}
				d.Recent = append(d.Recent, row)
			}
		}
	}
	byType := map[string]int{}
	for page := 1; d.Scanned < scan; page++ {
		per := 100
		res, err := e.RPC.TxSearch(ctx, txq, false, &page, &per, "asc")
		if err != nil {
			break
		}
		d.Txs = res.TotalCount
		for _, t := range res.Txs {
			if d.Scanned >= scan {
				break
			}
			byType[attr(t.TxResult.Events, "tx", "type")]++
			d.Scanned++
		}
		if page*per >= res.TotalCount {
			break
		}
	}
	for t, n := range byType {
		d.ByType = append(d.ByType, TypeCount{Type: t, Txs: n})
	}
	sort.Slice(d.ByType, func(i, j int) bool {
		if d.ByType[i].Txs != d.ByType[j].Txs {
			return d.ByType[i].Txs > d.ByType[j].Txs
		}
		return d.ByType[i].Type < d.ByType[j].Type
	})
	if d.Scanned < d.Txs {
		d.Note = fmt.Sprintf("counted by type over the first %d of %d txs (raise --scan)", d.Scanned, d.Txs)
	}
	for _, ev := range deptEvents {
		if n, err := e.countTxs(ctx, ev.Key+"="+q); err == nil {
			d.Counts[ev.Label] = n
		}
	}
	return d, nil
}
