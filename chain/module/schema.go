package module

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Schema is a JSON Schema (draft 2020-12) of a message body, derived from
// the message's Go type by MessageSchema. Object properties keep the
// declared field order, which is the canonical order; x-field-order says
// so explicitly for readers whose JSON library sorts keys.
type Schema struct {
	Type                 any        `json:"type,omitempty"`
	Description          string     `json:"description,omitempty"`
	Format               string     `json:"format,omitempty"`
	ContentEncoding      string     `json:"contentEncoding,omitempty"`
	Pattern              string     `json:"pattern,omitempty"`
	Minimum              *big       `json:"minimum,omitempty"`
	Maximum              *big       `json:"maximum,omitempty"`
	MinItems             *int       `json:"minItems,omitempty"`
	MaxItems             *int       `json:"maxItems,omitempty"`
	Items                *Schema    `json:"items,omitempty"`
	Properties           Properties `json:"properties,omitempty"`
	Required             []string   `json:"required,omitempty"`
	AdditionalProperties *bool      `json:"additionalProperties,omitempty"`
	FieldOrder           []string   `json:"x-field-order,omitempty"`
}

// big is an integer bound written as a JSON number.
type big string

func (b big) MarshalJSON() ([]byte, error) { return []byte(b), nil }

// Property is one named field of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Properties is written as a JSON object in field order.
type Properties []Property

func (p Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		v, err := json.Marshal(f.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// special are types with their own JSON form.
type special struct {
	what   string
	schema func() *Schema
}

var specialTypes = map[reflect.Type]special{
	reflect.TypeFor[time.Time](): {"an RFC 3339 time string in UTC with the fraction's trailing zeros dropped, e.g. \"2026-01-02T03:04:05.5Z\"",
		func() *Schema {
			return &Schema{Type: "string", Format: "date-time", Description: "RFC 3339 as Go's time.RFC3339Nano writes it: UTC \"Z\", fraction without trailing zeros"}
		}},
	reflect.TypeFor[smcrypto.PublicKey](): {"a base64 string of the 65-byte uncompressed SM2 point 04||X||Y",
		func() *Schema {
			return &Schema{Type: "string", ContentEncoding: "base64", Description: "SM2 public key: standard base64 (with padding) of the 65-byte uncompressed point 04||X||Y"}
		}},
	reflect.TypeFor[smcrypto.KeyID](): {"a key id: 40 lower-case hex digits",
		func() *Schema {
			return &Schema{Type: "string", Pattern: "^[0-9a-f]{40}$", Description: "key id: the first 20 bytes of SM3 of the 65-byte public key, lower-case hex"}
		}},
	reflect.TypeFor[json.RawMessage](): {"any JSON value",
		func() *Schema { return &Schema{Description: "any JSON value, in canonical form"} }},
}

type jsonField struct {
	name      string
	typ       reflect.Type
	omitEmpty bool
}

// jsonFields lists t's fields as encoding/json writes them, in order
// (embedded structs flattened; fields tagged "-" and unexported ones left out).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := false
		for _, o := range strings.Split(opts, ",") {
			omit = omit || o == "omitempty" || o == "omitzero"
		}
		out = append(out, jsonField{name: name, typ: f.Type, omitEmpty: omit})
	}
	return out
}

// FieldNames lists the JSON field names of a struct type (or pointer to
// one) in canonical order.
func FieldNames(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, f.name)
	}
	return out
}

// MessageSchema derives the JSON Schema of a message body type.
func MessageSchema(t reflect.Type) *Schema { return schemaOf(t, map[reflect.Type]bool{}) }

func schemaOf(t reflect.Type, seen map[reflect.Type]bool) *Schema {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	s := schemaOfValue(t, seen)
	if nullable {
		s.Type = []string{s.Type.(string), "null"}
	}
	return s
}

func schemaOfValue(t reflect.Type, seen map[reflect.Type]bool) *Schema {
	if sp, ok := specialTypes[t]; ok {
		return sp.schema()
	}
	switch t.Kind() {
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lo, hi := intRange(t)
		return &Schema{Type: "integer", Minimum: bound(strconv.FormatInt(lo, 10)), Maximum: bound(strconv.FormatInt(hi, 10))}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer", Minimum: bound("0"), Maximum: bound(strconv.FormatUint(uintMax(t), 10))}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: []string{"string", "null"}, ContentEncoding: "base64", Description: "standard base64 with padding (RFC 4648 §4); null or \"\" when empty"}
		}
		return &Schema{Type: []string{"array", "null"}, Items: schemaOf(t.Elem(), seen), Description: "null or [] when empty"}
	case reflect.Array:
		n := t.Len()
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "array", Items: &Schema{Type: "integer", Minimum: bound("0"), Maximum: bound("255")}, MinItems: &n, MaxItems: &n}
		}
		return &Schema{Type: "array", Items: schemaOf(t.Elem(), seen), MinItems: &n, MaxItems: &n}
	case reflect.Map:
		return &Schema{Type: []string{"object", "null"}, Description: "keys sorted bytewise (as their UTF-8)"}
	case reflect.Struct:
		if seen[t] {
			return &Schema{Type: "object"}
		}
		seen[t] = true
		defer delete(seen, t)
		no := false
		s := &Schema{Type: "object", AdditionalProperties: &no}
		for _, f := range jsonFields(t) {
			s.Properties = append(s.Properties, Property{f.name, schemaOf(f.typ, seen)})
			s.FieldOrder = append(s.FieldOrder, f.name)
			if !f.omitEmpty {
				s.Required = append(s.Required, f.name)
			}
		}
		return s
	}
	return &Schema{}
}

func bound(s string) *big { b := big(s); return &b }
