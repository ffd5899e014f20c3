//go:build embedwasm

package web

import (
	"embed"
	"io/fs"
)

// The files `go generate ./node/verify/web` writes. If the build fails
// here with "no matching files found", run that first.
//
//go:embed embedded/verifier.wasm.gz embedded/wasm_exec.js embedded/verifier.json
var embeddedFiles embed.FS

var embedded = func() fs.FS {
	sub, err := fs.Sub(embeddedFiles, EmbedDir)
	if err != nil {
		panic(err)
	}
	return sub
}()
