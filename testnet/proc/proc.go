// Package proc starts the child processes of local networks and tests so
// that they die with their parent: each child gets its own process group
// (Kill ends it and whatever it started) and, on Linux, a parent-death
// signal, so a test binary killed by a timeout, Ctrl-C or SIGKILL leaves no
// validator behind to fight the next run for ports and CPU.
package proc

import (
	"errors"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// The parent-death signal is sent when the *thread* that forked the child
// exits, not the process (golang/go#27505). Children are therefore started
// from one goroutine locked to its thread for the life of the process: that
// thread exits only with the process.
var (
	spawnOnce sync.Once
	spawnReqs chan spawnReq
)

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func spawner() {
	runtime.LockOSThread() // never unlocked, see above
	for r := range spawnReqs {
		r.done <- r.cmd.Start()
	}
}

// Start starts cmd attached to this process: in a process group of its own
// and killed (SIGKILL) when this process dies. cmd.SysProcAttr must be nil.
func Start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr != nil {
		return errors.New("proc.Start: cmd.SysProcAttr is set; Start owns it")
	}
	cmd.SysProcAttr = attachedAttr()
	spawnOnce.Do(func() {
		spawnReqs = make(chan spawnReq)
		go spawner()
	})
	done := make(chan error, 1)
	spawnReqs <- spawnReq{cmd, done}
	return <-done
}

// StartDetached starts cmd in a session of its own, so that it outlives
// this process (a background network that `testnet stop` ends later).
func StartDetached(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd.Start()
}

// KillGroup sends sig to the process group led by pid (a child started by
// Start or StartDetached leads its own group).
func KillGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return errors.New("proc.KillGroup: no pid")
	}
	return syscall.Kill(-pid, sig)
}
