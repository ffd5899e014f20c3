package certificate

import (
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// DefaultRenewalNoticeDays is the renewal notice version 2 gives every
// certificate type.
const DefaultRenewalNoticeDays = 30

// MigrateRenewalNotice moves the module's state from version 1 to 2, the
// worked example of a state migration (docs/operator.md, "Upgrade the
// software"): every certificate type gets the new field
// renewal_notice_days with its default. It runs once, in FinalizeBlock of
// the upgrade plan's height, in key order (deterministic); the release
// registers it for its plan with versions {app: N+1, certificate: 2}.
func MigrateRenewalNotice(ctx *module.Context) error {
	var types []certtypes.CertType
	err := state.IteratePrefix(ctx.Store, []byte(certtypes.Prefix+"/type/"), true, func(_, v []byte) (bool, error) {
		var t certtypes.CertType
		_, err := module.GetJSONBytes(v, &t)
		types = append(types, t)
		return true, err
	})
	if err != nil {
		return err
	}
	for _, t := range types {
		if t.RenewalNoticeDays == 0 {
			t.RenewalNoticeDays = DefaultRenewalNoticeDays
		}
		if err := ctx.Store.Set(TypeKey(t.Code), module.MustJSON(t)); err != nil {
			return err
		}
	}
	return nil
}
