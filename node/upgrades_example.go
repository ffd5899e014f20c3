//go:build upgradetest

package node

import (
	"errors"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/certificate"
)

// Example plans of test builds only (go build -tags upgradetest): the
// network test of governed upgrades runs version A (a release build) and
// then this build as version B.
func init() {
	upgrades = append(upgrades,
		// the worked example: certificate types get renewal_notice_days
		chain.Migration{Plan: "example-v2", Versions: map[string]uint64{upgrade.App: 2, certificate.Name: 2}, Migrate: certificate.MigrateRenewalNotice},
		// a migration that fails after writing: the node halts, nothing stays
		chain.Migration{Plan: "example-fails", Versions: map[string]uint64{upgrade.App: 2}, Migrate: func(ctx *module.Context) error {
			if err := ctx.Store.Set([]byte("upgrade/example-fails"), []byte("written, then dropped")); err != nil {
				return err
			}
			return errors.New("example-fails: this migration always fails (test build)")
		}},
	)
}
