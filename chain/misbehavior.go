package chain

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// EventEvidence is emitted (in the block's events) for every misbehaviour
// the chain recorded.
const EventEvidence = "identity.evidence"

// punish applies the misbehaviour CometBFT committed in this block (each
// item already verified by CometBFT against the validator set of its
// height): one identity.Evidence record per item, and the validator's
// power set to zero at once. The department is otherwise untouched; only
// governance (gov.set_validator) gives the power back. It returns the
// power-to-zero updates; the caller appends them after the block's other
// updates, and toABCIValidatorUpdates keeps the last update of each key.
func punish(kv state.KV, height int64, mis []abci.Misbehavior) ([]module.ValidatorUpdate, []abci.Event, error) {
	var updates []module.ValidatorUpdate
	var events []abci.Event
	for i, m := range mis {
		addr := strings.ToUpper(hex.EncodeToString(m.Validator.Address))
		ev := &identity.Evidence{Kind: evidenceKind(m.Type), Validator: addr, Height: m.Height,
			Time: m.Time.UTC().Format(time.RFC3339Nano), Committed: height, TotalPower: m.TotalVotingPower}
		code, err := kv.Get(identity.ValidatorKey(addr))
		if err != nil {
			return nil, nil, err
		}
		var d *identity.Department
		if code != nil {
			ev.Dept = string(code)
			if d, err = identity.GetDept(kv, ev.Dept); err != nil {
				return nil, nil, err
			}
		}
		if d != nil && d.Validator != nil {
			ev.PowerBefore, ev.PowerAfter = d.Validator.Power, d.Validator.Power
			// Evidence can trail the incident by blocks: what is dated
			// before the validator left the set for an earlier record
			// belongs to that incident, which governance may have judged
			// (and reinstated) since. Only a new offence takes the power.
			since, err := punishedUntil(kv, addr)
			if err != nil {
				return nil, nil, err
			}
			if d.Validator.Power > 0 && m.Height >= since {
				alone, err := onlyValidator(kv, d.Code)
				if err != nil {
					return nil, nil, err
				}
				// An empty set would halt the chain for good: then the
				// record stands and governance decides.
				if !alone {
					d.Validator.Power, ev.PowerAfter = 0, 0
					if err := identity.PutDept(kv, d); err != nil {
						return nil, nil, err
					}
					updates = append(updates, module.ValidatorUpdate{PubKeyType: ed25519.KeyType, PubKey: d.Validator.PubKey, Power: 0})
				}
			}
		}
		if err := kv.Set(identity.EvidenceKey(addr, height, i), module.MustJSON(ev)); err != nil {
			return nil, nil, err
		}
		events = append(events, abci.Event{Type: EventEvidence, Attributes: []abci.EventAttribute{
			{Key: "dept", Value: ev.Dept, Index: true},
			{Key: "validator", Value: addr, Index: true},
			{Key: "kind", Value: ev.Kind, Index: true},
			{Key: "height", Value: strconv.FormatInt(ev.Height, 10), Index: true},
		}})
	}
	return updates, events, nil
}

// punishedUntil is the first height at which the validator at addr was
// out of the set after its latest punishment (CometBFT applies an update
// from block J at J+2), or 0 if it was never punished.
func punishedUntil(kv state.KV, addr string) (int64, error) {
	var until int64
	err := state.IteratePrefix(kv, identity.EvidencePrefix(addr), false, func(_, v []byte) (bool, error) {
		var ev identity.Evidence
		if _, err := module.GetJSONBytes(v, &ev); err != nil {
			return false, err
		}
		if ev.PowerBefore > 0 && ev.PowerAfter == 0 {
			until = ev.Committed + 2
			return false, nil
		}
		return true, nil
	})
	return until, err
}

func evidenceKind(t abci.MisbehaviorType) string {
	switch t {
	case abci.MISBEHAVIOR_TYPE_DUPLICATE_VOTE:
		return identity.EvidenceDuplicateVote
	case abci.MISBEHAVIOR_TYPE_LIGHT_CLIENT_ATTACK:
		return identity.EvidenceLightClientAttack
	}
	return "unknown"
}

// onlyValidator reports whether code's is the only department validator
// with power (removed departments hold none).
func onlyValidator(kv state.KV, code string) (bool, error) {
	alone := true
	err := state.IteratePrefix(kv, identity.DeptKey(""), true, func(_, v []byte) (bool, error) {
		var d identity.Department
		if _, err := module.GetJSONBytes(v, &d); err != nil {
			return false, err
		}
		if d.Code != code && d.Status != identity.StatusRemoved && d.Validator != nil && d.Validator.Power > 0 {
			alone = false
			return false, nil
		}
		return true, nil
	})
	return alone, err
}
