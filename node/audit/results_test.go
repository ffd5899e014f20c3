package audit

import (
	"reflect"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
)

// TestDecodeBlockResults: the audit's own /block_results decoder gives
// exactly what CometBFT's client decodes from what CometBFT's RPC server
// writes (cmtjson, with jsonpb for the results), for accepted and rejected
// txs, empty and missing fields, block events and validator updates.
func TestDecodeBlockResults(t *testing.T) {
	evs := []abci.Event{
		{Type: "tx", Attributes: []abci.EventAttribute{{Key: "dept", Value: "SCJG", Index: true}, {Key: "type", Value: "certificate.anchor"}}},
		{Type: "cert", Attributes: []abci.EventAttribute{{Key: "hash", Value: "ab\"\\c\u00e9营业执照"}, {Key: "", Value: ""}}},
		{Type: "empty"},
	}
	cases := []*ctypes.ResultBlockResults{
		{Height: 1},
		{Height: 7, TxResults: []*abci.ExecTxResult{}, AppHash: []byte{}},
		{Height: 42, AppHash: []byte{1, 2, 3, 0xff},
			TxResults: []*abci.ExecTxResult{
				{Code: 0, Data: []byte(`{"id":"x"}`), GasWanted: 5, GasUsed: 3, Events: evs},
				{Code: 7, Codespace: "tx", Log: "sequence 3, want 2", Info: "i"},
				{Code: 1 << 31, Data: []byte{0, 1, 2}, GasWanted: -1, GasUsed: 1 << 40, Events: []abci.Event{}},
				{},
			},
			FinalizeBlockEvents: evs},
		{Height: 9, ValidatorUpdates: []abci.ValidatorUpdate{{Power: 10, PubKeyType: "ed25519", PubKeyBytes: make([]byte, 32)}}},
		{Height: 10, ConsensusParamUpdates: &cmtproto.ConsensusParams{Block: &cmtproto.BlockParams{MaxBytes: 100, MaxGas: -1}}},
		{Height: 11, ValidatorUpdates: []abci.ValidatorUpdate{}},
	}
	for i, c := range cases {
		raw, err := cmtjson.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want := new(ctypes.ResultBlockResults)
		if err := cmtjson.Unmarshal(raw, want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeBlockResults(raw)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, raw)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("case %d:\n got %#v\nwant %#v\n%s", i, got, want, raw)
		}
	}
	// 64-bit integers as numbers (jsonpb reads both).
	raw := []byte(`{"height":"3","txs_results":[{"code":2,"gas_wanted":"9","gas_used":4,"events":[{"type":"t","attributes":[{"key":"k","value":"v","index":true}]}]}]}`)
	want := new(ctypes.ResultBlockResults)
	if err := cmtjson.Unmarshal(raw, want); err != nil {
		t.Fatal(err)
	}
	got, err := decodeBlockResults(raw)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("integers as numbers: %v\n got %#v\nwant %#v", err, got, want)
	}
	for _, bad := range []string{`{"height":"x"}`, `{"txs_results":[null]}`, `{"txs_results":[{"gas_used":"1.5"}]}`, `[`} {
		if _, err := decodeBlockResults([]byte(bad)); err == nil {
			t.Errorf("%s: decoded", bad)
		}
	}
}
