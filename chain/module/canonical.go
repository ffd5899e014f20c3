package module

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The canonical JSON rules a message body must follow, as a client in any
// language reads them (docs/protocol.md#canonical-json). The messages below
// name the rule a body broke and where, never the Go type behind it.
const canonicalDoc = "see docs/protocol.md#canonical-json and GET /v1/messages"

// describeDecodeError turns a decoding failure into the rule broken.
func describeDecodeError(err error, v any) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "empty body: a message body is one JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "body ends in the middle of a JSON value"
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(the body)"
		}
		want := jsonKind(typ.Type)
		if strings.HasPrefix(typ.Value, "number") && strings.HasPrefix(want, "an integer") {
			return fmt.Sprintf("field %q: %s is not %s", field, typ.Value, want)
		}
		return fmt.Sprintf("field %q: got a JSON %s, want %s", field, typ.Value, want)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return fmt.Sprintf("unknown field %s: this message's fields are %s (%s)", name, strings.Join(FieldNames(reflect.TypeOf(v)), ", "), canonicalDoc)
	}
	return msg
}

// jsonKind names the JSON a Go type is written as, for error messages.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := specialTypes[t]; ok {
		return s.what
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lo, hi := intRange(t)
		return fmt.Sprintf("an integer from %d to %d", lo, hi)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("an integer from 0 to %d", uintMax(t))
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array (or null)"
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("an array of %d integers 0..255", t.Len())
		}
		return fmt.Sprintf("an array of %d elements", t.Len())
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a JSON value"
}

func intRange(t reflect.Type) (int64, int64) {
	b := t.Bits()
	return -1 << (b - 1), 1<<(b-1) - 1
}

func uintMax(t reflect.Type) uint64 { return math.MaxUint64 >> (64 - t.Bits()) }

// explainNonCanonical says why body, which decodes, is not the canonical
// encoding want of the same message: the first difference in structure
// (missing, extra or reordered fields, a value written another way), else
// the first difference in how the same value is spelt.
func explainNonCanonical(body, want []byte, t reflect.Type) string {
	a, errA := parseTree(body)
	b, errB := parseTree(want)
	if errA == nil && errB == nil {
		if msg := compareTree(a, b, "", t); msg != "" {
			return "body is not in canonical form: " + msg + " (" + canonicalDoc + ")"
		}
	}
	return "body is not in canonical form: " + explainSpelling(body, want) + " (" + canonicalDoc + ")"
}

// node is a JSON value with object keys in written order.
type node struct {
	kind   byte // '{', '[', 's' string, 'n' number, 'b' bool, '0' null
	keys   []string
	vals   []*node
	scalar string
}

func parseTree(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return parseNode(dec)
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			c, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, c)
		}
		_, err := dec.Token() // closing delimiter
		return n, err
	case string:
		return &node{kind: 's', scalar: v}, nil
	case json.Number:
		return &node{kind: 'n', scalar: string(v)}, nil
	case bool:
		return &node{kind: 'b', scalar: strconv.FormatBool(v)}, nil
	default:
		return &node{kind: '0', scalar: "null"}, nil
	}
}

func (n *node) what() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return n.scalar
	}
	return "null"
}

func at(path string) string {
	if path == "" {
		return "the body"
	}
	return "field " + strconv.Quote(path)
}

// compareTree returns the first structural difference of got from want,
// or "" if they are the same value.
func compareTree(got, want *node, path string, t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if got.kind != want.kind {
		return fmt.Sprintf("%s is %s where the canonical form has %s", at(path), got.what(), want.what())
	}
	switch got.kind {
	case '{':
		for i, k := range got.keys {
			if slices.Index(got.keys, k) != i {
				return fmt.Sprintf("field %q appears twice in %s", k, at(path))
			}
		}
		var missing, extra []string
		for _, k := range want.keys {
			if !slices.Contains(got.keys, k) {
				missing = append(missing, strconv.Quote(k))
			}
		}
		for _, k := range got.keys {
			if !slices.Contains(want.keys, k) {
				extra = append(extra, strconv.Quote(k))
			}
		}
		if len(missing) > 0 {
			return fmt.Sprintf("%s lacks %s: every field is written, with its zero value (\"\", 0, false, null) when empty, except the fields marked omitempty", at(path), strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			return fmt.Sprintf("%s has %s with an empty value: a field marked omitempty is left out when it is empty (\"\", 0, false, [] or null)", at(path), strings.Join(extra, ", "))
		}
		if !slices.Equal(got.keys, want.keys) {
			order := want.keys
			if names := FieldNames(t); len(names) > 0 {
				order = names
			}
			return fmt.Sprintf("the fields of %s are in the order %s; the canonical order (the message type's declared order) is %s", at(path), strings.Join(got.keys, ", "), strings.Join(order, ", "))
		}
		for i, k := range got.keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if msg := compareTree(got.vals[i], want.vals[i], p, fieldType(t, k)); msg != "" {
				return msg
			}
		}
	case '[':
		if len(got.vals) != len(want.vals) {
			return fmt.Sprintf("%s has %d elements where the canonical form has %d", at(path), len(got.vals), len(want.vals))
		}
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := range got.vals {
			if msg := compareTree(got.vals[i], want.vals[i], fmt.Sprintf("%s[%d]", path, i), et); msg != "" {
				return msg
			}
		}
	case 'n':
		if got.scalar != want.scalar {
			return fmt.Sprintf("%s: the number %s is written %s in canonical form (integers in plain decimal: no exponent, fraction, plus sign or leading zeros)", at(path), got.scalar, want.scalar)
		}
	case 's':
		if got.scalar != want.scalar {
			hint := ""
			if t != nil {
				if s, ok := specialTypes[t]; ok {
					hint = " (" + s.what + ")"
				} else if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
					hint = " (standard base64 with padding, RFC 4648 §4)"
				}
			}
			return fmt.Sprintf("%s: the value %q has another canonical spelling, %q%s", at(path), got.scalar, want.scalar, hint)
		}
	}
	return ""
}

// fieldType is the type of the struct field whose JSON name is name.
func fieldType(t reflect.Type, name string) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range jsonFields(t) {
		if f.name == name {
			return f.typ
		}
	}
	return nil
}

// explainSpelling finds the first byte where body and want, which hold the
// same value, differ and names the spelling rule broken there.
func explainSpelling(body, want []byte) string {
	i := 0
	for i < len(body) && i < len(want) && body[i] == want[i] {
		i++
	}
	if i == len(body) && i == len(want) {
		return "it differs from its canonical encoding"
	}
	inString := false
	for j := 0; j < i; j++ {
		switch {
		case want[j] == '\\' && inString:
			end := j + 1
			if j+1 < len(want) && want[j+1] == 'u' {
				end = j + 5
			}
			if i <= end { // the difference is inside this escape
				i = j
				break
			}
			j = end
		case want[j] == '"':
			inString = !inString
		}
	}
	rest, wrest := body[i:], want[i:]
	if !inString {
		if len(rest) > 0 && strings.IndexByte(" \t\r\n", rest[0]) >= 0 {
			return fmt.Sprintf("white space at byte %d: canonical JSON has no white space outside strings", i)
		}
		return fmt.Sprintf("at byte %d it has %s where the canonical form has %s", i, snippet(rest), snippet(wrest))
	}
	r, _ := utf8.DecodeRune(rest)
	esc := map[rune]string{'<': `\u003c`, '>': `\u003e`, '&': `\u0026`, '\u2028': `\u2028`, '\u2029': `\u2029`}
	if e, ok := esc[r]; ok && bytes.HasPrefix(wrest, []byte(e)) {
		return fmt.Sprintf("byte %d has %q written as is; inside strings canonical JSON writes < > & as \\u003c \\u003e \\u0026 (and U+2028, U+2029 as \\u2028, \\u2029), so write %s", i, r, e)
	}
	if len(rest) > 1 && rest[0] == '\\' {
		if rest[1] == '/' {
			return fmt.Sprintf("byte %d escapes '/' as \\/; canonical JSON writes '/' as is", i)
		}
		if wrest[0] != '\\' {
			first, _ := utf8.DecodeRune(wrest)
			return fmt.Sprintf("byte %d escapes %q as %s; canonical JSON writes every character as itself in UTF-8 except \" \\ control characters < > & U+2028 U+2029, which it escapes", i, first, snippet(rest[:min(len(rest), 6)]))
		}
		return fmt.Sprintf("byte %d has the escape %s where the canonical form has %s (short escapes \\\" \\\\ \\b \\f \\n \\r \\t; any other escape is \\u followed by four lower-case hex digits)", i, snippet(rest[:min(len(rest), 6)]), snippet(wrest[:min(len(wrest), 6)]))
	}
	if wrest[0] == '\\' {
		return fmt.Sprintf("byte %d has %q written as is; canonical JSON escapes it as %s", i, r, snippet(wrest[:min(len(wrest), 6)]))
	}
	return fmt.Sprintf("at byte %d it has %s where the canonical form has %s", i, snippet(rest), snippet(wrest))
}

// snippet quotes up to 16 bytes of b, cut at a character boundary.
func snippet(b []byte) string {
	if len(b) == 0 {
		return "the end of the body"
	}
	n := min(len(b), 16)
	for n < len(b) && !utf8.RuneStart(b[n]) {
		n++
	}
	s := strconv.Quote(string(b[:n]))
	if n < len(b) {
		s += "…"
	}
	return s
}
