package catalogtypes

import (
	"time"

	"github.com/govchain/govchain/chain/errs"
)

// GovGrant is the department grant that governance actions need
// (catalog.transfer_item, catalog.resolve). The governance module
// (contracts/gov) executes them through a passed "execute" proposal, whose
// governance signer holds every grant; a department given gov:catalog (at
// genesis or by a "grant" proposal) may also sign them directly — the demo
// gives it to ZWFW, the district's catalog authority.
const GovGrant = "gov:catalog"

var (
	ErrBadInput   = errs.Register(Name, 1, "invalid input")
	ErrOtherDept  = errs.Register(Name, 2, "entry belongs to another department")
	ErrNotFound   = errs.Register(Name, 3, "not found")
	ErrNoDuty     = errs.Register(Name, 4, "resource not derived from a duty of its provider")
	ErrItemOwned  = errs.Register(Name, 5, "data item has another authoritative source")
	ErrNotShared  = errs.Register(Name, 6, "resource is not shared")
	ErrBadState   = errs.Register(Name, 7, "invalid state transition")
	ErrExpired    = errs.Register(Name, 8, "sharing grant expired")
	ErrOwnEntry   = errs.Register(Name, 9, "not allowed on the department's own entry")
	ErrInUse      = errs.Register(Name, 10, "entry still referenced")
	ErrEmptyBatch = errs.Register(Name, 11, "empty import")
	// ErrUnreadable: a name, data item key or text with an invisible or
	// reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register(Name, 20, "name not plainly readable")
)

// Message types.
const (
	MsgDuty         = "catalog.duty"
	MsgResource     = "catalog.resource"
	MsgTable        = "catalog.table"
	MsgImport       = "catalog.import"
	MsgTransferItem = "catalog.transfer_item"
	MsgAttest       = "catalog.attest"
	MsgResolve      = "catalog.resolve"
	MsgShareRequest = "catalog.share_request"
	MsgShareApprove = "catalog.share_approve"
	MsgShareReject  = "catalog.share_reject"
	MsgShareRevoke  = "catalog.share_revoke"
	MsgShareDeliver = "catalog.share_deliver"
	MsgShareAck     = "catalog.share_ack"
)

// DutyID is the id of department dept's duty code.
func DutyID(dept, code string) string { return dept + ":" + code }

// TableID is the id of a department's table.
func TableID(dept, system, database, table string) string {
	return dept + ":" + system + "." + database + "." + table
}

// Import carries many entries of the signer's department in one tx; it is
// applied all or nothing, duties first, then resources, then tables.
type Import struct {
	Duties    []DutyMsg     `json:"duties,omitempty"`
	Resources []ResourceMsg `json:"resources,omitempty"`
	Tables    []TableMsg    `json:"tables,omitempty"`
}

// Count is created/updated/unchanged entries of one kind.
type Count struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// ImportResult is the tx result data of catalog.import (and of the single
// entry messages).
type ImportResult struct {
	Duties    Count `json:"duties"`
	Resources Count `json:"resources"`
	Tables    Count `json:"tables"`
}

// Sharing states. Expired is never stored: a granted request whose
// ExpiresAt is at or before the block time is reported as expired.
const (
	SharePending  = "pending"
	ShareGranted  = "granted"
	ShareRejected = "rejected"
	ShareRevoked  = "revoked"
	ShareExpired  = "expired"

	DeliveryDelivered    = "delivered"
	DeliveryAcknowledged = "acknowledged"
	DeliveryMismatch     = "mismatch" // requester received other rows or another SM3
)

// ShareStates are the values GET /v1/catalog/sharing?state= accepts.
var ShareStates = []string{SharePending, ShareGranted, ShareExpired, ShareRejected, ShareRevoked}

// ShareRequest asks another department for data items of its resource.
type ShareRequest struct {
	Resource   string   `json:"resource"`
	Items      []string `json:"items"`
	Purpose    string   `json:"purpose"`               // 用途 (no personal data)
	LegalBasis string   `json:"legal_basis,omitempty"` // required for conditional resources
	PeriodDays int      `json:"period_days"`           // length of the grant
}

// Share is a stored sharing request, id "SQ" + 8 digits.
type Share struct {
	ID         string   `json:"id"`
	Requester  string   `json:"requester"`
	Provider   string   `json:"provider"`
	Resource   string   `json:"resource"`
	Items      []string `json:"items"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis,omitempty"`
	PeriodDays int      `json:"period_days"`
	Sharing    string   `json:"sharing"` // the resource's attribute when decided
	Status     string   `json:"status"`  // pending, granted, rejected, revoked (stored)
	Reason     string   `json:"reason,omitempty"`
	GrantedAt  string   `json:"granted_at,omitempty"`
	ExpiresAt  string   `json:"expires_at,omitempty"`
	Meta
}

// StatusAt is the state at block time now: granted turns into expired when
// now >= ExpiresAt.
func (s *Share) StatusAt(now time.Time) string {
	if s.Status == ShareGranted && s.ExpiresAt != "" {
		if exp, err := ParseTime(s.ExpiresAt); err == nil && !now.Before(exp) {
			return ShareExpired
		}
	}
	return s.Status
}

// Delivery is a provider's receipt for a batch delivered under a grant, id
// "DL" + 8 digits.
type Delivery struct {
	ID        string `json:"id"`
	Share     string `json:"share"`
	Provider  string `json:"provider"`
	Requester string `json:"requester"`
	Rows      int64  `json:"rows"`
	BatchSM3  string `json:"batch_sm3"`
	Note      string `json:"note,omitempty"`
	Status    string `json:"status"`
	AckRows   int64  `json:"ack_rows,omitempty"`
	AckSM3    string `json:"ack_sm3,omitempty"`
	Meta
}

// ShareDecision approves, rejects or revokes a request.
type ShareDecision struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"` // required to reject or revoke
}

// Deliver records a batch delivered under a live grant.
type Deliver struct {
	ID       string `json:"id"` // sharing request
	Rows     int64  `json:"rows"`
	BatchSM3 string `json:"batch_sm3"`
	Note     string `json:"note,omitempty"`
}

// Ack is the requester's receipt: what it received.
type Ack struct {
	ID       string `json:"id"` // delivery
	Rows     int64  `json:"rows"`
	BatchSM3 string `json:"batch_sm3"`
}

// TransferItem moves the authoritative source of a data item to another
// department. It needs the gov:catalog grant: the governance module executes
// it once a proposal passes (or a department holding the grant signs it).
type TransferItem struct {
	Key      string `json:"key"`
	To       string `json:"to"`                 // new owner department
	Resource string `json:"resource,omitempty"` // the new owner's resource that becomes the source
	Reason   string `json:"reason"`
}

// Attestation targets and verdicts.
const (
	TargetItem  = "item"
	TargetTable = "table"

	VerdictConfirm = "confirm"
	VerdictDispute = "dispute"

	AttestConfirmed = "confirmed"
	DisputeOpen     = "open"
	DisputeUpheld   = "upheld"    // governance agreed with the dispute
	DisputeRejected = "dismissed" // governance found the entry correct
)

// Attest is a cross-check (多元校核) by a department other than the owner.
type Attest struct {
	Target      string `json:"target"`         // item or table
	Subject     string `json:"subject"`        // item key or table id
	Item        string `json:"item,omitempty"` // for a table: the mapped item attested
	Verdict     string `json:"verdict"`        // confirm or dispute
	EvidenceSM3 string `json:"evidence_sm3"`   // SM3 of the evidence kept off chain
	Comment     string `json:"comment,omitempty"`
}

// Attestation is the stored cross-check, id "AT" + 8 digits.
type Attestation struct {
	ID          string `json:"id"`
	Dept        string `json:"dept"`  // attesting department
	Owner       string `json:"owner"` // department owning the subject
	Target      string `json:"target"`
	Subject     string `json:"subject"`
	Item        string `json:"item"`
	Column      string `json:"column,omitempty"`
	Verdict     string `json:"verdict"`
	EvidenceSM3 string `json:"evidence_sm3"`
	Comment     string `json:"comment,omitempty"`
	Status      string `json:"status"` // confirmed, open, upheld, dismissed
	Resolution  string `json:"resolution,omitempty"`
	Meta
}

// Resolve settles an open dispute (gov:catalog grant; governance executes it).
type Resolve struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"` // upheld or dismissed
	Note    string `json:"note"`
}

// FormatTime is how records store block times.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime reads a stored time.
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
