package node

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/contracts/certificate"
)

// GenesisOptions describe a new network.
type GenesisOptions struct {
	ChainID     string
	GenesisTime time.Time
	Power       int64 // voting power of each founding validator
	Params      chain.Params
	Modules     map[string]json.RawMessage
	// Grants per department code, e.g. {"SCJG": ["issuer:BL"]}.
	Grants map[string][]string
	// RootCAs are the district root CA certificates (DER).
	RootCAs [][]byte
	// AdminCerts are department certificates (DER) of the admin keys, by
	// department code (optional).
	AdminCerts map[string][]byte
	// NoAttestations turns SM2 block attestations (vote extensions) off;
	// benchmarks compare both.
	NoAttestations bool
}

// BuildGenesis makes CometBFT's genesis document from the founding
// departments' dept.json files. Departments are sorted by code so every
// department building it from the same files gets the same bytes.
func BuildGenesis(o GenesisOptions, depts []DeptInfo) (*cmttypes.GenesisDoc, error) {
	if o.ChainID == "" {
		return nil, fmt.Errorf("chain-id is required")
	}
	if len(depts) == 0 {
		return nil, fmt.Errorf("at least one department is required")
	}
	if o.Power == 0 {
		o.Power = 10
	}
	if o.Params == (chain.Params{}) {
		o.Params = chain.DefaultParams()
	}
	if o.GenesisTime.IsZero() {
		o.GenesisTime = time.Now().UTC().Truncate(time.Second)
	}
	if err := o.Params.Validate(); err != nil {
		return nil, err
	}
	sorted := append([]DeptInfo(nil), depts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Code < sorted[j].Code })
	mods, err := newChainModules(o.Modules)
	if err != nil {
		return nil, err
	}
	ag := chain.AppGenesis{Params: o.Params, Modules: mods}
	ag.Identity.RootCAs = o.RootCAs
	doc := &cmttypes.GenesisDoc{ChainID: o.ChainID, GenesisTime: o.GenesisTime, InitialHeight: 1,
		ConsensusParams: cmttypes.DefaultConsensusParams()}
	if !o.NoAttestations {
		// Every precommit from height 1 carries the department's SM2
		// attestation (chain/attest).
		doc.ConsensusParams.Feature.VoteExtensionsEnableHeight = 1
	}
	seen := map[string]bool{}
	for _, d := range sorted {
		if seen[d.Code] {
			return nil, fmt.Errorf("department %s appears twice", d.Code)
		}
		seen[d.Code] = true
		if len(d.ValidatorPubKey) != ed25519.PubKeySize {
			return nil, fmt.Errorf("department %s: validator key must be %d bytes of ed25519", d.Code, ed25519.PubKeySize)
		}
		pk := ed25519.PubKey(d.ValidatorPubKey)
		ag.Identity.Departments = append(ag.Identity.Departments, identity.GenesisDept{
			Code: d.Code, Name: d.Name, AdminPublicKey: d.AdminPublicKey,
			Grants:           o.Grants[d.Code],
			AdminCert:        o.AdminCerts[d.Code],
			Validator:        &identity.Validator{Type: ed25519.KeyType, PubKey: d.ValidatorPubKey, Power: o.Power},
			ValidatorAddress: pk.Address().String(),
		})
		doc.Validators = append(doc.Validators, cmttypes.GenesisValidator{Address: pk.Address(), PubKey: pk, Power: o.Power, Name: d.Code})
	}
	raw, err := json.Marshal(ag)
	if err != nil {
		return nil, err
	}
	doc.AppState = raw
	return doc, doc.ValidateAndComplete()
}

// newChainModules is the module sections of a new network: the certificate
// registry writes index layout 2 (two index entries per certificate) unless
// the section says otherwise; chains whose genesis has no index_layout stay
// on layout 1 until MigrateIndexLayout2.
func newChainModules(in map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for k, v := range in {
		out[k] = v
	}
	sec := map[string]json.RawMessage{}
	if raw := in[certificate.Name]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &sec); err != nil {
			return nil, fmt.Errorf("certificate genesis section: %w", err)
		}
	}
	if _, ok := sec["index_layout"]; !ok {
		sec["index_layout"] = json.RawMessage("2")
	}
	raw, err := json.Marshal(sec)
	if err != nil {
		return nil, err
	}
	out[certificate.Name] = raw
	return out, nil
}
