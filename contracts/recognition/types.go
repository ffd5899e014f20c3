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
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// GovGrant is the department grant that may set agreements directly; a
// passed governance proposal (gov execute) holds it.
const GovGrant = "gov:recognition"

// The records, agreements, statuses and keys a client reads are defined
// in rectypes (no state store, no CometBFT); the names below keep the
// chain's code unchanged.
const (
	Name = rectypes.Name

	MsgSetAgreement = rectypes.MsgSetAgreement
	MsgUpdateClient = rectypes.MsgUpdateClient
	MsgRecognise    = rectypes.MsgRecognise
	MsgRevoke       = rectypes.MsgRevoke

	KindGovchain = rectypes.KindGovchain
	KindFabric   = rectypes.KindFabric

	StatusRecognised = rectypes.StatusRecognised
	StatusRevoked    = rectypes.StatusRevoked
)

type (
	Agreement       = rectypes.Agreement
	AgreementRecord = rectypes.AgreementRecord
	Change          = rectypes.Change
	Record          = rectypes.Record
	ClientState     = rectypes.ClientState
	Validator       = rectypes.Validator
)

// RecordKey is the stable, provable key of a recognition record:
// recognition/rec/<hash> (64 lower-case hex, the SM3 hash of the file).
func RecordKey(hash string) []byte { return rectypes.RecordKey(hash) }

// AgreementKey is recognition/agreement/<partner>/<partner type>.
func AgreementKey(partner, typ string) []byte { return rectypes.AgreementKey(partner, typ) }

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

// State keys.
const prefix = rectypes.Prefix

// ClientKey holds a govchain partner's light-client state.
func ClientKey(partner string) []byte { return rectypes.ClientKey(partner) }

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
