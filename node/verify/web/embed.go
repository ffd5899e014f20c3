package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// A release build embeds the verifier: `go generate ./node/verify/web`
// writes it to embedded/ (ignored by git: 7 MB that goes stale with every
// change to the verifier), then `go build -tags embedwasm` embeds that
// directory (embed_on.go). Without the tag nothing is embedded
// (embed_off.go) and a fresh clone builds, tests and runs the demo as
// before, with the verifier built on first use.
//
//go:generate go run -tags= ./gen -out embedded

// EmbedDir is the directory, inside this package, that go generate writes
// and -tags embedwasm embeds.
const EmbedDir = "embedded"

// Info describes the verifier a binary embeds (EmbedDir/verifier.json).
type Info struct {
	Embedded bool   `json:"embedded"`
	SM3      string `json:"sm3,omitempty"`       // of the uncompressed module, hex
	Size     int    `json:"size,omitempty"`      // bytes of WebAssembly
	GzipSize int    `json:"gzip_size,omitempty"` // bytes served with Content-Encoding: gzip
	Key      string `json:"key,omitempty"`       // source key when it was generated (see Key)
	Go       string `json:"go,omitempty"`        // the Go that built it
}

// EmbeddedInfo says whether this binary embeds the verifier, and which one.
func EmbeddedInfo() (Info, error) {
	if embedded == nil {
		return Info{}, nil
	}
	b, err := fs.ReadFile(embedded, "verifier.json")
	if err != nil {
		return Info{}, fmt.Errorf("embedded verifier: %w", err)
	}
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return Info{}, fmt.Errorf("embedded verifier: verifier.json: %w", err)
	}
	if !in.Embedded || len(in.SM3) != 64 || in.Size <= 0 || in.GzipSize <= 0 {
		return Info{}, errors.New("embedded verifier: verifier.json is incomplete (rerun go generate ./node/verify/web)")
	}
	return in, nil
}

// Embedded returns the verifier embedded in this binary, or nil when none
// is. It does not decompress the module: its size and SM3 come from
// verifier.json, checked against the compressed size.
func Embedded() (*Artifacts, error) {
	if embedded == nil {
		return nil, nil
	}
	in, err := EmbeddedInfo()
	if err != nil {
		return nil, err
	}
	gz, err := fs.ReadFile(embedded, "verifier.wasm.gz")
	if err != nil {
		return nil, fmt.Errorf("embedded verifier: %w", err)
	}
	js, err := fs.ReadFile(embedded, "wasm_exec.js")
	if err != nil {
		return nil, fmt.Errorf("embedded verifier: %w", err)
	}
	if len(gz) != in.GzipSize {
		return nil, fmt.Errorf("embedded verifier: verifier.wasm.gz has %d bytes, verifier.json says %d (rerun go generate ./node/verify/web)", len(gz), in.GzipSize)
	}
	return &Artifacts{WasmGz: gz, ExecJS: js, Size: in.Size, SM3: in.SM3, Key: in.Key, Source: "embedded"}, nil
}

// WriteEmbed writes a's files and verifier.json into dir for embedding,
// each renamed into place complete.
func WriteEmbed(dir string, a *Artifacts) (Info, error) {
	in := Info{Embedded: true, SM3: a.SM3, Size: a.Size, GzipSize: len(a.WasmGz), Key: a.Key, Go: runtime.Version()}
	meta, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Info{}, err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{"verifier.wasm.gz", a.WasmGz}, {"wasm_exec.js", a.ExecJS}, {"verifier.json", append(meta, '\n')}} {
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.b, 0o644); err != nil {
			return Info{}, err
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			return Info{}, err
		}
	}
	return in, nil
}
