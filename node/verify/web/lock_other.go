//go:build !unix

package web

import "os"

// Without flock, nodes on one machine may build the verifier at the same
// time; each writes complete files by renaming them into place.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
