// Package cmtblock turns CometBFT's light blocks into what
// chain/proof/bundle reads: the bundle wire form (Encode) and the
// verifier's own light-block types (Light). It is for the side that
// builds bundles and trust roots (node/verify, the CLI, tests), which has
// CometBFT anyway; the verifier, compiled to WebAssembly, does not import
// it, so that CometBFT's types package (gRPC, the protobuf runtime) stays
// out of the browser.
package cmtblock

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/lightblock"
)

// Encode is lb in the bundle wire form (bundle.EncodeBlock): the
// canonical protobuf encoding of its signed header, then its validators'
// ed25519 keys and powers in the set's order.
func Encode(lb *types.LightBlock) ([]byte, error) {
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

// Light is lb as the verifier sees it: Encode, then bundle.DecodeBlock.
func Light(lb *types.LightBlock) (*lightblock.LightBlock, error) {
	raw, err := Encode(lb)
	if err != nil {
		return nil, err
	}
	return bundle.DecodeBlock(raw)
}

// NewTrustRoot makes a trust root from a light block the caller trusts.
func NewTrustRoot(lb *types.LightBlock, period time.Duration, sources []string) (*bundle.TrustRoot, error) {
	l, err := Light(lb)
	if err != nil {
		return nil, err
	}
	return bundle.NewTrustRoot(l, period, sources)
}
