// Package validity is the one expiry rule of certificates, issued here
// (certtypes) or recognised from a partner (rectypes): a certificate whose
// valid_until day has passed, in China Standard Time, at a block's time is
// expired. It sits below both light packages so that neither imports the
// other for it.
package validity

import (
	"time"

	"github.com/govchain/govchain/contracts/identifier"
)

// Passed reports whether the day validUntil ("2006-01-02"; "" = no end)
// is over at blockTime (zero = unknown: never over).
func Passed(validUntil string, blockTime time.Time) bool {
	return validUntil != "" && !blockTime.IsZero() && CivilDate(blockTime) > validUntil
}

// CivilDate is t's date in China Standard Time (identifier.CST).
func CivilDate(t time.Time) string { return t.In(identifier.CST).Format("2006-01-02") }
