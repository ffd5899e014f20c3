package credittypes

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/contracts/identifier"
)

// Error codes of the credit codespace: 501..599. Package credit returns
// them and re-exports them; clients switch on their codes.
var (
	ErrBadInput       = errs.Register(Name, 501, "invalid input")
	ErrBadSubject     = errs.Register(Name, 502, "invalid subject")
	ErrPersonalData   = errs.Register(Name, 503, "personal data in clear")
	ErrBadDates       = errs.Register(Name, 504, "invalid dates")
	ErrBadEnvelope    = errs.Register(Name, 505, "invalid details envelope")
	ErrNotFound       = errs.Register(Name, 506, "unknown credit event")
	ErrNotRepairable  = errs.Register(Name, 507, "event cannot be repaired")
	ErrNotRecorder    = errs.Register(Name, 508, "not the recording department")
	ErrAlreadyRepair  = errs.Register(Name, 509, "event already repaired")
	ErrDuplicate      = errs.Register(Name, 510, "event already recorded")
	ErrBatchTooLarge  = errs.Register(Name, 511, "batch too large")
	ErrBadSeverity    = errs.Register(Name, 512, "invalid severity")
	ErrUnknownKind    = errs.Register(Name, 513, "unknown event kind")
	ErrSubjectUnknown = errs.Register(Name, 514, "no credit events for subject")
	// ErrUnreadable: a decision number or legal basis with an invisible or
	// reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register(Name, 530, "text not plainly readable")
	// ErrSealedElsewhere: the sealed details (their ciphertext) are already
	// the details of another event.
	ErrSealedElsewhere = errs.Register(Name, 531, "details sealed for another event")
)

// ---- input rules ----
//
// The checks of an event that need no state: the contract runs them, and
// clients run them before sending (the import's dry run reports exactly
// what the chain would).

// ParseDate parses YYYY-MM-DD (a real calendar date, year 1949 or later)
// as midnight China Standard Time.
func ParseDate(field, s string) (time.Time, error) {
	y, m, d, ok := identifier.SplitDate(s)
	if !ok {
		return time.Time{}, ErrBadDates.Wrapf("%s %q must be a date YYYY-MM-DD", field, s)
	}
	if y < 1949 || y > 9998 || m < 1 || m > 12 || d < 1 || d > identifier.DaysIn(y, m) {
		return time.Time{}, ErrBadDates.Wrapf("%s %s is not a date (1949 or later)", field, s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, identifier.CST), nil
}

// ParseInstant parses an RFC 3339 instant in its one accepted form: UTC,
// whole seconds ("2027-06-30T16:00:00Z").
func ParseInstant(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.UTC().Format(time.RFC3339) != s {
		return time.Time{}, ErrBadDates.Wrapf("%s %q must be an RFC 3339 UTC instant to the second, e.g. 2027-06-30T16:00:00Z", field, s)
	}
	return t, nil
}

// PublishEndOfDay is the publish_end for "published through day" (a
// YYYY-MM-DD date, China Standard Time): the next midnight CST, in UTC.
func PublishEndOfDay(day string) (string, error) {
	t, err := ParseDate("publication end date", day)
	if err != nil {
		return "", err
	}
	return t.AddDate(0, 0, 1).UTC().Format(time.RFC3339), nil
}

// checkText: valid UTF-8, no control characters, 1..max bytes, no
// citizen ID number anywhere in it, and text people read as what it is
// (chain/readable).
func checkText(field, s string, max int) error {
	if s == "" {
		return ErrBadInput.Wrapf("%s is required", field)
	}
	if len(s) > max || !utf8.ValidString(s) {
		return ErrBadInput.Wrapf("%s must be valid UTF-8 of at most %d bytes, got %d bytes", field, max, len(s))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ErrBadInput.Wrapf("%s contains control character %U", field, r)
		}
	}
	if err := readable.Text(s); err != nil {
		return ErrUnreadable.Wrapf("%s %s", field, err)
	}
	if at := citizenIDIn(s); at >= 0 {
		return ErrPersonalData.Wrapf("%s contains a citizen identity number at byte %d; personal data goes in the encrypted details only", field, at)
	}
	return nil
}

// citizenIDIn returns the byte offset of the first valid citizen ID number
// (18 characters, 17 digits and a digit or X/x) inside s, or -1.
func citizenIDIn(s string) int {
	for i := 0; i+identifier.CitizenIDLen <= len(s); i++ {
		if s[i] < '1' || s[i] > '9' {
			continue
		}
		if identifier.LooksLikeCitizenID(s[i : i+identifier.CitizenIDLen]) {
			return i
		}
	}
	return -1
}

// ValidateSubject checks a subject as stored on chain: an organisation by
// its canonical unified social credit code (check character verified), a
// person by a 64-hex salted reference; an ID number in clear is refused.
func ValidateSubject(kind, ref string) error {
	switch kind {
	case SubjectOrg:
		if n := identifier.Normalize(ref); n != ref {
			return ErrBadSubject.Wrapf("unified social credit code %q is not in normal form (want %q)", ref, n)
		}
		if err := identifier.ValidateUSCC(ref); err != nil {
			return ErrBadSubject.Wrapf("unified social credit code %q: %v", ref, err)
		}
		return nil
	case SubjectPerson:
		if identifier.LooksLikeCitizenID(ref) {
			return ErrPersonalData.Wrapf("subject_ref is a citizen identity number in clear; send hex(SM3(salt || ID)) computed locally with the salt in credit/params (govchain credit record --subject-id does this)")
		}
		if err := identifier.ValidateHolderRef(identifier.HolderPerson, ref); err != nil {
			return ErrBadSubject.Wrapf("%v", err)
		}
		return nil
	}
	return ErrBadSubject.Wrapf("subject_kind %q is neither %q nor %q", kind, SubjectOrg, SubjectPerson)
}

// SubjectRef turns a subject identifier into its on-chain reference,
// client-side: a USCC is normalised and validated (it is its own
// reference); a citizen ID number is validated and hashed with salt. kind
// "" detects which of the two id is.
func SubjectRef(salt []byte, kind, id string) (k, ref string, err error) {
	n := identifier.Normalize(id)
	if kind == "" {
		switch {
		case identifier.LooksLikeCitizenID(n):
			kind = SubjectPerson
		case identifier.ValidateUSCC(n) == nil:
			kind = SubjectOrg
		default:
			if len(n) == identifier.USCCLen && n[0] >= '0' && n[0] <= '9' && isDigits(n[:17]) {
				_, err := identifier.NormalizeCitizenID(n)
				return "", "", fmt.Errorf("citizen identity number: %v", err)
			}
			_, err := identifier.NormalizeUSCC(n)
			return "", "", fmt.Errorf("neither a valid citizen identity number nor a unified social credit code: %v", err)
		}
	}
	switch kind {
	case SubjectOrg:
		if err := identifier.ValidateUSCC(n); err != nil {
			return "", "", fmt.Errorf("unified social credit code: %w", err)
		}
		return kind, n, nil
	case SubjectPerson:
		if err := identifier.ValidateCitizenID(n); err != nil {
			return "", "", fmt.Errorf("citizen identity number: %w", err)
		}
		if len(salt) < 16 {
			return "", "", fmt.Errorf("subject salt shorter than 16 bytes")
		}
		return kind, identifier.HolderRef(salt, n), nil
	}
	return "", "", fmt.Errorf("subject kind %q is neither org nor person", kind)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidateFields checks the fields of an event that need no state: subject,
// texts, dates, severity and the shape of repairs. Clients run it before
// sending (the import's dry run reports exactly what the chain would).
func ValidateFields(m *Event) error {
	if !ValidKind(m.Kind) {
		return ErrUnknownKind.Wrapf("kind %q", m.Kind)
	}
	if err := ValidateSubject(m.SubjectKind, m.SubjectRef); err != nil {
		return err
	}
	if err := checkText("legal_basis", m.LegalBasis, 512); err != nil {
		return err
	}
	if err := checkText("decision_no", m.DecisionNo, 128); err != nil {
		return err
	}
	// The decision number identifies the decision to people and to the
	// duplicate guard: it follows the rule for names, so no look-alike of
	// a recorded number can be recorded again.
	if err := readable.Name(m.DecisionNo); err != nil {
		return ErrUnreadable.Wrapf("decision_no %s", err)
	}
	eff, err := ParseDate("effective_date", m.EffectiveDate)
	if err != nil {
		return err
	}
	pe, err := ParseInstant("publish_end", m.PublishEnd)
	if err != nil {
		return err
	}
	if !pe.After(eff) {
		return ErrBadDates.Wrapf("publish_end %s is not after the start of effective_date %s (China Standard Time)", m.PublishEnd, m.EffectiveDate)
	}
	if pe.Sub(eff) > 100*366*24*time.Hour {
		return ErrBadDates.Wrapf("publication period %s..%s is longer than 100 years", m.EffectiveDate, m.PublishEnd)
	}
	if m.Severity < 1 || m.Severity > 5 {
		return ErrBadSeverity.Wrapf("severity %d must be an integer 1..5", m.Severity)
	}
	switch {
	case m.Kind == KindRepair && !ValidID(m.Repairs):
		return ErrBadInput.Wrapf("a repair must name the repaired event: repairs %q is not an event id (12 digits)", m.Repairs)
	case m.Kind != KindRepair && m.Repairs != "":
		return ErrBadInput.Wrapf("repairs is only for kind repair, not %s", m.Kind)
	}
	return nil
}
