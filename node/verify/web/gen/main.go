// Command gen writes the browser verifier into node/verify/web/embedded
// for a release build to embed (`go generate ./node/verify/web`, then
// `go build -tags embedwasm`). It takes the module from the user cache
// when this source tree already built it there, else builds it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/govchain/govchain/node/verify/web"
)

func main() {
	out := flag.String("out", web.EmbedDir, "directory to write verifier.wasm.gz, wasm_exec.js and verifier.json to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "go generate ./node/verify/web:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	src, err := web.SourceDir()
	if err != nil {
		return err
	}
	a, err := web.Cached(ctx, src)
	if err != nil {
		return fmt.Errorf("build the verifier: %w", err)
	}
	in, err := web.WriteEmbed(out, a)
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Printf("wrote %s: verifier %.1f MiB of WebAssembly, %.1f MiB gzipped, SM3 %s (%s, key %s)\n",
		out, float64(in.Size)/(1<<20), float64(in.GzipSize)/(1<<20), in.SM3, a.Source, in.Key)
	return nil
}
