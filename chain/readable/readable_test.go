package readable

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

func TestNameAccepts(t *testing.T) {
	for _, s := range []string{
		"",
		"营业执照",
		"市场监督管理局",
		"Business Licence",
		"食品经营许可证（餐饮）",
		"王芳",
		"\u845b\U000E0100",      // 葛 with an ideographic variation selector (IVS)
		"\uE000私用",              // private use: rare characters of personal names
		"\u1820\u180B\u1821",    // Mongolian with a free variation selector
		"Café",                  // NFC é
		"R\u00e9sum\u00e9 2026", // spaces between words
		"\u0627\u0644\u0639\u0631\u0628\u064a\u0629", // Arabic letters are fine; only the controls are not
	} {
		if err := Name(s); err != nil {
			t.Errorf("Name(%+q) = %v, want nil", s, err)
		}
		if err := Text(s); err != nil {
			t.Errorf("Text(%+q) = %v, want nil", s, err)
		}
	}
}

func TestNameRefuses(t *testing.T) {
	for _, c := range []struct {
		s      string
		rune   rune
		offset int
		msg    string
	}{
		{"营业\u200B执照", 0x200B, 6, "contains U+200B ZERO WIDTH SPACE at byte 6 (format/bidi control characters are not allowed)"},
		{"营业执照\u202E", 0x202E, 12, "contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 12 (format/bidi control characters are not allowed)"},
		{"\u2066SCJG\u2069", 0x2066, 0, "U+2066 LEFT-TO-RIGHT ISOLATE"},
		{"a\u200Db", 0x200D, 1, "U+200D ZERO WIDTH JOINER"},
		{"a\u200Fb", 0x200F, 1, "U+200F RIGHT-TO-LEFT MARK"},
		{"\uFEFF营业执照", 0xFEFF, 0, "U+FEFF ZERO WIDTH NO-BREAK SPACE"},
		{"a\u00ADb", 0x00AD, 1, "U+00AD SOFT HYPHEN"},
		{"a\u2060b", 0x2060, 1, "U+2060 WORD JOINER"},
		{"a\U000E0041b", 0xE0041, 1, "U+E0041 (a format character)"},
		{"a\tb", '\t', 1, "U+0009 CHARACTER TABULATION at byte 1 (control characters are not allowed)"},
		{"a\nb", '\n', 1, "U+000A LINE FEED"},
		{"a\u0085b", 0x85, 1, "U+0085 NEXT LINE"},
		{"a\u2028b", 0x2028, 1, "U+2028 LINE SEPARATOR at byte 1 (line and paragraph separators are not allowed)"},
		{"a\u3164b", 0x3164, 1, "U+3164 HANGUL FILLER at byte 1 (invisible filler characters are not allowed)"},
		{"a\u034Fb", 0x034F, 1, "U+034F COMBINING GRAPHEME JOINER"},
		{"a\uFDD0b", 0xFDD0, 1, "U+FDD0 (a noncharacter) at byte 1 (noncharacters are not allowed)"},
		{"a\u00A0b", 0xA0, 1, "U+00A0 NO-BREAK SPACE at byte 1 (the only space allowed in a name is U+0020 SPACE)"},
		{"市场\u3000监督", 0x3000, 6, "U+3000 IDEOGRAPHIC SPACE"},
		{" 营业执照", ' ', 0, "starts with a space"},
		{"营业执照 ", ' ', 12, "ends with a space"},
		{"a\xffb", 0xFFFD, 1, "is not valid UTF-8 (byte 0xff at byte 1)"},
		{"Cafe\u0301", 0x0065, 3, `is not in Unicode normalization form NFC (from byte 3, U+0065); send the NFC form "Caf\u00e9"`},
		{"\u212B", 0x212B, 0, `send the NFC form "\u00c5"`}, // ANGSTROM SIGN → Å
		{"\uF900", 0xF900, 0, `send the NFC form "\u8c48"`}, // CJK compatibility ideograph → 豈
	} {
		err := Name(c.s)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Name(%+q) = %v, want *Error", c.s, err)
			continue
		}
		if e.Rune != c.rune || e.Offset != c.offset || !strings.Contains(e.Error(), c.msg) {
			t.Errorf("Name(%+q) = {%U at %d: %s}, want {%U at %d: ...%s...}", c.s, e.Rune, e.Offset, e.Error(), c.rune, c.offset, c.msg)
		}
	}
}

func TestText(t *testing.T) {
	for _, s := range []string{"第一行\n第二行", "\t缩进", " 前后空格 ", "全角\u3000空格", "a\u00A0b"} {
		if err := Text(s); err != nil {
			t.Errorf("Text(%+q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"依据\u202E第十条", "a\rb", "a\x00b", "a\u2029b", "Cafe\u0301", "x\u200By"} {
		if err := Text(s); err == nil {
			t.Errorf("Text(%+q) = nil, want an error", s)
		}
	}
}

// TestNFCAgreesWithNorm: every string norm leaves unchanged passes the NFC
// part, every other is refused, including segments far into the string.
func TestNFCAgreesWithNorm(t *testing.T) {
	for _, s := range []string{"e\u0301", "\u00e9", "\u1100\u1161", "\uAC00", "a\u0323\u0307", "a\u0307\u0323", "\u0041\u030A",
		strings.Repeat("许可", 300) + "e\u0301", strings.Repeat("许可", 300) + "\u00e9"} {
		want := norm.NFC.String(s) == s
		if got := Name(s) == nil; got != want {
			t.Errorf("Name(%+q) passes = %v; norm says NFC = %v", s, got, want)
		}
		if !want {
			var e *Error
			errors.As(Name(s), &e)
			if e == nil || norm.NFC.String(s[:e.Offset]) != s[:e.Offset] {
				t.Errorf("Name(%+q): offset of the first change is wrong: %v", s, e)
			}
		}
	}
}

// TestTablesMatchUnicode: the fixed tables are Unicode 15.0.0's. When the
// Go toolchain's unicode tables differ, this fails: moving the tables to a
// new Unicode version changes which names the chain accepts, so it must be
// a deliberate, coordinated upgrade of every node, never a side effect of
// building with a newer Go.
func TestTablesMatchUnicode(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := inFormat(r), unicode.Is(unicode.Cf, r); got != want {
			t.Fatalf("%U: in the Cf table = %v, unicode %s says %v", r, got, unicode.Version, want)
		}
		if got, want := isSpace(r), unicode.Is(unicode.Zs, r); got != want {
			t.Fatalf("%U: in the Zs table = %v, unicode %s says %v", r, got, unicode.Version, want)
		}
	}
	if norm.Version != "15.0.0" {
		t.Fatalf("golang.org/x/text/unicode/norm is Unicode %s; the chain's rule is 15.0.0", norm.Version)
	}
	for r, n := range names {
		if want := runenames.Name(r); want != n && !(r < 0x20 || r >= 0x7f && r < 0xa0) {
			t.Errorf("%U: table says %q, Unicode says %q", r, n, want)
		}
		if refused(r, false) == "" {
			t.Errorf("%U %s is named for errors but not refused", r, n)
		}
	}
}
