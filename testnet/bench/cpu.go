package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuSnap is a reading of the machine's and some processes' CPU time.
type cpuSnap struct {
	at          time.Time
	busy, total float64   // machine, in clock ticks (all cores)
	procs       []float64 // utime+stime of each pid, in ticks
}

// clkTck is USER_HZ, 100 on Linux.
const clkTck = 100.0

func readCPU(pids []int) cpuSnap {
	s := cpuSnap{at: time.Now(), procs: make([]float64, len(pids))}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line := strings.SplitN(string(b), "\n", 2)[0]
		f := strings.Fields(line)
		for i, v := range f[1:] {
			x, _ := strconv.ParseFloat(v, 64)
			s.total += x
			if i != 3 && i != 4 { // idle, iowait
				s.busy += x
			}
		}
	}
	for i, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// fields after the ")" of the command name: state is field 3,
		// utime 14, stime 15
		str := string(b)
		if j := strings.LastIndexByte(str, ')'); j >= 0 {
			f := strings.Fields(str[j+1:])
			if len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				s.procs[i] = u + st
			}
		}
	}
	return s
}

// CPUUse is how busy the machine was during a window, in cores.
type CPUUse struct {
	Machine float64 `json:"machine_cores"` // all processes
	Nodes   float64 `json:"nodes_cores"`   // the network's validator processes
	Client  float64 `json:"client_cores"`  // this bench process (load generator)
}

func (s cpuSnap) since(a cpuSnap, cores int) CPUUse {
	el := s.at.Sub(a.at).Seconds()
	if el <= 0 {
		return CPUUse{}
	}
	var u CPUUse
	if s.total > a.total {
		u.Machine = (s.busy - a.busy) / (s.total - a.total) * float64(cores)
	}
	for i := range s.procs {
		d := (s.procs[i] - a.procs[i]) / clkTck / el
		if i == len(s.procs)-1 {
			u.Client = d
		} else {
			u.Nodes += d
		}
	}
	return u
}

func (u CPUUse) String() string {
	return fmt.Sprintf("machine %.2f cores busy: nodes %.2f, bench client %.2f, other processes %.2f", u.Machine, u.Nodes, u.Client, max(0, u.Machine-u.Nodes-u.Client))
}
