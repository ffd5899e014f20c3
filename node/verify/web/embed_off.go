//go:build !embedwasm

package web

import "io/fs"

// embedded is nil: this binary was built without -tags embedwasm, so the
// node finds or builds the verifier at run time (see the package doc).
var embedded fs.FS
