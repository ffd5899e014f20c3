// Package rectypes holds what a client of cross-province recognition
// needs without the contract (and its light client of partner chains):
// the recognition records and agreements, statuses, message types and
// state keys. It imports no state store and no CometBFT, so the API client
// and the browser can use it; package recognition re-exports every name,
// so the chain's code reads the same.
package rectypes

import (
	"fmt"
	"strings"
	"time"

	"github.com/govchain/govchain/contracts/certificate/validity"
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

// Partner kinds (gov.Partner.Kind).
const (
	KindGovchain = "govchain"
	KindFabric   = "fabric"
)

// Statuses of a local recognition record.
const (
	StatusRecognised = "recognised"
	StatusRevoked    = "revoked"
	// StatusExpired: recognised, but the partner's valid_until has passed.
	StatusExpired = "expired"
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

// Prefix is the module's state key prefix.
const Prefix = "recognition"

// key joins parts under Prefix with '/', as module.Key does.
func key(parts ...string) []byte { return []byte(Prefix + "/" + strings.Join(parts, "/")) }

// RecordKey is the stable, provable key of a recognition record:
// recognition/rec/<hash> (64 lower-case hex, the SM3 hash of the file).
func RecordKey(hash string) []byte { return key("rec", hash) }

// AgreementKey is recognition/agreement/<partner>/<partner type>.
func AgreementKey(partner, typ string) []byte { return key("agreement", partner, typ) }

// Validator is one partner validator: an ed25519 consensus key and its
// voting power. The address is derived, never taken from the sender.
type Validator struct {
	PubKey []byte `json:"pub_key"` // 32 bytes
	Power  int64  `json:"power"`
}

// ClientState is a govchain partner's light-client state, at
// recognition/client/<partner>: the latest verified header and the
// validator set at its height.
type ClientState struct {
	Partner string `json:"partner"`
	ChainID string `json:"chain_id"`
	// AnchorDigest is SHA-256 of the gov/partner/<id> record this state was
	// started from: when governance replaces the anchor, the client starts
	// again from the new one.
	AnchorDigest       string      `json:"anchor_digest"`
	Height             int64       `json:"height"`
	Time               string      `json:"time"`
	HeaderHash         string      `json:"header_hash"`
	AppHash            string      `json:"app_hash"`
	NextValidatorsHash string      `json:"next_validators_hash"`
	Validators         []Validator `json:"validators"`
	UpdatedHeight      int64       `json:"updated_height"` // local height
}

// ClientKey holds a govchain partner's light-client state:
// recognition/client/<partner>.
func ClientKey(partner string) []byte { return key("client", partner) }

// AgreementPrefix is the prefix of a partner's AgreementKey.
func AgreementPrefix(partner string) string { return Prefix + "/agreement/" + partner + "/" }

// EffectiveStatus is the record's status at a block time: recognised,
// revoked, or expired once valid_until (the partner's) has passed in China
// Standard Time, by the certificates' one rule (package validity).
func (r *Record) EffectiveStatus(blockTime time.Time) string {
	if r.Status == StatusRecognised && validity.Passed(r.ValidUntil, blockTime) {
		return StatusExpired
	}
	return r.Status
}

// Describe is a one-line account of a record ("recognised from TJ ...").
func (r *Record) Describe() string {
	s := fmt.Sprintf("%s from %s (%s): partner type %s as %s, issued by %s", r.Status, r.Partner, r.PartnerName, r.PartnerType, r.LocalType, r.Issuer)
	if r.Status == StatusRevoked {
		s += fmt.Sprintf("; the partner revoked it (evidence at partner height %d)", r.PartnerHeight)
	}
	return s
}
