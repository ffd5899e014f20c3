package catalog

import (
	"time"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/errs"
)

// The records, message bodies, attribute values, limits and registered
// errors of the catalog are defined in catalogtypes (no state store), so
// the commands, the demo and catalogio use them without the contract; the
// names below keep the chain's code unchanged.
type (
	Meta          = catalogtypes.Meta
	DutyMsg       = catalogtypes.DutyMsg
	Duty          = catalogtypes.Duty
	Item          = catalogtypes.Item
	ResourceMsg   = catalogtypes.ResourceMsg
	Resource      = catalogtypes.Resource
	Column        = catalogtypes.Column
	TableMsg      = catalogtypes.TableMsg
	Table         = catalogtypes.Table
	ItemRecord    = catalogtypes.ItemRecord
	Import        = catalogtypes.Import
	Count         = catalogtypes.Count
	ImportResult  = catalogtypes.ImportResult
	ShareRequest  = catalogtypes.ShareRequest
	Share         = catalogtypes.Share
	Delivery      = catalogtypes.Delivery
	ShareDecision = catalogtypes.ShareDecision
	Deliver       = catalogtypes.Deliver
	Ack           = catalogtypes.Ack
	TransferItem  = catalogtypes.TransferItem
	Attest        = catalogtypes.Attest
	Attestation   = catalogtypes.Attestation
	Resolve       = catalogtypes.Resolve
)

const (
	StatusActive         = catalogtypes.StatusActive
	StatusRevoked        = catalogtypes.StatusRevoked
	StatusRetired        = catalogtypes.StatusRetired
	Unconditional        = catalogtypes.Unconditional
	Conditional          = catalogtypes.Conditional
	NotShared            = catalogtypes.NotShared
	MaxItems             = catalogtypes.MaxItems
	MaxDuties            = catalogtypes.MaxDuties
	MaxColumns           = catalogtypes.MaxColumns
	MaxItemLength        = catalogtypes.MaxItemLength
	MaxPeriodDays        = catalogtypes.MaxPeriodDays
	GovGrant             = catalogtypes.GovGrant
	MsgDuty              = catalogtypes.MsgDuty
	MsgResource          = catalogtypes.MsgResource
	MsgTable             = catalogtypes.MsgTable
	MsgImport            = catalogtypes.MsgImport
	MsgTransferItem      = catalogtypes.MsgTransferItem
	MsgAttest            = catalogtypes.MsgAttest
	MsgResolve           = catalogtypes.MsgResolve
	MsgShareRequest      = catalogtypes.MsgShareRequest
	MsgShareApprove      = catalogtypes.MsgShareApprove
	MsgShareReject       = catalogtypes.MsgShareReject
	MsgShareRevoke       = catalogtypes.MsgShareRevoke
	MsgShareDeliver      = catalogtypes.MsgShareDeliver
	MsgShareAck          = catalogtypes.MsgShareAck
	SharePending         = catalogtypes.SharePending
	ShareGranted         = catalogtypes.ShareGranted
	ShareRejected        = catalogtypes.ShareRejected
	ShareRevoked         = catalogtypes.ShareRevoked
	ShareExpired         = catalogtypes.ShareExpired
	DeliveryDelivered    = catalogtypes.DeliveryDelivered
	DeliveryAcknowledged = catalogtypes.DeliveryAcknowledged
	DeliveryMismatch     = catalogtypes.DeliveryMismatch
	TargetItem           = catalogtypes.TargetItem
	TargetTable          = catalogtypes.TargetTable
	VerdictConfirm       = catalogtypes.VerdictConfirm
	VerdictDispute       = catalogtypes.VerdictDispute
	AttestConfirmed      = catalogtypes.AttestConfirmed
	DisputeOpen          = catalogtypes.DisputeOpen
	DisputeUpheld        = catalogtypes.DisputeUpheld
	DisputeRejected      = catalogtypes.DisputeRejected
)

var (
	Categories    = catalogtypes.Categories
	UpdateCycles  = catalogtypes.UpdateCycles
	Formats       = catalogtypes.Formats
	ItemTypes     = catalogtypes.ItemTypes
	ShareAttrs    = catalogtypes.ShareAttrs
	ErrBadInput   = catalogtypes.ErrBadInput
	ErrOtherDept  = catalogtypes.ErrOtherDept
	ErrNotFound   = catalogtypes.ErrNotFound
	ErrNoDuty     = catalogtypes.ErrNoDuty
	ErrItemOwned  = catalogtypes.ErrItemOwned
	ErrNotShared  = catalogtypes.ErrNotShared
	ErrBadState   = catalogtypes.ErrBadState
	ErrExpired    = catalogtypes.ErrExpired
	ErrOwnEntry   = catalogtypes.ErrOwnEntry
	ErrInUse      = catalogtypes.ErrInUse
	ErrEmptyBatch = catalogtypes.ErrEmptyBatch
	ErrUnreadable = catalogtypes.ErrUnreadable
	ShareStates   = catalogtypes.ShareStates
)

// ValidCode: resource, duty and share codes.
func ValidCode(s string) bool { return catalogtypes.ValidCode(s) }

// ValidIdent: system, database, table and column names.
func ValidIdent(s string) bool { return catalogtypes.ValidIdent(s) }

// ValidSM3 is 64 lower-case hex characters.
func ValidSM3(s string) bool { return catalogtypes.ValidSM3(s) }

// ValidItemKey: see catalogtypes.ValidItemKey.
func ValidItemKey(s string) bool { return catalogtypes.ValidItemKey(s) }

// DutyID is the id of department dept's duty code.
func DutyID(dept, code string) string { return catalogtypes.DutyID(dept, code) }

// TableID is the id of a department's table.
func TableID(dept, system, database, table string) string {
	return catalogtypes.TableID(dept, system, database, table)
}

// FormatTime is how records store block times.
func FormatTime(t time.Time) string { return catalogtypes.FormatTime(t) }

// ParseTime reads a stored time.
func ParseTime(s string) (time.Time, error) { return catalogtypes.ParseTime(s) }

// Field checks the handlers share with the messages' Validate.
const (
	maxText       = catalogtypes.MaxText
	maxLegalBasis = catalogtypes.MaxLegalBasis
)

func name(field, s string, max int) error { return catalogtypes.CheckName(field, s, max) }

func text(field, s string, max int, required bool) error {
	return catalogtypes.CheckText(field, s, max, required)
}

func statusOf(s string) string { return catalogtypes.StatusOf(s) }

// msgOf is the specific message of a coded error.
func msgOf(err error) string {
	if e, ok := err.(*errs.Error); ok && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}
