package chain

import (
	"encoding/json"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/params"
	"github.com/govchain/govchain/chain/state"
)

// Params are the chain parameters (package params, below the app so
// contracts need not import it).
type Params = params.Params

// DefaultMaxDeptPowerPermille is the largest allowed cap: 333/1000 < 1/3.
const DefaultMaxDeptPowerPermille = params.DefaultMaxDeptPowerPermille

// DefaultParams are the genesis defaults.
func DefaultParams() Params { return params.Default() }

// ParamsKey is where Params live in state.
var ParamsKey = params.Key

// LoadParams reads the parameters from state.
func LoadParams(kv state.KV) (Params, error) { return params.Load(kv) }

// AppGenesis is the app_state section of CometBFT's genesis.json.
type AppGenesis struct {
	Params   Params                     `json:"params"`
	Identity identity.Genesis           `json:"identity"`
	Modules  map[string]json.RawMessage `json:"modules,omitempty"`
}
