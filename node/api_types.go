package node

import (
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit/creditapi"
	"github.com/govchain/govchain/node/client"
)

// The API's request and answer types live in the light API package
// (node/client), which clients import without the daemon; the handlers
// here write those very types, so the two cannot drift. The names below
// keep this package's code (and its callers) unchanged.
type (
	Error          = client.Error
	Status         = client.Status
	SubmitRequest  = client.SubmitRequest
	SubmitResult   = client.SubmitResult
	TxInfo         = client.TxInfo
	TxRaw          = client.TxRaw
	StateResult    = client.StateResult
	AccountResult  = client.AccountResult
	DepartmentList = client.DepartmentList
	MessageInfo    = client.MessageInfo
	ListEntry      = client.ListEntry
	ListResult     = client.ListResult
	CatalogResult  = client.CatalogResult
	VerifyPeers    = client.VerifyPeers

	CertificateResult = client.CertificateResult
	CertificateList   = client.CertificateList
	CertificateCheck  = client.CertificateCheck
	RecognitionResult = client.RecognitionResult

	CreditProfileResult = client.CreditProfileResult
	CreditCheck         = client.CreditCheck
	CreditEventResult   = client.CreditEventResult
	CreditListItem      = client.CreditListItem
	CreditListResult    = client.CreditListResult
	CreditDeptList      = client.CreditDeptList
)

// CreditProfileAt builds the whole credit profile answer from one state
// version (the credit module's creditapi.ProfileAt).
func CreditProfileAt(v *state.View, ref string, prove bool) (*CreditProfileResult, error) {
	return creditapi.ProfileAt(v, ref, prove)
}

// Paging of every list answer of the API.
const (
	DefaultPageLimit = client.DefaultPageLimit
	MaxPageLimit     = client.MaxPageLimit
	MaxPageBytes     = client.MaxPageBytes
)
