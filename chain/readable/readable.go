// Package readable is the one rule for strings that people read on chain:
// names (of departments, officers, certificate types, catalog entries,
// partners, ...) and the public free text around them.
//
// A name must look like exactly one string. Two names that render the same
// but differ in bytes let one department's entry pass for another's, and an
// invisible character lets a copy slip past a duplicate guard. So a name is
// refused when it contains a character that is invisible or reorders what
// is shown, and when it is not in Unicode Normalization Form C:
//
//   - control characters (Cc) and format characters (Cf), which include the
//     bidirectional controls U+202A..U+202E and U+2066..U+2069, the zero-width
//     characters U+200B..U+200F, U+2060 and the byte order mark U+FEFF;
//   - the line and paragraph separators U+2028 and U+2029;
//   - the invisible fillers U+034F, U+115F, U+1160, U+17B4, U+17B5, U+3164,
//     U+FFA0 and the unassigned specials U+FFF0..U+FFF8 (default-ignorable
//     characters that are not Cf). The variation selectors, also default
//     ignorable, are allowed: ideographic variation sequences write rare
//     characters of personal names, and Mongolian needs its selectors;
//   - the noncharacters U+FDD0..U+FDEF and U+nFFFE, U+nFFFF;
//   - any space other than U+0020 SPACE, and a space at the start or end;
//   - text that is not NFC. Nothing is normalised on chain: the client sends
//     NFC (norm.NFC.String), so the bytes signed are the bytes stored and a
//     name has one byte form that the duplicate guards and indexes compare.
//
// Free text (a legal basis, a reason, a description) follows the same rule
// except that it may contain any space, tab and line feed.
//
// Both checks are pure functions of the bytes: no locale, no clock. The
// character classes are fixed tables in this file (Unicode 15.0.0), not the
// Go toolchain's unicode tables, so a node built with a newer Go cannot
// judge a name differently; NFC comes from golang.org/x/text/unicode/norm
// at the version pinned in go.mod (also Unicode 15.0.0). Changing either is
// a consensus change (TestTablesMatchUnicode notices a toolchain that moved
// on).
package readable

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Error says which character of a string breaks the rule, and where.
type Error struct {
	Rune   rune   // the offending character (utf8.RuneError for invalid UTF-8)
	Offset int    // its byte offset
	Reason string // what is wrong, for people
}

func (e *Error) Error() string { return e.Reason }

// Name checks a name: one line, no invisible or reordering characters, no
// space but U+0020 and none at either end, NFC. The empty string passes;
// whether a name is required, and how long it may be, is each caller's rule.
func Name(s string) error {
	if err := check(s, false); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	if r, _ := utf8.DecodeRuneInString(s); r == ' ' {
		return &Error{Rune: r, Offset: 0, Reason: "starts with a space"}
	}
	if r, n := utf8.DecodeLastRuneInString(s); r == ' ' {
		return &Error{Rune: r, Offset: len(s) - n, Reason: "ends with a space"}
	}
	return nil
}

// Text checks free text: like Name, but any space, tab and line feed are
// allowed, also at either end.
func Text(s string) error { return check(s, true) }

func check(s string, free bool) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return &Error{Rune: r, Offset: i, Reason: fmt.Sprintf("is not valid UTF-8 (byte 0x%02x at byte %d)", s[i], i)}
			}
		}
		if free && (r == '\t' || r == '\n') {
			continue
		}
		if why := refused(r, free); why != "" {
			return &Error{Rune: r, Offset: i, Reason: fmt.Sprintf("contains %s at byte %d (%s)", Describe(r), i, why)}
		}
	}
	if !norm.NFC.IsNormalString(s) {
		i := firstNonNFC(s)
		r, _ := utf8.DecodeRuneInString(s[i:])
		return &Error{Rune: r, Offset: i, Reason: fmt.Sprintf("is not in Unicode normalization form NFC (from byte %d, %U); send the NFC form %+q", i, r, norm.NFC.String(s))}
	}
	return nil
}

// firstNonNFC is the byte offset of the first segment of s that NFC
// changes (s is known not to be NFC).
func firstNonNFC(s string) int {
	var it norm.Iter
	it.InitString(norm.NFC, s)
	at := 0
	for !it.Done() {
		seg := it.Next()
		if string(seg) != s[at:min(len(s), at+len(seg))] {
			return at
		}
		at += len(seg)
	}
	return 0
}

// refused says why r may not appear ("" if it may).
func refused(r rune, free bool) string {
	switch {
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return "control characters are not allowed"
	case inFormat(r):
		return "format/bidi control characters are not allowed"
	case r == 0x2028 || r == 0x2029:
		return "line and paragraph separators are not allowed"
	case invisible(r):
		return "invisible filler characters are not allowed"
	case r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE:
		return "noncharacters are not allowed"
	case !free && r != ' ' && isSpace(r):
		return "the only space allowed in a name is U+0020 SPACE"
	}
	return ""
}

// format is Unicode 15.0.0's General_Category=Cf, as inclusive ranges.
var format = [][2]rune{
	{0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
	{0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E},
	{0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F},
	{0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
	{0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
	{0xE0020, 0xE007F},
}

func inFormat(r rune) bool {
	for _, g := range format {
		if r < g[0] {
			return false
		}
		if r <= g[1] {
			return true
		}
	}
	return false
}

// invisible are default-ignorable code points that are not Cf and not
// variation selectors: they draw nothing.
func invisible(r rune) bool {
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0:
		return true
	}
	return r >= 0xFFF0 && r <= 0xFFF8
}

// spaces is Unicode 15.0.0's General_Category=Zs.
var spaces = []rune{0x0020, 0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
	0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000}

func isSpace(r rune) bool {
	for _, s := range spaces {
		if r == s {
			return true
		}
	}
	return false
}

// names are the Unicode names of the refused characters people meet in
// practice; others are described by their class.
var names = map[rune]string{
	0x0000: "NULL", 0x0009: "CHARACTER TABULATION", 0x000A: "LINE FEED", 0x000D: "CARRIAGE RETURN",
	0x001B: "ESCAPE", 0x007F: "DELETE", 0x0085: "NEXT LINE",
	0x00A0: "NO-BREAK SPACE", 0x00AD: "SOFT HYPHEN", 0x034F: "COMBINING GRAPHEME JOINER",
	0x061C: "ARABIC LETTER MARK", 0x115F: "HANGUL CHOSEONG FILLER", 0x1160: "HANGUL JUNGSEONG FILLER",
	0x1680: "OGHAM SPACE MARK", 0x17B4: "KHMER VOWEL INHERENT AQ", 0x17B5: "KHMER VOWEL INHERENT AA",
	0x180E: "MONGOLIAN VOWEL SEPARATOR",
	0x2000: "EN QUAD", 0x2001: "EM QUAD", 0x2002: "EN SPACE", 0x2003: "EM SPACE",
	0x2004: "THREE-PER-EM SPACE", 0x2005: "FOUR-PER-EM SPACE", 0x2006: "SIX-PER-EM SPACE",
	0x2007: "FIGURE SPACE", 0x2008: "PUNCTUATION SPACE", 0x2009: "THIN SPACE", 0x200A: "HAIR SPACE",
	0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
	0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
	0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x202F: "NARROW NO-BREAK SPACE",
	0x205F: "MEDIUM MATHEMATICAL SPACE", 0x2060: "WORD JOINER", 0x2061: "FUNCTION APPLICATION",
	0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR", 0x2064: "INVISIBLE PLUS",
	0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE", 0x3000: "IDEOGRAPHIC SPACE", 0x3164: "HANGUL FILLER",
	0xFEFF: "ZERO WIDTH NO-BREAK SPACE", 0xFFA0: "HALFWIDTH HANGUL FILLER",
	0xFFF9: "INTERLINEAR ANNOTATION ANCHOR", 0xFFFA: "INTERLINEAR ANNOTATION SEPARATOR",
	0xFFFB: "INTERLINEAR ANNOTATION TERMINATOR",
}

// Describe names a character for an error message: "U+202E RIGHT-TO-LEFT
// OVERRIDE", or its code point and class when the name is not in the table.
func Describe(r rune) string {
	if n, ok := names[r]; ok {
		return fmt.Sprintf("%U %s", r, n)
	}
	switch {
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return fmt.Sprintf("%U (a control character)", r)
	case inFormat(r):
		return fmt.Sprintf("%U (a format character)", r)
	case isSpace(r):
		return fmt.Sprintf("%U (a space)", r)
	case r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE:
		return fmt.Sprintf("%U (a noncharacter)", r)
	}
	return fmt.Sprintf("%U", r)
}
