// Package catalog is the data-catalog chain (目录区块链, DB11/T 2047—2022): the
// duties (职责) of each department, the information resources (目录) derived
// from them, and the database tables (库表) that hold them, with one
// authoritative source per data item (一数一源), cross-checks by other
// departments (多元校核) and the sharing of resources between departments.
//
// Every record is one IAVL key holding the current version,
// "catalog/<kind>/<id>", and every version ever written is kept at
// "catalog/<kind>/<id>/v/<n>" (n = 1, 2, ...), so the whole history of an
// entry is provable with GET /v1/state?key=...&prove=true. Secondary indexes
// live under "catalog/idx/..." and hold the key of the record they point to.
//
// The module is deterministic: no clock other than the block header time, no
// iteration over maps, no floats.
package catalog

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
)

// Name is the module name, its codespace and its key prefix.
const Name = catalogtypes.Name

// Record kinds (the <kind> in catalog/<kind>/<id>).
const (
	KindDuty        = "duty"
	KindResource    = "resource"
	KindTable       = "table"
	KindItem        = "item"
	KindAttestation = "attest"
	KindShare       = "share"
	KindDelivery    = "delivery"
)

// Kinds lists every record kind.
var Kinds = []string{KindDuty, KindResource, KindTable, KindItem, KindAttestation, KindShare, KindDelivery}

// RecordKey is where the current version of a record lives.
func RecordKey(kind, id string) []byte { return module.Key(Name, kind, id) }

// VersionKey is where version n of a record lives.
func VersionKey(kind, id string, n int64) []byte {
	return module.Key(Name, kind, id, "v", strconv.FormatInt(n, 10))
}

func idxKey(parts ...string) []byte { return module.Key(append([]string{Name, "idx"}, parts...)...) }

// Index keys. Each holds the record key it points to (or a short value).
func idxDept(dept, kind, id string) []byte         { return idxKey("dept", dept, kind, id) }
func idxDutyResource(dutyID, code string) []byte   { return idxKey("duty", dutyID, "resource", code) }
func idxResourceTable(code, tableID string) []byte { return idxKey("resource", code, "table", tableID) }
func idxItemResource(key, code string) []byte      { return idxKey("item", key, "resource", code) }
func idxItemTable(key, tableID string) []byte      { return idxKey("item", key, "table", tableID) }
func idxItemAttest(key, id string) []byte          { return idxKey("item", key, "attest", id) }
func idxTableAttest(tableID, id string) []byte     { return idxKey("tableattest", tableID, id) }
func idxOpenDispute(id string) []byte              { return idxKey("dispute", "open", id) }
func idxShareState(st, id string) []byte           { return idxKey("share", st, id) }
func idxShareDelivery(shareID, id string) []byte   { return idxKey("sharedelivery", shareID, id) }

// IndexPrefix returns the prefix of an index, for listing (with a trailing '/').
func IndexPrefix(parts ...string) []byte { return append(idxKey(parts...), '/') }

func counterKey(kind string) []byte { return module.Key(Name, "seq", kind) }

// Module is the catalog contract.
type Module struct{}

func (Module) Name() string { return Name }

var writers = []string{identity.RoleOperator, identity.RoleAdmin}

func (Module) Routes() []module.Route {
	return []module.Route{
		{Type: MsgDuty, AnyRole: writers, Handle: module.Handler(handleDuty),
			Summary: "Create or update a duty (职责) of the signer's department; a new version each time it changes."},
		{Type: MsgResource, AnyRole: writers, Handle: module.Handler(handleResource),
			Summary: "Create or update an information resource (目录) of the signer's department, derived from its duties."},
		{Type: MsgTable, AnyRole: writers, Handle: module.Handler(handleTable),
			Summary: "Create or update a table (库表) of the signer's department: schema SM3 and item-to-column mapping."},
		{Type: MsgImport, AnyRole: writers, Handle: module.Handler(handleImport),
			Summary: "Bulk import of duties, resources and tables of the signer's department, all or nothing."},
		{Type: MsgTransferItem, Handle: module.Handler(handleTransfer),
			Summary: "Move a data item's authoritative source to another department (needs grant gov:catalog; executed by governance)."},
		{Type: MsgAttest, AnyRole: writers, Handle: module.Handler(handleAttest),
			Summary: "Confirm or dispute another department's data item or table mapping (多元校核), with an evidence SM3."},
		{Type: MsgResolve, Handle: module.Handler(handleResolve),
			Summary: "Resolve an open dispute: upheld or dismissed (needs grant gov:catalog; executed by governance)."},
		{Type: MsgShareRequest, AnyRole: writers, Handle: module.Handler(handleShareRequest),
			Summary: "Request another department's resource: granted at once if unconditional, pending if conditional, rejected if not shared."},
		{Type: MsgShareApprove, AnyRole: writers, Handle: module.Handler(handleShareApprove),
			Summary: "Provider approves a pending sharing request; the grant runs for the requested period from now."},
		{Type: MsgShareReject, AnyRole: writers, Handle: module.Handler(handleShareReject),
			Summary: "Provider rejects a pending sharing request with a reason."},
		{Type: MsgShareRevoke, AnyRole: writers, Handle: module.Handler(handleShareRevoke),
			Summary: "Provider (or requester) revokes a granted sharing request with a reason."},
		{Type: MsgShareDeliver, AnyRole: writers, Handle: module.Handler(handleShareDeliver),
			Summary: "Provider records a delivery under a live grant: row count and SM3 of the delivered batch."},
		{Type: MsgShareAck, AnyRole: writers, Handle: module.Handler(handleShareAck),
			Summary: "Requester acknowledges a delivery with the row count and SM3 it received."},
	}
}

// InitGenesis accepts an empty section: the catalog starts empty and is
// filled by signed transactions only, so every entry has a signer.
func (Module) InitGenesis(_ *module.Context, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return nil
	}
	return fmt.Errorf("catalog genesis: must be empty; load the catalog with catalog.import transactions")
}
