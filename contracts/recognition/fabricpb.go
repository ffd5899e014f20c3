package recognition

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// pbFields is a decoded protobuf message: the raw values of its
// length-delimited fields and its varint fields by field number. Fabric's
// messages are read with this minimal, deterministic decoder rather than
// generated code: only the fields verification needs are looked at,
// unknown fields are skipped, and a singular field given twice is an
// error (protobuf would merge it; evidence has one reading).
type pbFields struct {
	bytes   map[protowire.Number][][]byte
	varints map[protowire.Number][]uint64
}

func parsePB(b []byte) (*pbFields, error) {
	f := &pbFields{bytes: map[protowire.Number][][]byte{}, varints: map[protowire.Number][]uint64{}}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("protobuf: bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("protobuf: field %d: %v", num, protowire.ParseError(n))
			}
			f.bytes[num] = append(f.bytes[num], v)
			b = b[n:]
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("protobuf: field %d: %v", num, protowire.ParseError(n))
			}
			f.varints[num] = append(f.varints[num], v)
			b = b[n:]
		case protowire.Fixed32Type, protowire.Fixed64Type:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, fmt.Errorf("protobuf: field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
		default:
			return nil, fmt.Errorf("protobuf: field %d has unsupported wire type %d", num, typ)
		}
	}
	return f, nil
}

// one returns singular bytes field num (nil if absent).
func (f *pbFields) one(num protowire.Number, name string) ([]byte, error) {
	switch v := f.bytes[num]; len(v) {
	case 0:
		return nil, nil
	case 1:
		return v[0], nil
	default:
		return nil, fmt.Errorf("%s (field %d) appears %d times", name, num, len(v))
	}
}

// need is one for a field that must be present.
func (f *pbFields) need(num protowire.Number, name string) ([]byte, error) {
	v, err := f.one(num, name)
	if err == nil && v == nil {
		err = fmt.Errorf("%s (field %d) is missing", name, num)
	}
	return v, err
}

// uint returns singular varint field num (0 if absent).
func (f *pbFields) uint(num protowire.Number, name string) (uint64, error) {
	switch v := f.varints[num]; len(v) {
	case 0:
		return 0, nil
	case 1:
		return v[0], nil
	default:
		return 0, fmt.Errorf("%s (field %d) appears %d times", name, num, len(v))
	}
}

// msg parses singular message field num (error if missing).
func (f *pbFields) msg(num protowire.Number, name string) (*pbFields, error) {
	b, err := f.need(num, name)
	if err != nil {
		return nil, err
	}
	m, err := parsePB(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return m, nil
}

// parseNamed parses b as message name.
func parseNamed(b []byte, name string) (*pbFields, error) {
	m, err := parsePB(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return m, nil
}
