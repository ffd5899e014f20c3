// Command govchain is the single binary: validator daemon, CLI, local
// testnets and the demo.
package main

import (
	"fmt"
	"os"

	"github.com/govchain/govchain/cli"
)

func main() {
	if err := cli.NewRoot().Execute(); err != nil {
		code, reported := cli.ExitCode(err)
		if !reported {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(code)
	}
}
