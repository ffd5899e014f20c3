package bundle

import (
	"bytes"
	"encoding/binary"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"
)

// EncodeBlock is the wire form of a light block (a signed header and the
// validator set that signed it) in bundles and trust roots:
//
//	uvarint len(sh) | sh | uvarint n | n × (32-byte ed25519 key | uvarint power)
//
// sh is the canonical protobuf encoding of the CometBFT SignedHeader
// (header and commit). Validators appear in the set's own order (power
// descending, then address); their proposer priorities are not sent: they
// are not part of the set's hash, so a verifier could not check them.
func EncodeBlock(lb *types.LightBlock) ([]byte, error) {
	if lb == nil || lb.SignedHeader == nil || lb.ValidatorSet == nil {
		return nil, fmt.Errorf("incomplete light block")
	}
	sh, err := lb.SignedHeader.ToProto().Marshal()
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(len(sh)))
	out = append(out, sh...)
	out = binary.AppendUvarint(out, uint64(len(lb.ValidatorSet.Validators)))
	for _, v := range lb.ValidatorSet.Validators {
		pk, ok := v.PubKey.(ed25519.PubKey)
		if !ok || len(pk) != ed25519.PubKeySize {
			return nil, fmt.Errorf("validator %X has a %s key; bundles carry ed25519 keys only", v.Address, v.PubKey.Type())
		}
		out = append(out, pk...)
		out = binary.AppendUvarint(out, uint64(v.VotingPower))
	}
	return out, nil
}

// uvarint reads a minimally encoded uvarint.
func uvarint(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, fmt.Errorf("truncated or overlong length")
	}
	if len(binary.AppendUvarint(nil, v)) != n {
		return 0, 0, fmt.Errorf("non-minimal length encoding")
	}
	return v, n, nil
}

// DecodeBlock parses EncodeBlock's form, insisting on the canonical
// encoding. It checks framing only: VerifyBlock checks the contents.
func DecodeBlock(b []byte) (lb *types.LightBlock, err error) {
	defer func() {
		if r := recover(); r != nil {
			lb, err = nil, fail(StepValidators, "malformed validator set: %v", r)
		}
	}()
	n, k, err := uvarint(b)
	if err != nil {
		return nil, fail(StepDecode, "light block: signed header %v", err)
	}
	b = b[k:]
	if n > uint64(len(b)) {
		return nil, fail(StepDecode, "light block: signed header of %d bytes, only %d left", n, len(b))
	}
	shb := b[:n]
	b = b[n:]
	var p cmtproto.SignedHeader
	if err := p.Unmarshal(shb); err != nil {
		return nil, fail(StepDecode, "light block: signed header: %v", err)
	}
	if canon, err := p.Marshal(); err != nil || !bytes.Equal(canon, shb) {
		return nil, fail(StepDecode, "light block: signed header is not in canonical protobuf form")
	}
	sh, err := types.SignedHeaderFromProto(&p)
	if err != nil {
		return nil, fail(StepHeader, "light block: %v", err)
	}
	count, k, err := uvarint(b)
	if err != nil {
		return nil, fail(StepDecode, "light block: validator count %v", err)
	}
	b = b[k:]
	if count == 0 || count > uint64(len(b))/(ed25519.PubKeySize+1) {
		return nil, fail(StepDecode, "light block: %d validators do not fit in %d bytes", count, len(b))
	}
	vals := make([]*types.Validator, 0, count)
	for i := uint64(0); i < count; i++ {
		if len(b) < ed25519.PubKeySize+1 {
			return nil, fail(StepDecode, "light block: validator %d truncated", i)
		}
		pk := ed25519.PubKey(bytes.Clone(b[:ed25519.PubKeySize]))
		b = b[ed25519.PubKeySize:]
		power, k, err := uvarint(b)
		if err != nil {
			return nil, fail(StepDecode, "light block: validator %d power %v", i, err)
		}
		b = b[k:]
		if power == 0 || power > uint64(types.MaxTotalVotingPower) {
			return nil, fail(StepValidators, "validator %d has power %d", i, power)
		}
		vals = append(vals, types.NewValidator(pk, int64(power)))
	}
	if len(b) != 0 {
		return nil, fail(StepDecode, "light block: %d trailing bytes", len(b))
	}
	vs := types.NewValidatorSet(vals)
	for i, v := range vs.Validators {
		if !bytes.Equal(v.PubKey.Bytes(), vals[i].PubKey.Bytes()) {
			return nil, fail(StepDecode, "light block: validators are not in the set's canonical order (position %d)", i)
		}
	}
	return &types.LightBlock{SignedHeader: sh, ValidatorSet: vs}, nil
}
