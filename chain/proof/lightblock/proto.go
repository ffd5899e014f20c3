package lightblock

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The protobuf encoding of cometbft.types.v1.SignedHeader and what it
// contains, byte for byte as CometBFT's gogoproto code writes it: scalar
// fields are left out when zero, bytes and strings when empty; the
// non-nullable messages (version, time, block ids, part set headers,
// commit signature times) are always written; times are
// google.protobuf.Timestamp.

// Timestamps outside these seconds are invalid (gogoproto: years 1 to 9999).
const (
	minValidSeconds = -62135596800
	maxValidSeconds = 253402300800
)

// validTime reports whether t can be encoded as a protobuf Timestamp.
func validTime(t time.Time) bool {
	s := t.Unix()
	return s >= minValidSeconds && s < maxValidSeconds
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendMessage appends a message field that is always written.
func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func encodeTimestamp(t time.Time) []byte {
	b := appendVarintField(nil, 1, uint64(t.Unix()))
	return appendVarintField(b, 2, uint64(int64(int32(t.Nanosecond()))))
}

func encodeConsensus(v Consensus) []byte {
	return appendVarintField(appendVarintField(nil, 1, v.Block), 2, v.App)
}

func encodePartSetHeader(p PartSetHeader) []byte {
	return appendBytesField(appendVarintField(nil, 1, uint64(p.Total)), 2, p.Hash)
}

func encodeBlockID(id BlockID) []byte {
	b := appendBytesField(nil, 1, id.Hash)
	return appendMessage(b, 2, encodePartSetHeader(id.PartSetHeader))
}

func encodeHeader(h *Header) []byte {
	b := appendMessage(nil, 1, encodeConsensus(h.Version))
	b = appendBytesField(b, 2, []byte(h.ChainID))
	b = appendVarintField(b, 3, uint64(h.Height))
	b = appendMessage(b, 4, encodeTimestamp(h.Time))
	b = appendMessage(b, 5, encodeBlockID(h.LastBlockID))
	for i, f := range [][]byte{h.LastCommitHash, h.DataHash, h.ValidatorsHash, h.NextValidatorsHash,
		h.ConsensusHash, h.AppHash, h.LastResultsHash, h.EvidenceHash, h.ProposerAddress} {
		b = appendBytesField(b, protowire.Number(6+i), f)
	}
	return b
}

func encodeCommitSig(s CommitSig) []byte {
	b := appendVarintField(nil, 1, uint64(int64(int32(s.BlockIDFlag))))
	b = appendBytesField(b, 2, s.ValidatorAddress)
	b = appendMessage(b, 3, encodeTimestamp(s.Timestamp))
	return appendBytesField(b, 4, s.Signature)
}

func encodeCommit(c *Commit) []byte {
	b := appendVarintField(nil, 1, uint64(c.Height))
	b = appendVarintField(b, 2, uint64(int64(c.Round)))
	b = appendMessage(b, 3, encodeBlockID(c.BlockID))
	for _, s := range c.Signatures {
		b = appendMessage(b, 4, encodeCommitSig(s))
	}
	return b
}

// MarshalSignedHeader is the canonical protobuf encoding of sh, as
// CometBFT's SignedHeader.ToProto().Marshal() writes it. It fails only
// for a time CometBFT cannot encode (before year 1 or after 9999).
func MarshalSignedHeader(sh *SignedHeader) ([]byte, error) {
	var b []byte
	if sh.Header != nil {
		if !validTime(sh.Time) {
			return nil, fmt.Errorf("header time %s cannot be encoded", sh.Time)
		}
		b = appendMessage(b, 1, encodeHeader(sh.Header))
	}
	if sh.Commit != nil {
		for i, s := range sh.Commit.Signatures {
			if !validTime(s.Timestamp) {
				return nil, fmt.Errorf("commit signature %d time %s cannot be encoded", i, s.Timestamp)
			}
		}
		b = appendMessage(b, 2, encodeCommit(sh.Commit))
	}
	return b, nil
}

// field is one field of a message: a varint's value or a bytes field's
// contents.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// walk calls fn with each field of message b. Fields must come in
// ascending order, each once, except repeated (0: none), whose entries
// must be together; only varint and length-delimited fields are read.
// Anything else is not what CometBFT writes, and the caller's canonical
// re-encoding check would refuse it anyway.
func walk(b []byte, repeated protowire.Number, fn func(f field) error) error {
	var last protowire.Number
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if num < last || num == last && num != repeated {
			return fmt.Errorf("field %d out of order", num)
		}
		last = num
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return fmt.Errorf("field %d has wire type %d", num, typ)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// want checks f's wire type.
func (f field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("field %d has wire type %d, want %d", f.num, f.typ, typ)
	}
	return nil
}

func unknown(f field) error { return fmt.Errorf("unknown field %d", f.num) }

// clone copies b, keeping nil for empty (an empty bytes field is never
// written canonically).
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func decodeTimestamp(b []byte) (time.Time, error) {
	var secs int64
	var nanos int32
	err := walk(b, 0, func(f field) error {
		if err := f.want(protowire.VarintType); err != nil {
			return err
		}
		switch f.num {
		case 1:
			secs = int64(f.v)
		case 2:
			nanos = int32(f.v)
		default:
			return unknown(f)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp: %w", err)
	}
	if secs < minValidSeconds || secs >= maxValidSeconds || nanos < 0 || nanos >= 1e9 {
		return time.Time{}, fmt.Errorf("timestamp %d.%09d out of range", secs, nanos)
	}
	return time.Unix(secs, int64(nanos)).UTC(), nil
}

func decodeConsensus(b []byte) (v Consensus, err error) {
	err = walk(b, 0, func(f field) error {
		if err := f.want(protowire.VarintType); err != nil {
			return err
		}
		switch f.num {
		case 1:
			v.Block = f.v
		case 2:
			v.App = f.v
		default:
			return unknown(f)
		}
		return nil
	})
	return v, err
}

func decodePartSetHeader(b []byte) (p PartSetHeader, err error) {
	err = walk(b, 0, func(f field) error {
		switch f.num {
		case 1:
			p.Total = uint32(f.v)
			return f.want(protowire.VarintType)
		case 2:
			p.Hash = clone(f.b)
			return f.want(protowire.BytesType)
		}
		return unknown(f)
	})
	return p, err
}

func decodeBlockID(b []byte) (id BlockID, err error) {
	err = walk(b, 0, func(f field) error {
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		switch f.num {
		case 1:
			id.Hash = clone(f.b)
		case 2:
			var err error
			id.PartSetHeader, err = decodePartSetHeader(f.b)
			return err
		default:
			return unknown(f)
		}
		return nil
	})
	return id, err
}

func decodeHeader(b []byte) (*Header, error) {
	h := &Header{}
	err := walk(b, 0, func(f field) error {
		if f.num == 3 {
			h.Height = int64(f.v)
			return f.want(protowire.VarintType)
		}
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		var err error
		switch f.num {
		case 1:
			h.Version, err = decodeConsensus(f.b)
		case 2:
			h.ChainID = string(f.b)
		case 4:
			h.Time, err = decodeTimestamp(f.b)
		case 5:
			h.LastBlockID, err = decodeBlockID(f.b)
		case 6:
			h.LastCommitHash = clone(f.b)
		case 7:
			h.DataHash = clone(f.b)
		case 8:
			h.ValidatorsHash = clone(f.b)
		case 9:
			h.NextValidatorsHash = clone(f.b)
		case 10:
			h.ConsensusHash = clone(f.b)
		case 11:
			h.AppHash = clone(f.b)
		case 12:
			h.LastResultsHash = clone(f.b)
		case 13:
			h.EvidenceHash = clone(f.b)
		case 14:
			h.ProposerAddress = clone(f.b)
		default:
			return unknown(f)
		}
		return err
	})
	return h, err
}

func decodeCommitSig(b []byte) (s CommitSig, err error) {
	err = walk(b, 0, func(f field) error {
		if f.num == 1 {
			s.BlockIDFlag = BlockIDFlag(int32(f.v))
			if int32(f.v) != int32(s.BlockIDFlag) {
				return fmt.Errorf("unknown block id flag %d", int32(f.v))
			}
			return f.want(protowire.VarintType)
		}
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		var err error
		switch f.num {
		case 2:
			s.ValidatorAddress = clone(f.b)
		case 3:
			s.Timestamp, err = decodeTimestamp(f.b)
		case 4:
			s.Signature = clone(f.b)
		default:
			return unknown(f)
		}
		return err
	})
	return s, err
}

func decodeCommit(b []byte) (*Commit, error) {
	c := &Commit{}
	err := walk(b, 4, func(f field) error {
		switch f.num {
		case 1:
			c.Height = int64(f.v)
			return f.want(protowire.VarintType)
		case 2:
			c.Round = int32(f.v)
			return f.want(protowire.VarintType)
		}
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		switch f.num {
		case 3:
			var err error
			c.BlockID, err = decodeBlockID(f.b)
			return err
		case 4:
			s, err := decodeCommitSig(f.b)
			if err != nil {
				return fmt.Errorf("signature %d: %w", len(c.Signatures), err)
			}
			c.Signatures = append(c.Signatures, s)
			return nil
		}
		return unknown(f)
	})
	return c, err
}

// ErrNotCanonical: the bytes decode but are not what CometBFT would write
// for their contents.
var ErrNotCanonical = errors.New("signed header is not in canonical protobuf form")

// UnmarshalSignedHeader decodes the protobuf encoding of a CometBFT
// SignedHeader, accepting only the canonical encoding (what
// MarshalSignedHeader, or CometBFT, writes for the decoded contents): the
// same bytes as a gogoproto Unmarshal then Marshal round trip accepts,
// except a commit signature flag outside 0..255, which CometBFT truncates
// to a byte (258 reads as a vote for the block) and this refuses. A header
// or commit may be absent (nil), as in the encoding. It checks the
// encoding only; ValidateFromProto makes CometBFT's conversion checks.
func UnmarshalSignedHeader(b []byte) (*SignedHeader, error) {
	sh := &SignedHeader{}
	err := walk(b, 0, func(f field) error {
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		var err error
		switch f.num {
		case 1:
			if sh.Header, err = decodeHeader(f.b); err != nil {
				return fmt.Errorf("header: %w", err)
			}
		case 2:
			if sh.Commit, err = decodeCommit(f.b); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
		default:
			return unknown(f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if canon, err := MarshalSignedHeader(sh); err != nil || !bytes.Equal(canon, b) {
		return nil, ErrNotCanonical
	}
	return sh, nil
}
