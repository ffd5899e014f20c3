package bundle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/proof/lightblock"
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
// (cmtblock.Encode writes this form from CometBFT's own light block.)
func EncodeBlock(lb *lightblock.LightBlock) ([]byte, error) {
	if lb == nil || lb.SignedHeader == nil || lb.ValidatorSet == nil {
		return nil, fmt.Errorf("incomplete light block")
	}
	sh, err := lightblock.MarshalSignedHeader(lb.SignedHeader)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(len(sh)))
	out = append(out, sh...)
	out = binary.AppendUvarint(out, uint64(len(lb.ValidatorSet.Validators)))
	for _, v := range lb.ValidatorSet.Validators {
		if len(v.PubKey) != ed25519.PubKeySize {
			return nil, fmt.Errorf("validator %X has a %d-byte key; bundles carry ed25519 keys only", v.Address, len(v.PubKey))
		}
		out = append(out, v.PubKey...)
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
// encoding. It checks framing, and that a header and a commit are there:
// VerifyBlock checks the contents.
func DecodeBlock(b []byte) (*lightblock.LightBlock, error) {
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
	sh, err := lightblock.UnmarshalSignedHeader(shb)
	if errors.Is(err, lightblock.ErrNotCanonical) {
		return nil, fail(StepDecode, "light block: signed header is not in canonical protobuf form")
	}
	if err != nil {
		return nil, fail(StepDecode, "light block: signed header: %v", err)
	}
	if err := sh.ValidateFromProto(); err != nil {
		return nil, fail(StepHeader, "light block: %v", err)
	}
	if sh.Header == nil || sh.Commit == nil {
		return nil, fail(StepHeader, "light block: the signed header lacks its header or its commit")
	}
	count, k, err := uvarint(b)
	if err != nil {
		return nil, fail(StepDecode, "light block: validator count %v", err)
	}
	b = b[k:]
	if count == 0 || count > uint64(len(b))/(ed25519.PubKeySize+1) {
		return nil, fail(StepDecode, "light block: %d validators do not fit in %d bytes", count, len(b))
	}
	vals := make([]*lightblock.Validator, 0, count)
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
		if power == 0 || power > uint64(lightblock.MaxTotalVotingPower) {
			return nil, fail(StepValidators, "validator %d has power %d", i, power)
		}
		vals = append(vals, lightblock.NewValidator(pk, int64(power)))
	}
	if len(b) != 0 {
		return nil, fail(StepDecode, "light block: %d trailing bytes", len(b))
	}
	vs, err := lightblock.NewValidatorSet(vals)
	if err != nil {
		return nil, fail(StepValidators, "malformed validator set: %v", err)
	}
	for i, v := range vs.Validators {
		if !bytes.Equal(v.PubKey, vals[i].PubKey) {
			return nil, fail(StepDecode, "light block: validators are not in the set's canonical order (position %d)", i)
		}
	}
	return &lightblock.LightBlock{SignedHeader: sh, ValidatorSet: vs}, nil
}
