// Package params holds the chain parameters: stored in state under Key,
// changed only by governance. It sits below the ABCI app (package chain)
// so that contracts (governance) read and change them without importing
// the app.
package params

import (
	"fmt"

	"github.com/govchain/govchain/chain/errs"
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
	// MaxDeptPowerPermille caps one department's share of the total voting
	// power, in thousandths, inclusive: at most 333, i.e. strictly below
	// 1/3, because a department holding 1/3 can halt the chain alone (and
	// one above 2/3 can commit blocks alone). Governance enforces it on
	// every change of the validator set. 0 (a genesis from before the
	// parameter existed) means DefaultMaxDeptPowerPermille.
	MaxDeptPowerPermille int `json:"max_dept_power_permille,omitempty"`
}

// DefaultMaxDeptPowerPermille is the largest allowed cap: 333/1000 < 1/3.
const DefaultMaxDeptPowerPermille = 333

// Default is the genesis default.
func Default() Params {
	return Params{MaxTxBytes: 1 << 20, ProposalDeadlineBlocks: 1000, MinValidators: 4, MaxDeptPowerPermille: DefaultMaxDeptPowerPermille}
}

// DeptPowerCap is the cap in force (the default when the field is 0).
func (p Params) DeptPowerCap() int {
	if p.MaxDeptPowerPermille == 0 {
		return DefaultMaxDeptPowerPermille
	}
	return p.MaxDeptPowerPermille
}

// Key is where Params live in state.
var Key = []byte("params")

func (p Params) Validate() error {
	switch {
	case p.MaxTxBytes < 1024 || p.MaxTxBytes > 16<<20:
		return fmt.Errorf("max_tx_bytes %d outside [1024, 16 MiB]", p.MaxTxBytes)
	case p.ProposalDeadlineBlocks < 1:
		return fmt.Errorf("proposal_deadline_blocks must be positive")
	case p.MinValidators < 1:
		return fmt.Errorf("min_validators must be positive")
	case p.MaxDeptPowerPermille < 0 || p.MaxDeptPowerPermille > DefaultMaxDeptPowerPermille:
		return fmt.Errorf("max_dept_power_permille %d outside 1..%d (0 = %d): a department at 1/3 of the power can halt the chain", p.MaxDeptPowerPermille, DefaultMaxDeptPowerPermille, DefaultMaxDeptPowerPermille)
	}
	return nil
}

// Load reads the parameters from state.
func Load(kv state.KV) (Params, error) {
	var p Params
	ok, err := module.GetJSON(kv, Key, &p)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, errs.Internal.Wrapf("params missing from state")
	}
	return p, nil
}
