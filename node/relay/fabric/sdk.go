package fabric

import (
	"context"
	"fmt"

	"github.com/golang/protobuf/proto"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/channel"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/ledger"
	"github.com/hyperledger/fabric-sdk-go/pkg/common/providers/fab"
	"github.com/hyperledger/fabric-sdk-go/pkg/core/config"
	"github.com/hyperledger/fabric-sdk-go/pkg/fabsdk"
)

// SDKGateway is a Gateway over fabric-sdk-go v1.0.0. The connection
// profile is the SDK's YAML (client, organizations with the relayer's
// user — embedded cert and key or a crypto path —, orderers, peers,
// channels); its client.logging.level must be "warning" or another level
// name the SDK knows ("warn" makes the SDK panic).
type SDKGateway struct {
	sdk       *fabsdk.FabricSDK
	ch        *channel.Client
	ledger    *ledger.Client
	chaincode string
}

// NewSDKGateway opens the profile and connects as user of org to channel.
func NewSDKGateway(profile, channelID, chaincode, org, user string) (*SDKGateway, error) {
	sdk, err := fabsdk.New(config.FromFile(profile), fabsdk.WithLoggerPkg(stderrLogging{}))
	if err != nil {
		return nil, fmt.Errorf("fabric-sdk-go with %s: %w", profile, err)
	}
	chCtx := sdk.ChannelContext(channelID, fabsdk.WithUser(user), fabsdk.WithOrg(org))
	cc, err := channel.New(chCtx)
	if err != nil {
		sdk.Close()
		return nil, fmt.Errorf("channel %s as %s@%s: %w", channelID, user, org, err)
	}
	lc, err := ledger.New(chCtx)
	if err != nil {
		sdk.Close()
		return nil, fmt.Errorf("ledger of %s: %w", channelID, err)
	}
	return &SDKGateway{sdk: sdk, ch: cc, ledger: lc, chaincode: chaincode}, nil
}

func byteArgs(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func (g *SDKGateway) Submit(_ context.Context, fn string, args ...string) (string, []byte, error) {
	r, err := g.ch.Execute(channel.Request{ChaincodeID: g.chaincode, Fcn: fn, Args: byteArgs(args)})
	if err != nil {
		return "", nil, err
	}
	if r.TxValidationCode != 0 {
		return string(r.TransactionID), nil, fmt.Errorf("transaction %s committed as invalid (%s)", r.TransactionID, r.TxValidationCode)
	}
	return string(r.TransactionID), r.Payload, nil
}

func (g *SDKGateway) Evaluate(_ context.Context, fn string, args ...string) ([]byte, error) {
	r, err := g.ch.Query(channel.Request{ChaincodeID: g.chaincode, Fcn: fn, Args: byteArgs(args)})
	if err != nil {
		return nil, err
	}
	return r.Payload, nil
}

func (g *SDKGateway) BlockByTxID(_ context.Context, txID string) ([]byte, error) {
	b, err := g.ledger.QueryBlockByTxID(fab.TransactionID(txID))
	if err != nil {
		return nil, err
	}
	return proto.Marshal(b)
}

func (g *SDKGateway) Close() { g.sdk.Close() }
