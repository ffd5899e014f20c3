//go:build linux || darwin

package node

import (
	"errors"
	"os"
	"syscall"
)

var errNoStatfs = errors.New("free space is not measured on this platform")

// freeDisk is the space an unprivileged writer may still use on dir's
// volume.
func freeDisk(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// Reexec replaces the process with a fresh run of the same command line
// and environment (the same process id, so a container or service manager
// sees no exit). Used by `node start` after a full-disk stop: CometBFT
// registers its metrics once per process, so a node is not restarted
// in-process.
func Reexec() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, os.Environ())
}
