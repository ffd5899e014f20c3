package client

// The request and answer types of the node's JSON API. The node writes
// them (package node names them by alias) and clients read them; JSON
// tags are the API's wire form (node/openapi.json).

import (
	"encoding/json"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/proof"
)

// Error is the body of every non-2xx answer.
type Error struct {
	Codespace string `json:"codespace"`
	Code      uint32 `json:"code"`
	Message   string `json:"message"`
}

// Status is GET /v1/status. Height is the last height the application has
// committed (state queries answer at it) and AppHash that state's root;
// BlockHeight is CometBFT's block store height, which can be one ahead
// while the app is still committing.
type Status struct {
	ChainID     string `json:"chain_id"`
	Dept        string `json:"dept"`
	NodeID      string `json:"node_id"`
	Height      int64  `json:"height"`
	AppHash     string `json:"app_hash"`
	BlockHeight int64  `json:"block_height"`
	BlockTime   string `json:"block_time"`
	CatchingUp  bool   `json:"catching_up"`
	// EarliestBlockHeight is the oldest block the node still holds (1
	// unless it prunes: retain_blocks).
	EarliestBlockHeight int64    `json:"earliest_block_height"`
	Validators          int      `json:"validators"`
	StateVersions       [2]int64 `json:"state_versions"`
	// StateKeys is the number of keys in the state at Height.
	StateKeys int64 `json:"state_keys"`
}

// ExpiryReport is GET /v1/expiry: what expires within the horizon (or
// has), judged at the newest block's time.
type (
	ExpiryReport  = idtypes.ExpiryReport
	ExpiryWarning = idtypes.ExpiryWarning
)

// SubmitRequest is the body of POST /v1/txs.
type SubmitRequest struct {
	Tx []byte `json:"tx"` // canonical tx bytes, base64
}

// SubmitResult is the answer: code 0 means accepted (into the mempool, or
// committed when ?wait=commit).
type SubmitResult struct {
	Hash      string `json:"hash"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	Log       string `json:"log,omitempty"`
	Data      string `json:"data,omitempty"`
	Height    int64  `json:"height,omitempty"`
}

// TxInfo is GET /v1/txs/{hash}.
type TxInfo struct {
	Hash      string          `json:"hash"`
	Height    int64           `json:"height"`
	Index     uint32          `json:"index"`
	Code      uint32          `json:"code"`
	Codespace string          `json:"codespace,omitempty"`
	Log       string          `json:"log,omitempty"`
	Type      string          `json:"type"`
	Signer    string          `json:"signer"`
	Sequence  uint64          `json:"sequence"`
	Body      json.RawMessage `json:"body"`
}

// StateResult is GET /v1/state: a value and, with prove=true, its proof.
// The proof verifies against AppHash, which CometBFT puts in the header at
// height Height+1.
type StateResult struct {
	Key     string       `json:"key"`
	Value   []byte       `json:"value"`
	Found   bool         `json:"found"`
	Height  int64        `json:"height"`
	AppHash []byte       `json:"app_hash,omitempty"`
	Proof   *proof.Proof `json:"proof,omitempty"`
}

// AccountResult is GET /v1/accounts/{key_id}.
type AccountResult struct {
	Account *idtypes.Account `json:"account"`
	// Sequence is the last sequence committed; NextSequence accounts for
	// txs already accepted into this node's mempool.
	Sequence     uint64 `json:"sequence"`
	NextSequence uint64 `json:"next_sequence"`
}

// DepartmentList is GET /v1/departments: one page of the departments in
// code order; NextCursor (a department code) is the ?cursor= of the next.
type DepartmentList struct {
	Height      int64                `json:"height"`
	Departments []idtypes.Department `json:"departments"`
	NextCursor  string               `json:"next_cursor,omitempty"`
}

// MessageInfo describes a message type the chain accepts. Fields is the
// canonical order of the body's fields and Schema its JSON Schema (draft
// 2020-12), both derived from the message struct the chain decodes.
type MessageInfo struct {
	Type    string          `json:"type"`
	AnyRole []string        `json:"any_role"`
	Summary string          `json:"summary"`
	Fields  []string        `json:"fields,omitempty"`
	Schema  json.RawMessage `json:"schema,omitempty"`
}

// TxRaw is GET /v1/txs/{hash}/raw: a committed tx's exact bytes and the
// parts a verifier needs (docs/protocol.md): Tx = Unsigned || uvarint(len
// Signature) || Signature, SignBytes = SM3("govchain/tx/v1\0" || Unsigned),
// and the signer's SM2 signature is over SignBytes as its message (with the
// default user id). Hash is SHA-256 of Tx, upper-case hex.
type TxRaw struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Index     uint32 `json:"index"`
	ChainID   string `json:"chain_id"`
	Type      string `json:"type"`
	Signer    string `json:"signer"`
	Sequence  uint64 `json:"sequence"`
	Tx        []byte `json:"tx"`
	Unsigned  []byte `json:"unsigned"`
	SignBytes []byte `json:"sign_bytes"`
	Signature []byte `json:"signature"`
	Body      []byte `json:"body"`
}

// ListEntry is one key of GET /v1/list.
type ListEntry struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// ListResult pages through the keys under a prefix in key order. Each entry
// can be proven on its own with /v1/state?prove=true at the same height.
type ListResult struct {
	Prefix  string      `json:"prefix"`
	Height  int64       `json:"height"`
	Entries []ListEntry `json:"entries"`
	// Next is the start_after value for the next page ("" = last page);
	// NextCursor is the same value as the cursor every list route takes.
	Next       string `json:"next,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// CatalogPage is the answer of every /v1/catalog route, one page of it
// (catalogtypes.Answer; Answer.Verify checks its proofs).
type CatalogPage[T any] = catalogtypes.Answer[T]

// CatalogResult is a catalog answer as the node writes it.
type CatalogResult = CatalogPage[any]

// Paging of every list answer of the API: ?limit= is 1..MaxPageLimit
// (DefaultPageLimit when absent) and a page holds about MaxPageBytes.
const (
	DefaultPageLimit = catalogtypes.DefaultPageLimit
	MaxPageLimit     = catalogtypes.MaxPageLimit
	MaxPageBytes     = catalogtypes.MaxPageBytes
)

// VerifyPeers is the answer of GET /v1/verify/peers.
type VerifyPeers struct {
	// Peers are other departments' nodes' public API base URLs
	// (govchain.json verify_peers; empty when none is configured).
	Peers []string `json:"peers"`
}
