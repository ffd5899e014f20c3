package chain

import (
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// Params are chain parameters, stored in state and changed only by governance.
type Params struct {
	MaxTxBytes int `json:"max_tx_bytes"`
	// ProposalDeadlineBlocks is the default voting window (governance).
	ProposalDeadlineBlocks int64 `json:"proposal_deadline_blocks"`
	// MinValidators: governance may not shrink the set below this without
	// an ALL vote.
	MinValidators int `json:"min_validators"`
}

func DefaultParams() Params {
	return Params{MaxTxBytes: 1 << 20, ProposalDeadlineBlocks: 1000, MinValidators: 4}
}

// ParamsKey is where Params live in state.
var ParamsKey = []byte("params")

func (p Params) Validate() error {
	switch {
	case p.MaxTxBytes < 1024 || p.MaxTxBytes > 16<<20:
		return fmt.Errorf("max_tx_bytes %d outside [1024, 16 MiB]", p.MaxTxBytes)
	case p.ProposalDeadlineBlocks < 1:
		return fmt.Errorf("proposal_deadline_blocks must be positive")
	case p.MinValidators < 1:
		return fmt.Errorf("min_validators must be positive")
	}
	return nil
}

// LoadParams reads the parameters from state.
func LoadParams(kv state.KV) (Params, error) {
	var p Params
	ok, err := module.GetJSON(kv, ParamsKey, &p)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, errs.Internal.Wrapf("params missing from state")
	}
	return p, nil
}

// AppGenesis is the app_state section of CometBFT's genesis.json.
type AppGenesis struct {
	Params   Params                     `json:"params"`
	Identity identity.Genesis           `json:"identity"`
	Modules  map[string]json.RawMessage `json:"modules,omitempty"`
}
