//go:build !linux

package proc

import "syscall"

// Without a parent-death signal (not Linux) the child dies with its parent
// only through the caller's cleanup (KillGroup).
func attachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
