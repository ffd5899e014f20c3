package proof

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file decodes the part of the cosmos.ics23.v1 protobuf schema that an
// IAVL existence or non-existence proof uses, without a protobuf runtime
// (protowire only reads and writes varints and tags), so that the browser
// verifier does not carry gogoproto and protobuf reflection.
//
// A proof must be in canonical form: decode reads it as the generated gogoproto
// code of github.com/cosmos/ics23/go v0.10.0 does, encode writes it back as
// that code's Marshal does, and the two must give the same bytes. Batch and
// compressed proofs are recognised only to be refused by kind: their bodies
// are not decoded.

// Field numbers of cosmos.ics23.v1 (proofs.proto).
const (
	fieldProofExist      protowire.Number = 1 // CommitmentProof.exist
	fieldProofNonexist   protowire.Number = 2 // CommitmentProof.nonexist
	fieldProofBatch      protowire.Number = 3 // CommitmentProof.batch
	fieldProofCompressed protowire.Number = 4 // CommitmentProof.compressed

	fieldExistKey   protowire.Number = 1 // ExistenceProof.key
	fieldExistValue protowire.Number = 2 // ExistenceProof.value
	fieldExistLeaf  protowire.Number = 3 // ExistenceProof.leaf
	fieldExistPath  protowire.Number = 4 // ExistenceProof.path (repeated)

	fieldNonexistKey   protowire.Number = 1 // NonExistenceProof.key
	fieldNonexistLeft  protowire.Number = 2 // NonExistenceProof.left
	fieldNonexistRight protowire.Number = 3 // NonExistenceProof.right

	fieldLeafHash         protowire.Number = 1 // LeafOp.hash
	fieldLeafPrehashKey   protowire.Number = 2 // LeafOp.prehash_key
	fieldLeafPrehashValue protowire.Number = 3 // LeafOp.prehash_value
	fieldLeafLength       protowire.Number = 4 // LeafOp.length
	fieldLeafPrefix       protowire.Number = 5 // LeafOp.prefix

	fieldInnerHash   protowire.Number = 1 // InnerOp.hash
	fieldInnerPrefix protowire.Number = 2 // InnerOp.prefix
	fieldInnerSuffix protowire.Number = 3 // InnerOp.suffix
)

// commitmentProof is a decoded cosmos.ics23.v1.CommitmentProof. kind is the
// field number of the oneof member that is set (0 if none); only exist and
// nonexist are decoded, a batch or compressed proof keeps its raw body.
type commitmentProof struct {
	kind     protowire.Number
	exist    *existenceProof
	nonexist *nonExistenceProof
	raw      []byte
}

type existenceProof struct {
	key, value []byte
	leaf       *leafOp // nil if absent
	path       []innerOp
}

type nonExistenceProof struct {
	key         []byte
	left, right *existenceProof // nil if absent
}

// leafOp and innerOp hold ics23 HashOp and LengthOp enum values as int32,
// as the generated code does.
type leafOp struct {
	hash, prehashKey, prehashValue, length int32
	prefix                                 []byte
}

type innerOp struct {
	hash           int32
	prefix, suffix []byte
}

// decode parses proofBytes and insists on the canonical encoding, so that
// each proof has exactly one byte form.
func decode(proofBytes []byte) (*commitmentProof, error) {
	if len(proofBytes) == 0 {
		return nil, fail(StepDecode, "decode proof: empty proof")
	}
	cp, err := decodeCommitmentProof(proofBytes)
	if err != nil {
		return nil, fail(StepDecode, "decode proof: %v", err)
	}
	if canonical := cp.encode(); string(canonical) != string(proofBytes) {
		return nil, fail(StepDecode, "decode proof: non-canonical encoding (%d bytes, canonical form is %d bytes)", len(proofBytes), len(canonical))
	}
	return cp, nil
}

// fields calls fn for each varint or length-delimited field of the message
// b, with the field's value: v for a varint, body for bytes. Fields of other
// wire types are skipped, and fn ignores field numbers it does not know, as
// protobuf decoders do; such fields, like a repeated singular field (the
// last one wins), are then caught by the canonical-encoding check.
func fields(msg string, b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%s: %w", msg, protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var body []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			body, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%s: field %d: %w", msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if typ != protowire.VarintType && typ != protowire.BytesType {
			continue
		}
		if err := fn(num, typ, v, body); err != nil {
			return fmt.Errorf("%s: field %d: %w", msg, num, err)
		}
	}
	return nil
}

// want checks that a known field has the wire type the schema gives it.
func want(typ, schema protowire.Type) error {
	if typ != schema {
		return fmt.Errorf("wrong wire type %d, want %d", typ, schema)
	}
	return nil
}

func decodeCommitmentProof(b []byte) (*commitmentProof, error) {
	cp := new(commitmentProof)
	err := fields("CommitmentProof", b, func(num protowire.Number, typ protowire.Type, _ uint64, body []byte) error {
		if num < fieldProofExist || num > fieldProofCompressed {
			return nil
		}
		if err := want(typ, protowire.BytesType); err != nil {
			return err
		}
		*cp = commitmentProof{kind: num} // a oneof keeps the last member seen
		var err error
		switch num {
		case fieldProofExist:
			cp.exist, err = decodeExistenceProof(body)
		case fieldProofNonexist:
			cp.nonexist, err = decodeNonExistenceProof(body)
		default:
			cp.raw = body
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return cp, nil
}

func decodeExistenceProof(b []byte) (*existenceProof, error) {
	ep := new(existenceProof)
	err := fields("ExistenceProof", b, func(num protowire.Number, typ protowire.Type, _ uint64, body []byte) error {
		if num < fieldExistKey || num > fieldExistPath {
			return nil
		}
		if err := want(typ, protowire.BytesType); err != nil {
			return err
		}
		switch num {
		case fieldExistKey:
			ep.key = body
		case fieldExistValue:
			ep.value = body
		case fieldExistLeaf:
			leaf, err := decodeLeafOp(body)
			if err != nil {
				return err
			}
			ep.leaf = leaf
		case fieldExistPath:
			op, err := decodeInnerOp(body)
			if err != nil {
				return err
			}
			ep.path = append(ep.path, *op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ep, nil
}

func decodeNonExistenceProof(b []byte) (*nonExistenceProof, error) {
	np := new(nonExistenceProof)
	err := fields("NonExistenceProof", b, func(num protowire.Number, typ protowire.Type, _ uint64, body []byte) error {
		if num < fieldNonexistKey || num > fieldNonexistRight {
			return nil
		}
		if err := want(typ, protowire.BytesType); err != nil {
			return err
		}
		if num == fieldNonexistKey {
			np.key = body
			return nil
		}
		ep, err := decodeExistenceProof(body)
		if err != nil {
			return err
		}
		if num == fieldNonexistLeft {
			np.left = ep
		} else {
			np.right = ep
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return np, nil
}

func decodeLeafOp(b []byte) (*leafOp, error) {
	op := new(leafOp)
	err := fields("LeafOp", b, func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error {
		var enum *int32
		switch num {
		case fieldLeafHash:
			enum = &op.hash
		case fieldLeafPrehashKey:
			enum = &op.prehashKey
		case fieldLeafPrehashValue:
			enum = &op.prehashValue
		case fieldLeafLength:
			enum = &op.length
		case fieldLeafPrefix:
			op.prefix = body
			return want(typ, protowire.BytesType)
		default:
			return nil
		}
		*enum = int32(v) // an enum is an int32: generated code keeps the low 32 bits
		return want(typ, protowire.VarintType)
	})
	if err != nil {
		return nil, err
	}
	return op, nil
}

func decodeInnerOp(b []byte) (*innerOp, error) {
	op := new(innerOp)
	err := fields("InnerOp", b, func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error {
		switch num {
		case fieldInnerHash:
			op.hash = int32(v)
			return want(typ, protowire.VarintType)
		case fieldInnerPrefix:
			op.prefix = body
		case fieldInnerSuffix:
			op.suffix = body
		default:
			return nil
		}
		return want(typ, protowire.BytesType)
	})
	if err != nil {
		return nil, err
	}
	return op, nil
}

// encode writes cp as the generated gogoproto Marshal does: fields in
// number order, empty bytes and zero enums left out, present messages
// written even when empty, enums sign-extended to 64 bits.
func (cp *commitmentProof) encode() []byte {
	switch cp.kind {
	case fieldProofExist:
		return appendMessage(nil, fieldProofExist, cp.exist.encode())
	case fieldProofNonexist:
		return appendMessage(nil, fieldProofNonexist, cp.nonexist.encode())
	case fieldProofBatch, fieldProofCompressed:
		return appendMessage(nil, cp.kind, cp.raw)
	}
	return nil
}

func (ep *existenceProof) encode() []byte {
	var b []byte
	b = appendBytes(b, fieldExistKey, ep.key)
	b = appendBytes(b, fieldExistValue, ep.value)
	if ep.leaf != nil {
		b = appendMessage(b, fieldExistLeaf, ep.leaf.encode())
	}
	for i := range ep.path {
		b = appendMessage(b, fieldExistPath, ep.path[i].encode())
	}
	return b
}

func (np *nonExistenceProof) encode() []byte {
	var b []byte
	b = appendBytes(b, fieldNonexistKey, np.key)
	if np.left != nil {
		b = appendMessage(b, fieldNonexistLeft, np.left.encode())
	}
	if np.right != nil {
		b = appendMessage(b, fieldNonexistRight, np.right.encode())
	}
	return b
}

func (op *leafOp) encode() []byte {
	var b []byte
	b = appendEnum(b, fieldLeafHash, op.hash)
	b = appendEnum(b, fieldLeafPrehashKey, op.prehashKey)
	b = appendEnum(b, fieldLeafPrehashValue, op.prehashValue)
	b = appendEnum(b, fieldLeafLength, op.length)
	return appendBytes(b, fieldLeafPrefix, op.prefix)
}

func (op *innerOp) encode() []byte {
	var b []byte
	b = appendEnum(b, fieldInnerHash, op.hash)
	b = appendBytes(b, fieldInnerPrefix, op.prefix)
	return appendBytes(b, fieldInnerSuffix, op.suffix)
}

func appendEnum(b []byte, num protowire.Number, v int32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(int64(v)))
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return appendMessage(b, num, v)
}

func appendMessage(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}
