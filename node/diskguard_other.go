//go:build !(linux || darwin)

package node

import "errors"

var errNoStatfs = errors.New("free space is not measured on this platform")

func freeDisk(string) (uint64, error) { return 0, errNoStatfs }

// Reexec is not available here: restart the node by hand.
func Reexec() error {
	return errors.New("free space and start the node again")
}
