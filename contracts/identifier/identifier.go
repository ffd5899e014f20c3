// Package identifier validates the two identifiers certificate holders are
// known by, and turns them into the holder references stored on chain:
//
//   - the unified social credit code of organisations (统一社会信用代码,
//     GB 32100-2015), which is public and is stored as is;
//   - the citizen identity number (公民身份号码, GB 11643-1999), which is
//     personal data and never goes on chain: only a salted SM3 of it does.
//
// Validation is pure and deterministic (no clock: a birth date is checked to
// be a real calendar date, not to be in the past), so contracts may call it.
// Every error says exactly what is wrong and where.
package identifier

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// USCCLen and CitizenIDLen are the lengths of the two identifiers.
const (
	USCCLen      = 18
	CitizenIDLen = 18
)

// usccAlphabet is GB 32100-2015's 31 symbols in value order (no I O S V Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the weights of positions 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

func usccValue(c byte) int { return strings.IndexByte(usccAlphabet, c) }

// Normalize trims surrounding white space and upper-cases the code (both
// identifiers may be written with a lower-case x or letters).
func Normalize(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// USCCCheckChar computes the check character of the first 17 characters of
// a unified social credit code.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("unified social credit code body must be 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue(first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %s not allowed at position %d (allowed: %s)", quoteChar(first17, i), i+1, usccAlphabet)
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c], nil
}

// ValidateUSCC checks an already-normalised unified social credit code:
// 18 characters from the 31-symbol alphabet, a 6-digit administrative
// division code in positions 3..8 and a correct check character.
func ValidateUSCC(code string) error {
	if len(code) != USCCLen {
		return fmt.Errorf("unified social credit code must be %d characters, got %d", USCCLen, len(code))
	}
	for i := 0; i < USCCLen; i++ {
		if usccValue(code[i]) < 0 {
			return fmt.Errorf("character %s not allowed at position %d of the unified social credit code (allowed: %s)", quoteChar(code, i), i+1, usccAlphabet)
		}
	}
	// Positions 3..8 are the administrative division code (GB/T 2260): digits.
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return fmt.Errorf("character %s at position %d: the administrative division code (positions 3-8) must be digits", quoteChar(code, i), i+1)
		}
	}
	want, err := USCCCheckChar(code[:17])
	if err != nil {
		return err
	}
	if code[17] != want {
		return fmt.Errorf("check character is %c, computed %c", code[17], want)
	}
	return nil
}

// NormalizeUSCC normalises and validates s, returning the canonical form.
func NormalizeUSCC(s string) (string, error) {
	n := Normalize(s)
	return n, ValidateUSCC(n)
}

// idWeights are ISO 7064 MOD 11-2 weights (2^(18-i) mod 11) for positions 1..17.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck maps Σ mod 11 to the check character.
const idCheck = "10X98765432"

// CitizenIDCheckChar computes the check character of the first 17 digits of
// a citizen identity number.
func CitizenIDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("citizen identity number body must be 17 digits, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("character %s not allowed at position %d (digits only)", quoteChar(first17, i), i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheck[sum%11], nil
}

// ValidateCitizenID checks an already-normalised 18-character citizen
// identity number: 6-digit area code, birth date YYYYMMDD that is a real
// calendar date (year 1800 or later), 3-digit sequence, check character.
func ValidateCitizenID(id string) error {
	if len(id) != CitizenIDLen {
		return fmt.Errorf("citizen identity number must be %d characters, got %d", CitizenIDLen, len(id))
	}
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return fmt.Errorf("character %s not allowed at position %d of the citizen identity number (digits only; the last may be X)", quoteChar(id, i), i+1)
		}
	}
	if c := id[17]; (c < '0' || c > '9') && c != 'X' {
		return fmt.Errorf("character %s not allowed at position 18 of the citizen identity number (digit or X)", quoteChar(id, 17))
	}
	if id[0] == '0' {
		return fmt.Errorf("area code %s is not valid: it cannot start with 0", id[:6])
	}
	if !realDate(id[6:14]) {
		return fmt.Errorf("birth date %s is not a date", id[6:14])
	}
	want, err := CitizenIDCheckChar(id[:17])
	if err != nil {
		return err
	}
	if id[17] != want {
		return fmt.Errorf("check character is %c, computed %c", id[17], want)
	}
	return nil
}

// NormalizeCitizenID normalises and validates s, returning the canonical form.
func NormalizeCitizenID(s string) (string, error) {
	n := Normalize(s)
	return n, ValidateCitizenID(n)
}

// realDate reports whether d (8 digits, YYYYMMDD) is a Gregorian calendar
// date with year >= 1800. Integer arithmetic only: no time zone, no clock.
func realDate(d string) bool {
	y := atoi(d[0:4])
	m := atoi(d[4:6])
	day := atoi(d[6:8])
	if y < 1800 || m < 1 || m > 12 || day < 1 {
		return false
	}
	return day <= DaysIn(y, m)
}

// CST is China Standard Time, a fixed offset: no time zone database is
// consulted, so every node computes the same civil dates.
var CST = time.FixedZone("CST", 8*3600)

// SplitDate splits a date written YYYY-MM-DD (ASCII digits) into its
// numbers; ok is false for any other shape. Whether it is a real date
// (DaysIn) and in which years is each caller's rule.
func SplitDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return 0, 0, 0, false
		}
	}
	return atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10]), true
}

// DaysIn returns the number of days of month m (1..12) of year y.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func quoteChar(s string, i int) string {
	c := s[i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("'%c'", c)
	}
	return fmt.Sprintf("0x%02x", c)
}

// Holder kinds.
const (
	HolderPerson = "person"
	HolderOrg    = "org"
)

// HolderRef is the reference the chain stores for a certificate holder.
//
// For an organisation it is the unified social credit code itself: it is
// public (printed on the business licence and published in the national
// enterprise credit system), so hiding it would protect nothing.
//
// For a person it is hex(SM3(salt || normalised ID number)). A plain
// SM3(ID) would NOT be anonymous: ID numbers are guessable — about 3,000
// area codes × 36,500 birth dates (100 years) × 1,000 sequence numbers, with
// the check character removing nothing — roughly 10^11 candidates, which
// one machine enumerates in hours, and knowing someone's birth date and
// home district leaves a few thousand. The per-network salt (the
// certificate module's genesis parameter holder_salt) stops precomputed
// tables shared across networks and makes references from two networks
// unlinkable; it does not stop someone who can read this network's state
// from testing a guessed ID number. That is the intended use (a citizen,
// or a verifier the citizen shows the ID to, recomputes the reference),
// and it is why references are pseudonymous, not anonymous: see
// docs/certificates.md.
func HolderRef(salt []byte, normalisedID string) string {
	return smcrypto.SM3Hex(salt, []byte(normalisedID))
}

// PersonRef validates a citizen identity number and returns its reference.
func PersonRef(salt []byte, id string) (string, error) {
	n, err := NormalizeCitizenID(id)
	if err != nil {
		return "", err
	}
	return HolderRef(salt, n), nil
}

// ValidateHolderRef checks a reference as stored on chain: for kind org the
// canonical (normalised) unified social credit code, for kind person 64
// lower-case hex characters.
func ValidateHolderRef(kind, ref string) error {
	switch kind {
	case HolderOrg:
		if n := Normalize(ref); n != ref {
			return fmt.Errorf("organisation holder ref %q is not in normal form (want %q)", ref, n)
		}
		return ValidateUSCC(ref)
	case HolderPerson:
		if len(ref) != 64 {
			return fmt.Errorf("person holder ref must be 64 lower-case hex characters (SM3 of salt||ID number, computed by the client), got %d characters", len(ref))
		}
		for i := 0; i < len(ref); i++ {
			c := ref[i]
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return fmt.Errorf("person holder ref: character %s at position %d is not lower-case hex", quoteChar(ref, i), i+1)
			}
		}
		if _, err := hex.DecodeString(ref); err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("holder kind %q is neither %q nor %q", kind, HolderPerson, HolderOrg)
}

// LooksLikeCitizenID reports whether s (after normalisation) is a valid
// citizen identity number; contracts use it to refuse ID numbers typed into
// free-text fields such as a licence number.
func LooksLikeCitizenID(s string) bool { return ValidateCitizenID(Normalize(s)) == nil }
