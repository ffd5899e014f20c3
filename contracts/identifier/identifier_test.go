package identifier

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
)

// refUSCCCheck is an independent implementation of GB 32100-2015's check
// character: weights as powers of 3 mod 31, alphabet values from a table
// built by removing I O S V Z from 0-9A-Z, check = (31 - Σ mod 31) mod 31.
func refUSCCCheck(t *testing.T, body string) byte {
	t.Helper()
	vals := map[rune]int{}
	n := 0
	for _, c := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		if strings.ContainsRune("IOSVZ", c) {
			continue
		}
		vals[c] = n
		n++
	}
	if n != 31 {
		t.Fatalf("alphabet has %d symbols", n)
	}
	alphabet := make([]rune, 31)
	for c, v := range vals {
		alphabet[v] = c
	}
	sum, w := 0, 1
	for _, c := range body {
		v, ok := vals[c]
		if !ok {
			t.Fatalf("helper: %q not in alphabet", c)
		}
		sum += v * w
		w = w * 3 % 31
	}
	return byte(alphabet[(31-sum%31)%31])
}

// refIDCheck: ISO 7064 MOD 11-2 computed as (12 - Σ a_i·2^(18-i) mod 11) mod 11,
// value 10 written X.
func refIDCheck(body string) byte {
	sum := 0
	for i, c := range body {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(c-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}

func TestWeightsMatchDefinition(t *testing.T) {
	w := 1
	for i := 0; i < 17; i++ {
		if usccWeights[i] != w {
			t.Fatalf("USCC weight %d is %d, 3^%d mod 31 = %d", i+1, usccWeights[i], i, w)
		}
		w = w * 3 % 31
	}
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		if idWeights[i] != w {
			t.Fatalf("ID weight %d is %d, 2^%d mod 11 = %d", i+1, idWeights[i], 17-i, w)
		}
	}
}

func TestUSCCPublishedExamples(t *testing.T) {
	for _, c := range []string{"91350100M000100Y43", "91110000802100433B", " 91350100m000100y43\n"} {
		n, err := NormalizeUSCC(c)
		if err != nil {
			t.Errorf("%q: %v", c, err)
		}
		if n != Normalize(c) {
			t.Errorf("%q normalised to %q", c, n)
		}
	}
}

// usccGood builds valid codes with the independent helper: every
// registration authority and type symbol, many division codes and bodies.
func usccGood(t *testing.T) []string {
	var out []string
	bodies := []string{"91350100M000100Y4", "91110000802100433", "12100000400000624", "31110000MD0231768", "52440300MJL1234XY", "Y1440300000000000", "93510100MA6CQ7YJ5"}
	for i := 0; i < 200; i++ {
		alphabet := usccAlphabet
		b := []byte(fmt.Sprintf("%c%c%06d", alphabet[i%31], alphabet[(i*7)%31], 110000+i*4937%880000))
		for k := 0; k < 9; k++ {
			b = append(b, alphabet[(i*13+k*k*5+k)%31])
		}
		bodies = append(bodies, string(b))
	}
	for _, b := range bodies {
		out = append(out, b+string(refUSCCCheck(t, b)))
	}
	return out
}

func TestUSCCKnownGood(t *testing.T) {
	good := usccGood(t)
	zeroCheck := 0
	for _, c := range good {
		if err := ValidateUSCC(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
		if c[17] == '0' {
			zeroCheck++
		}
	}
	if len(good) < 200 {
		t.Fatalf("only %d good codes", len(good))
	}
	// The 31 → 0 rule is exercised: find a body whose check is 0.
	found := false
	for i := 0; i < 10000 && !found; i++ {
		b := fmt.Sprintf("91350100%09d", i)
		if refUSCCCheck(t, b) == '0' {
			if err := ValidateUSCC(b + "0"); err != nil {
				t.Fatalf("%s0: %v", b, err)
			}
			found = true
		}
	}
	if !found {
		t.Fatal("no body with check character 0 found")
	}
}

func TestUSCCKnownBad(t *testing.T) {
	cases := []struct{ code, want string }{
		{"91350100M000100Y4", "must be 18 characters, got 17"},
		{"91350100M000100Y431", "must be 18 characters, got 19"},
		{"", "must be 18 characters, got 0"},
		{"91350100M000100Y44", "check character is 4, computed 3"},
		{"91350100M000100Y4A", "check character is A, computed 3"},
		{"9135O100M000100Y43", "character 'O' not allowed at position 5"},
		{"9I350100M000100Y43", "character 'I' not allowed at position 2"},
		{"91350100M0001S0Y43", "character 'S' not allowed at position 14"},
		{"91350100M000100V43", "character 'V' not allowed at position 16"},
		{"91350100M000100Y4Z", "character 'Z' not allowed at position 18"},
		{"91350100m000100Y43", "character 'm' not allowed at position 9"},
		{"91 350100M00010Y43", "character ' ' not allowed at position 3"},
		{"913501A0M000100Y43", "character 'A' at position 7: the administrative division code"},
	}
	for _, tc := range cases {
		err := ValidateUSCC(tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.code, err, tc.want)
		}
	}
	// Every single-character substitution of a good code is caught (the
	// check character detects all single errors).
	good := "91350100M000100Y43"
	for i := 0; i < 18; i++ {
		for _, c := range []byte(usccAlphabet) {
			if c == good[i] {
				continue
			}
			b := []byte(good)
			b[i] = c
			if i >= 2 && i < 8 && (c < '0' || c > '9') {
				continue // rejected by the division rule instead; covered above
			}
			if ValidateUSCC(string(b)) == nil {
				t.Fatalf("substitution %q at position %d accepted: %s", c, i+1, b)
			}
		}
	}
}

func TestCitizenIDPublishedExamples(t *testing.T) {
	for _, c := range []string{"11010519491231002X", "11010519491231002x", " 11010519491231002X ", "440524188001010014", "11010120000229001X"[:17] + string(refIDCheck("11010120000229001"))} {
		if _, err := NormalizeCitizenID(c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
}

func TestCitizenIDKnownGood(t *testing.T) {
	var good []string
	dates := []string{"19491231", "20000229", "19000101", "20240229", "19991231", "20010131", "18000101", "20261130"}
	for i := 0; i < 300; i++ {
		body := fmt.Sprintf("%06d%s%03d", 110000+i*2711%700000, dates[i%len(dates)], i*37%1000)
		good = append(good, body+string(refIDCheck(body)))
	}
	xs := 0
	for _, id := range good {
		if err := ValidateCitizenID(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if id[17] == 'X' {
			xs++
			if _, err := NormalizeCitizenID(strings.ToLower(id)); err != nil {
				t.Errorf("lower-case x: %v", err)
			}
		}
	}
	if xs == 0 {
		t.Fatal("no generated ID ends in X")
	}
}

func TestCitizenIDKnownBad(t *testing.T) {
	fix := func(body string) string { return body + string(refIDCheck(body)) }
	cases := []struct{ id, want string }{
		{"110105194912310021", "check character is 1, computed X"},
		{"11010519491231002", "must be 18 characters, got 17"},
		{"1101051949123100211", "must be 18 characters, got 19"},
		{fix("11010519990231001"), "birth date 19990231 is not a date"},
		{fix("11010519000229001"), "birth date 19000229 is not a date"}, // 1900 is not a leap year
		{fix("11010520231301001"), "birth date 20231301 is not a date"},
		{fix("11010520230100001"), "birth date 20230100 is not a date"},
		{fix("11010517991231001"), "birth date 17991231 is not a date"},
		{fix("11010520230431001"), "birth date 20230431 is not a date"},
		{"1101O5194912310021", "character 'O' not allowed at position 5"},
		{"11010519491231002Y", "character 'Y' not allowed at position 18"},
		{"X10105194912310021", "character 'X' not allowed at position 1"},
		{fix("01010519491231002"), "area code 010105 is not valid"},
	}
	for _, tc := range cases {
		err := ValidateCitizenID(tc.id)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.id, err, tc.want)
		}
	}
	// a wrong check character names both characters
	id := "11010519491231002X"
	for _, c := range "0123456789" {
		bad := id[:17] + string(c)
		err := ValidateCitizenID(bad)
		want := fmt.Sprintf("check character is %c, computed X", c)
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", bad, err, want)
		}
	}
}

func TestHolderRef(t *testing.T) {
	salt := []byte("network-salt-0001")
	ref, err := PersonRef(salt, " 11010519491231002x")
	if err != nil {
		t.Fatal(err)
	}
	if want := smcrypto.SM3Hex([]byte("network-salt-0001"), []byte("11010519491231002X")); ref != want {
		t.Fatalf("ref %s, want %s", ref, want)
	}
	if ref == smcrypto.SM3Hex([]byte("11010519491231002X")) {
		t.Fatal("salt ignored")
	}
	other, _ := PersonRef([]byte("another-network"), "11010519491231002X")
	if other == ref {
		t.Fatal("two salts gave the same reference")
	}
	if strings.Contains(ref, "110105") {
		t.Fatal("reference contains the ID")
	}
	if err := ValidateHolderRef(HolderPerson, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := PersonRef(salt, "11010519491231002"); err == nil {
		t.Fatal("short ID accepted")
	}
	for _, tc := range []struct{ kind, ref, want string }{
		{HolderPerson, "11010519491231002X", "must be 64 lower-case hex characters"},
		{HolderPerson, strings.ToUpper(ref), "is not lower-case hex"},
		{HolderOrg, "91350100m000100y43", "not in normal form"},
		{HolderOrg, "91350100M000100Y44", "check character is 4, computed 3"},
		{"company", "91350100M000100Y43", `holder kind "company"`},
	} {
		err := ValidateHolderRef(tc.kind, tc.ref)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: got %v, want %q", tc.kind, tc.ref, err, tc.want)
		}
	}
	if err := ValidateHolderRef(HolderOrg, "91350100M000100Y43"); err != nil {
		t.Fatal(err)
	}
	if !LooksLikeCitizenID("11010519491231002x") || LooksLikeCitizenID("BL-2026-000001") {
		t.Fatal("LooksLikeCitizenID")
	}
}

func TestSplitDate(t *testing.T) {
	for _, c := range []struct {
		s       string
		y, m, d int
		ok      bool
	}{
		{"2026-03-01", 2026, 3, 1, true},
		{"2026-02-30", 2026, 2, 30, true}, // the shape only: DaysIn is the caller's
		{"0000-00-00", 0, 0, 0, true},
		{"2026-3-01", 0, 0, 0, false},
		{"2026/03/01", 0, 0, 0, false},
		{"2026-03-01 ", 0, 0, 0, false},
		{"2026-03-01\n", 0, 0, 0, false},
		{"+026-03-01", 0, 0, 0, false},
		{"２０２６-03-01", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		y, m, d, ok := SplitDate(c.s)
		if ok != c.ok || ok && (y != c.y || m != c.m || d != c.d) {
			t.Errorf("SplitDate(%q) = %d %d %d %v, want %d %d %d %v", c.s, y, m, d, ok, c.y, c.m, c.d, c.ok)
		}
	}
}
