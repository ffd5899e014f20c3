package lightblock

import (
	"crypto/sha256"
	"math/bits"

	"google.golang.org/protobuf/encoding/protowire"
)

// HashFromByteSlices is CometBFT's Merkle root of items (crypto/merkle):
// the RFC 6962 tree with SHA-256, leaves hashed as 0x00 || item, inner
// nodes as 0x01 || left || right, the left subtree holding the largest
// power of two items fewer than all.
func HashFromByteSlices(items [][]byte) []byte {
	switch len(items) {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		h := sha256.New()
		h.Write([]byte{0})
		h.Write(items[0])
		return h.Sum(nil)
	default:
		k := splitPoint(len(items))
		left := HashFromByteSlices(items[:k])
		right := HashFromByteSlices(items[k:])
		h := sha256.New()
		h.Write([]byte{1})
		h.Write(left)
		h.Write(right)
		return h.Sum(nil)
	}
}

// splitPoint is the largest power of 2 less than n (n ≥ 2).
func splitPoint(n int) int {
	k := 1 << (bits.Len(uint(n)) - 1)
	if k == n {
		k >>= 1
	}
	return k
}

// The header hash's leaves for scalar fields are the gogoproto wrapper
// messages (StringValue, Int64Value, BytesValue: the value as field 1),
// empty for an empty value.
func wrapString(s string) []byte { return appendBytesField(nil, 1, []byte(s)) }
func wrapInt64(v int64) []byte   { return appendVarintField(nil, 1, uint64(v)) }
func wrapBytes(b []byte) []byte  { return appendBytesField(nil, 1, b) }

// Hash is the header's hash (CometBFT's Header.Hash): the Merkle root of
// its 14 fields' encodings in order. It is nil without a validators hash,
// or with a time that cannot be encoded, as CometBFT's is.
func (h *Header) Hash() []byte {
	if h == nil || len(h.ValidatorsHash) == 0 || !validTime(h.Time) {
		return nil
	}
	return HashFromByteSlices([][]byte{
		encodeConsensus(h.Version),
		wrapString(h.ChainID),
		wrapInt64(h.Height),
		encodeTimestamp(h.Time),
		encodeBlockID(h.LastBlockID),
		wrapBytes(h.LastCommitHash),
		wrapBytes(h.DataHash),
		wrapBytes(h.ValidatorsHash),
		wrapBytes(h.NextValidatorsHash),
		wrapBytes(h.ConsensusHash),
		wrapBytes(h.AppHash),
		wrapBytes(h.LastResultsHash),
		wrapBytes(h.EvidenceHash),
		wrapBytes(h.ProposerAddress),
	})
}

// Bytes is the validator's leaf in the set's hash: the encoding of
// cometbft.types.v1.SimpleValidator {pub_key: {ed25519: key}, voting_power}.
func (v *Validator) Bytes() []byte {
	pk := protowire.AppendTag(nil, 1, protowire.BytesType)
	pk = protowire.AppendBytes(pk, v.PubKey)
	b := appendMessage(nil, 1, pk)
	return appendVarintField(b, 2, uint64(v.VotingPower))
}

// Hash is the validator set's hash (the header's ValidatorsHash).
func (vals *ValidatorSet) Hash() []byte {
	items := make([][]byte, len(vals.Validators))
	for i, v := range vals.Validators {
		items[i] = v.Bytes()
	}
	return HashFromByteSlices(items)
}

// VoteSignBytes is what validator idx signed for the commit (CometBFT's
// Commit.VoteSignBytes): the length-prefixed encoding of the
// CanonicalVote of its precommit — type, height and round as sfixed64,
// the block id (none for a nil or absent vote), its time, the chain id.
func (c *Commit) VoteSignBytes(chainID string, idx int32) []byte {
	s := c.Signatures[idx]
	var id BlockID
	if s.BlockIDFlag == BlockIDFlagCommit {
		id = c.BlockID
	}
	b := appendVarintField(nil, 1, precommitType)
	if c.Height != 0 {
		b = protowire.AppendTag(b, 2, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, uint64(c.Height))
	}
	if c.Round != 0 {
		b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, uint64(int64(c.Round)))
	}
	if !id.IsNil() {
		bid := appendBytesField(nil, 1, id.Hash)
		bid = appendMessage(bid, 2, encodePartSetHeader(id.PartSetHeader))
		b = appendMessage(b, 4, bid)
	}
	b = appendMessage(b, 5, encodeTimestamp(s.Timestamp))
	b = appendBytesField(b, 6, []byte(chainID))
	return protowire.AppendBytes(nil, b)
}
