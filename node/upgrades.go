package node

import (
	"slices"

	"github.com/govchain/govchain/chain"
)

// Upgrades are the state migrations this binary runs, one per governance
// upgrade plan it knows (docs/operator.md, "Upgrade the software"). A
// release that changes the state machine adds its plan here: the name the
// departments vote on, the versions after it (the app's rises by one) and
// the migration, e.g.
//
//	{Plan: "v1.3.0", Versions: map[string]uint64{upgrade.App: 2, certificate.Name: 2}, Migrate: certificate.MigrateRenewalNotice}
//
// New rules of that release must read their module's version from state
// (upgrade.Version) and apply only from it on, so that the release runs
// the old rules until the plan's height. Test builds (-tags upgradetest)
// add example plans (upgrades_example.go); a release is built without
// that tag.
func Upgrades() []chain.Migration { return slices.Clone(upgrades) }

var upgrades []chain.Migration
