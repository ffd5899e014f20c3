//go:build !(js && wasm)

// Command wasm is the browser verifier; it only builds for js/wasm (see
// main.go). On other platforms it says so.
package main

import "fmt"

func main() {
	fmt.Println("build with GOOS=js GOARCH=wasm go build -tags force64bit ./node/verify/web/wasm (or: govchain verify build-wasm)")
}
