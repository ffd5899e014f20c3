// Package fabric is the recognition relayer's side of a Fabric partner:
// it queries the partner's licence chaincode, submits an "attest"
// transaction for each certificate to relay (a fresh, endorsed, ordered
// statement of its current record), and hands the committed block holding
// it to the local chain, which verifies it itself (contracts/recognition).
//
// Fabric is reached through the small Gateway interface. SDKGateway
// implements it with fabric-sdk-go v1.0.0, which speaks to Fabric 1.4–2.x
// peers and orderers; fabric-sdk-go was archived upstream in 2025, and for
// Fabric ≥ 2.4 a Gateway over the fabric-gateway client
// (github.com/hyperledger/fabric-gateway: Submit, Evaluate, and the peer's
// qscc GetBlockByTxID) can replace it without touching the rest. Only this
// package may import the SDK: on-chain code never does (a test in
// contracts/recognition checks the dependency graph).
package fabric

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/golang/protobuf/proto"
	cb "github.com/hyperledger/fabric-protos-go/common"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/recognition"
)

// Gateway is what the relayer needs from a Fabric network.
type Gateway interface {
	// Submit endorses, orders and commits a transaction of the licence
	// chaincode; it returns the transaction id and the chaincode's payload.
	Submit(ctx context.Context, fn string, args ...string) (txID string, payload []byte, err error)
	// Evaluate queries the chaincode on a peer without a transaction.
	Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error)
	// BlockByTxID returns the committed block (protobuf common.Block, with
	// the peer's transaction validation flags) that holds txID.
	BlockByTxID(ctx context.Context, txID string) ([]byte, error)
	Close()
}

// Source implements relay.Source for a Fabric partner.
type Source struct {
	Partner string
	GW      Gateway
	Out     io.Writer
}

func (s *Source) logf(format string, args ...any) {
	if s.Out != nil {
		fmt.Fprintf(s.Out, format+"\n", args...)
	}
}

func (s *Source) Begin() {}

func (s *Source) List(ctx context.Context, typ string) ([]string, error) {
	b, err := s.GW.Evaluate(ctx, "list", typ)
	if err != nil {
		return nil, err
	}
	var out []string
	return out, json.Unmarshal(b, &out)
}

func (s *Source) Lookup(ctx context.Context, hash string) (*certificate.Record, error) {
	b, err := s.GW.Evaluate(ctx, "get", hash)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	var r certificate.Record
	return &r, json.Unmarshal(b, &r)
}

// Evidence submits an attest transaction for hash and returns the block
// that committed it.
func (s *Source) Evidence(ctx context.Context, hash string) (*recognition.Evidence, *certificate.Record, error) {
	txID, payload, err := s.GW.Submit(ctx, "attest", hash)
	if err != nil {
		return nil, nil, fmt.Errorf("attest %s: %w", hash, err)
	}
	var rec certificate.Record
	if err := json.Unmarshal(payload, &rec); err != nil {
		return nil, nil, fmt.Errorf("attest %s answered %q: %w", hash, payload, err)
	}
	block, err := s.GW.BlockByTxID(ctx, txID)
	if err != nil {
		return nil, nil, fmt.Errorf("block of %s: %w", txID, err)
	}
	idx, num, err := TxIndex(block, txID)
	if err != nil {
		return nil, nil, err
	}
	s.logf("%s attested %s in transaction %s (block %d, index %d)", s.Partner, hash, txID, num, idx)
	return &recognition.Evidence{Partner: s.Partner, Hash: hash, Fabric: &recognition.FabricEvidence{Block: block, TxIndex: idx}}, &rec, nil
}

// TxIndex finds txID in a block.
func TxIndex(block []byte, txID string) (int, uint64, error) {
	var b cb.Block
	if err := proto.Unmarshal(block, &b); err != nil {
		return 0, 0, err
	}
	for i, d := range b.GetData().GetData() {
		var env cb.Envelope
		if err := proto.Unmarshal(d, &env); err != nil {
			continue
		}
		var p cb.Payload
		if err := proto.Unmarshal(env.Payload, &p); err != nil {
			continue
		}
		var ch cb.ChannelHeader
		if err := proto.Unmarshal(p.GetHeader().GetChannelHeader(), &ch); err != nil {
			continue
		}
		if ch.TxId == txID {
			return i, b.GetHeader().GetNumber(), nil
		}
	}
	return 0, 0, fmt.Errorf("transaction %s is not in block %d", txID, b.GetHeader().GetNumber())
}
