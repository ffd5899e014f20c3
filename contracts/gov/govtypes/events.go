package govtypes

// The events the contract emits, by type. CometBFT indexes every attribute
// (node/explore searches and counts them); a tx search names them as
// type.attribute, e.g. gov.proposed.id='…'. Executed, failed, rejected and
// expired may also be block events (a proposal settled at its deadline).
const (
	EventProposed     = Name + ".proposed"
	EventVoted        = Name + ".voted"
	EventExecuted     = Name + ".executed"
	EventFailed       = Name + ".failed"
	EventRejected     = Name + ".rejected"
	EventExpired      = Name + ".expired"
	EventDeptAdmitted = Name + ".dept_admitted"
	EventDeptStatus   = Name + ".dept_status"
	// An upgrade plan scheduled or cancelled (its application at the
	// plan's height is the app's block event upgrade.applied).
	EventUpgradeScheduled = Name + ".upgrade_scheduled"
	EventUpgradeCancelled = Name + ".upgrade_cancelled"
)

// EventAttrs are each event's attributes, in the order the contract emits
// them (TestEventsAsDeclared holds the contract to this table).
var EventAttrs = map[string][]string{
	EventProposed:         {"id", "kind", "proposer"},
	EventVoted:            {"id", "dept", "vote"},
	EventExecuted:         {"id", "kind"},
	EventFailed:           {"id", "error"},
	EventRejected:         {"id"},
	EventExpired:          {"id"},
	EventDeptAdmitted:     {"dept"},
	EventDeptStatus:       {"dept", "status"},
	EventUpgradeScheduled: {"name", "height", "sha256"},
	EventUpgradeCancelled: {"name", "height"},
}

// Attr names one attribute of an event in a search: "gov.proposed.id".
func Attr(event, attr string) string { return event + "." + attr }
