//go:build js && wasm

// Command wasm is the browser verifier: chain/proof/bundle compiled to
// WebAssembly, used by the node's /verify page. The page computes the
// file's SM3 and verifies bundles here, so neither the file nor any trust
// decision leaves the citizen's device. Build it with
//
//	GOOS=js GOARCH=wasm go build -tags force64bit -trimpath -ldflags="-s -w" ./node/verify/web/wasm
//
// (govchain verify build-wasm does this; nodes build it on first use).
package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
)

type answer struct {
	OK     bool           `json:"ok"`
	Result *bundle.Result `json:"result,omitempty"`
	Step   string         `json:"step,omitempty"`
	Error  string         `json:"error,omitempty"`
}

func reply(a answer) any {
	b, _ := json.Marshal(a)
	return string(b)
}

func main() {
	// govchainSM3(Uint8Array) -> 64 lower-case hex
	js.Global().Set("govchainSM3", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b := make([]byte, args[0].Get("length").Int())
		js.CopyBytesToGo(b, args[0])
		return smcrypto.SM3Hex(b)
	}))
	// incremental hashing for large files: h = govchainSM3New(); govchainSM3Write(h, chunk)...; govchainSM3Sum(h)
	var states []interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	js.Global().Set("govchainSM3New", js.FuncOf(func(_ js.Value, _ []js.Value) any {
		states = append(states, sm3.New())
		return len(states) - 1
	}))
	js.Global().Set("govchainSM3Write", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b := make([]byte, args[1].Get("length").Int())
		js.CopyBytesToGo(b, args[1])
		states[args[0].Int()].Write(b)
		return nil
	}))
	js.Global().Set("govchainSM3Sum", js.FuncOf(func(_ js.Value, args []js.Value) any {
		const hexdigits = "0123456789abcdef"
		sum := states[args[0].Int()].Sum(nil)
		out := make([]byte, 0, 64)
		for _, c := range sum {
			out = append(out, hexdigits[c>>4], hexdigits[c&15])
		}
		return string(out)
	}))
	// govchainVerify(bundleJSON, trustJSON, hash, memberJSON|"", nowMillis[, maxAgeMillis[, latestHeight, latestFromJSON]])
	// -> JSON answer; with maxAgeMillis > 0 a state older than that is
	// judged STALE (bundle.JudgeAge, against the device's clock); with
	// latestHeight > 0 (the highest height two departments' nodes report,
	// app.js) a state below latestHeight - bundle.BundleLag is STALE too;
	// latestFromJSON (["DEPT url", ...]) says who reported it
	js.Global().Set("govchainVerify", js.FuncOf(func(_ js.Value, args []js.Value) any {
		trust, _, err := bundle.ParseTrustRoot([]byte(args[1].String()))
		if err != nil {
			return reply(answer{Step: bundle.StepOf(err), Error: err.Error()})
		}
		in := bundle.Input{Hash: args[2].String(), Now: time.UnixMilli(int64(args[4].Float()))}
		if m := args[3].String(); m != "" {
			in.Member = &bundle.Member{}
			if err := json.Unmarshal([]byte(m), in.Member); err != nil {
				return reply(answer{Step: bundle.StepInput, Error: "batch member: " + err.Error()})
			}
		}
		res, err := bundle.Verify([]byte(args[0].String()), trust, in)
		if err == nil {
			var p bundle.Policy
			if len(args) > 5 && args[5].Type() == js.TypeNumber {
				p.MaxAge = time.Duration(args[5].Float()) * time.Millisecond
			}
			if len(args) > 6 && args[6].Type() == js.TypeNumber && args[6].Int() > 0 {
				p.Latest = int64(args[6].Float())
				p.MinHeight = max(p.Latest-bundle.BundleLag, 1)
				if len(args) > 7 && args[7].Type() == js.TypeString {
					_ = json.Unmarshal([]byte(args[7].String()), &p.LatestFrom)
				}
			}
			err = res.Judge(in.Now, p)
		}
		if err != nil {
			return reply(answer{Step: bundle.StepOf(err), Error: err.Error()})
		}
		return reply(answer{OK: true, Result: res})
	}))
	// govchainCheckTrust(trustJSON) -> JSON answer (hash check of a trust root)
	js.Global().Set("govchainCheckTrust", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if _, _, err := bundle.ParseTrustRoot([]byte(args[0].String())); err != nil {
			return reply(answer{Step: bundle.StepOf(err), Error: err.Error()})
		}
		return reply(answer{OK: true})
	}))
	js.Global().Set("govchainReady", true)
	if cb := js.Global().Get("onGovchainReady"); cb.Type() == js.TypeFunction {
		cb.Invoke()
	}
	select {}
}
