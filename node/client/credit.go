package client

import (
	"time"

	"github.com/govchain/govchain/contracts/credit/credittypes"
)

// The credit routes' answers and their proof checks are the credit
// module's (contracts/credit/credittypes, answer.go); the names here keep
// the client's API whole.
type (
	CreditProfileResult = credittypes.CreditProfileResult
	CreditCheck         = credittypes.CreditCheck
	CreditEventResult   = credittypes.CreditEventResult
	CreditListItem      = credittypes.CreditListItem
	CreditListResult    = credittypes.CreditListResult
	CreditDeptList      = credittypes.CreditDeptList
	CreditGradeResult   = credittypes.CreditGradeResult
	CreditGradesResult  = credittypes.CreditGradesResult
	CreditGradeItem     = credittypes.CreditGradeItem
	CreditRulesResult   = credittypes.CreditRulesResult
	CreditAlertsResult  = credittypes.CreditAlertsResult
	CreditAlertItem     = credittypes.CreditAlertItem
	CreditWatchList     = credittypes.CreditWatchList
)

// CreditEventStatus is an event's status at block time bt: published,
// ended, repaired, or not_found (rec nil).
func CreditEventStatus(rec *credittypes.Record, bt time.Time) string {
	return credittypes.CreditEventStatus(rec, bt)
}
