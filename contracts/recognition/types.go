// Package recognition is cross-province licence recognition (跨省互认):
// certificates anchored on a partner province's chain are recognised on
// this chain when a relayer submits evidence that the partner's own chain
// holds them, and the recognition is revoked when the partner revokes them.
//
// Partners are registered by governance (gov.KindRegisterPartner, stored at
// gov/partner/<id>); what this chain accepts from each partner is a
// recognition agreement, also set by governance (recognition.set_agreement:
// partner type → local type). The relayer is any active identity and is not
// trusted: every piece of evidence is verified here, deterministically, from
// the transaction alone and the stored trust anchors:
//
//   - a govchain partner is followed by a CometBFT light client: a signed
//     header with its commit and validator set is verified with CometBFT's
//     light-client rules (types.VerifyCommitLight / VerifyCommitLightTrusting,
//     header/validator hash links, trusting period against the block time),
//     then the partner's certificate record is checked with an ICS23 proof
//     against that header's app hash;
//   - a Fabric partner (kind "fabric") is checked against its registered MSP
//     root CAs and endorsement policy (see fabric.go).
//
// A relayer can delay or withhold evidence; it cannot forge it.
package recognition

import (
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
)

// Name is the module name and error codespace.
const Name = "recognition"

// Message types.
const (
	MsgSetAgreement = "recognition.set_agreement"
	MsgUpdateClient = "recognition.update_client"
	MsgRecognise    = "recognition.recognise"
	MsgRevoke       = "recognition.revoke"
)

// GovGrant is the department grant that may set agreements directly; a
// passed governance proposal (gov execute) holds it.
const GovGrant = "gov:recognition"

// Partner kinds (gov.Partner.Kind).
const (
	KindGovchain = "govchain"
	KindFabric   = "fabric"
)

// Statuses of a local recognition record.
const (
	StatusRecognised = "recognised"
	StatusRevoked    = "revoked"
)

// Error codes of the recognition codespace: 601..699.
var (
	ErrBadInput         = errs.Register(Name, 601, "invalid input")
	ErrUnknownPartner   = errs.Register(Name, 602, "unknown partner")
	ErrBadPartnerConfig = errs.Register(Name, 603, "invalid partner configuration")
	ErrWrongKind        = errs.Register(Name, 604, "evidence does not match the partner's kind")
	ErrTrustExpired     = errs.Register(Name, 605, "trusted partner header expired")
	ErrBadHeader        = errs.Register(Name, 606, "invalid partner header")
	ErrBadCommit        = errs.Register(Name, 607, "partner commit does not verify")
	ErrBadProof         = errs.Register(Name, 608, "state proof does not verify")
	ErrNoAgreement      = errs.Register(Name, 609, "no recognition agreement")
	ErrNotInForce       = errs.Register(Name, 610, "agreement not in force")
	ErrNotValid         = errs.Register(Name, 611, "partner certificate is not valid")
	ErrAlreadyDone      = errs.Register(Name, 612, "certificate already recognised")
	ErrNotRecognised    = errs.Register(Name, 613, "certificate not recognised")
	ErrStale            = errs.Register(Name, 614, "evidence is not newer than what is recorded")
	ErrUnknownHeight    = errs.Register(Name, 615, "no verified partner header at that height")
	ErrBadEndorsement   = errs.Register(Name, 616, "invalid Fabric signature")
	ErrUnknownMSP       = errs.Register(Name, 617, "unknown Fabric MSP")
	ErrBadCertificate   = errs.Register(Name, 618, "Fabric certificate does not verify")
	ErrPolicy           = errs.Register(Name, 619, "Fabric endorsement policy not met")
	ErrBadFabricTx      = errs.Register(Name, 620, "invalid Fabric transaction")
	ErrNotRevoked       = errs.Register(Name, 621, "partner certificate is not revoked")
	// ErrUnreadable: agreement conditions with an invisible or reordering
	// character, or not NFC (chain/readable). Partner names are governance's
	// (gov/320).
	ErrUnreadable = errs.Register(Name, 630, "text not plainly readable")
)

// Agreement is a recognition agreement: certificates of PartnerType issued
// on the partner's chain are recognised here as LocalType. It is in force
// from local height FromHeight and block time FromTime (RFC 3339; empty =
// no bound). Conditions is the agreement's text (what the departments
// agreed, e.g. the legal basis and restrictions), recorded for readers.
type Agreement struct {
	Partner     string `json:"partner"`
	PartnerType string `json:"partner_type"`
	LocalType   string `json:"local_type"`
	FromHeight  int64  `json:"from_height"`
	FromTime    string `json:"from_time"`
	Conditions  string `json:"conditions"`
}

// AgreementRecord is what recognition/agreement/<partner>/<type> holds.
type AgreementRecord struct {
	Agreement
	SetHeight int64  `json:"set_height"`
	SetTime   string `json:"set_time"`
	SetBy     string `json:"set_by"` // "governance" or a key id
}

// Change is one entry of a recognition record's history.
type Change struct {
	Height        int64  `json:"height"` // local height
	Time          string `json:"time"`   // local block time
	Action        string `json:"action"` // recognise | revoke
	Status        string `json:"status"` // status after
	PartnerHeight int64  `json:"partner_height"`
	PartnerStatus string `json:"partner_status"`
	By            string `json:"by"` // relayer key id
}

// Record is a local recognition record, at recognition/rec/<hash>: what was
// recognised, from which partner, under which evidence.
type Record struct {
	Hash         string `json:"hash"`
	Partner      string `json:"partner"`
	PartnerName  string `json:"partner_name"`
	PartnerKind  string `json:"partner_kind"`
	PartnerChain string `json:"partner_chain"` // chain id (govchain) or channel (fabric)
	PartnerType  string `json:"partner_type"`
	LocalType    string `json:"local_type"`
	Issuer       string `json:"issuer"` // partner department (govchain) or MSP id (fabric)
	LicenceNo    string `json:"licence_no,omitempty"`
	HolderKind   string `json:"holder_kind,omitempty"`
	HolderRef    string `json:"holder_ref,omitempty"` // the partner's reference (salted with the partner's salt)
	IssueDate    string `json:"issue_date,omitempty"`
	ValidFrom    string `json:"valid_from,omitempty"`
	ValidUntil   string `json:"valid_until,omitempty"`
	// PartnerStatus is the status the partner's chain held at PartnerHeight.
	PartnerStatus string `json:"partner_status"`
	// PartnerHeight is the partner's state version (govchain: the record is
	// proven under the app hash of header PartnerHeight+1) or block number
	// (fabric) of the latest evidence.
	PartnerHeight int64 `json:"partner_height"`
	// PartnerRoot is the partner app hash (govchain) or block data hash
	// (fabric) the latest evidence was checked against, hex.
	PartnerRoot      string   `json:"partner_root"`
	Status           string   `json:"status"`
	RecognisedHeight int64    `json:"recognised_height"`
	RecognisedTime   string   `json:"recognised_time"`
	History          []Change `json:"history"`
}

// State keys.
const prefix = "recognition"

// RecordKey is the stable, provable key of a recognition record:
// recognition/rec/<hash> (64 lower-case hex, the SM3 hash of the file).
func RecordKey(hash string) []byte { return module.Key(prefix, "rec", hash) }

// AgreementKey is recognition/agreement/<partner>/<partner type>.
func AgreementKey(partner, typ string) []byte {
	return module.Key(prefix, "agreement", partner, typ)
}

// ClientKey holds a govchain partner's light-client state.
func ClientKey(partner string) []byte { return module.Key(prefix, "client", partner) }

// HeaderKey holds a verified partner header (height padded to 20 digits).
func HeaderKey(partner string, height int64) []byte {
	return module.Key(prefix, "header", partner, fmt.Sprintf("%020d", height))
}

// PartnerIndexKey lists the hashes recognised from a partner.
func PartnerIndexKey(partner, hash string) []byte {
	return module.Key(prefix, "idx", "partner", partner, hash)
}

// PartnerIndexPrefix is the prefix of PartnerIndexKey for one partner.
func PartnerIndexPrefix(partner string) []byte {
	return append(module.Key(prefix, "idx", "partner", partner), '/')
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// EffectiveStatus is the record's status at a block time: recognised,
// revoked, or expired once valid_until (the partner's) has passed in China
// Standard Time, as for local certificates.
func (r *Record) EffectiveStatus(blockTime time.Time) string {
	if r.Status == StatusRecognised && r.ValidUntil != "" && !blockTime.IsZero() &&
		blockTime.In(cst).Format("2006-01-02") > r.ValidUntil {
		return "expired"
	}
	return r.Status
}

var cst = time.FixedZone("CST", 8*3600)
