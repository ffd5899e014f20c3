package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkProveAtScale is the node's proof work per verification query
// (View.Prove of a random certificate record in the head version's shared
// tree) as the state grows, on badger with the node's options: 300,000
// keys is what `govchain bench` leaves (its query row), 1.2 M a district's
// years of certificates, measured with the default node cache (200,000
// IAVL nodes) and, reopened, with 1,000,000 (state_cache_nodes in
// govchain.json). Each record is one ~600-byte value and three ~40-byte
// index entries, 10,000 keys a version.
//
// ns/op is wall time with one query per core at once; cpu-µs/op is the
// process's CPU per proof (GC included); heap-MiB the Go heap in use
// after the run and a GC.
//
//	go test ./chain/state -run XXX -bench ProveAtScale -benchtime 200000x -timeout 60m
func BenchmarkProveAtScale(b *testing.B) {
	rec := make([]byte, 600)
	for i := range rec {
		rec[i] = 'a' + byte(i%26)
	}
	recKey := func(i int) []byte {
		h := sha256.Sum256([]byte(fmt.Sprint(i)))
		return []byte("cert/rec/" + hex.EncodeToString(h[:]))
	}
	for _, keys := range []int{300_000, 1_200_000} {
		dir := b.TempDir()
		opts := Options{CacheSize: DefaultOptions().CacheSize, PruneEvery: 100}
		s, err := Open(dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		records := keys / 4
		for i := 0; i < records; i++ {
			k := recKey(i)
			w := s.Working()
			w.Set(k, rec)
			for j := 0; j < 3; j++ {
				w.Set([]byte(fmt.Sprintf("cert/idx%d/%08d/%s", j, i%997, k[9:])), k[9:])
			}
			if i%2500 == 2499 || i == records-1 {
				if _, _, err := s.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}
		caches := []int{opts.CacheSize}
		if keys > 1_000_000 {
			caches = append(caches, 1_000_000)
		}
		for _, c := range caches {
			if c != opts.CacheSize {
				s.Close()
				opts.CacheSize = c
				if s, err = Open(dir, opts); err != nil {
					b.Fatal(err)
				}
			}
			v, err := s.At(0)
			if err != nil {
				b.Fatal(err)
			}
			// badger flushes and compacts for a while after the writes:
			// measure once the process is idle, like a node between blocks
			for i := 0; i < 180; i++ {
				if cpuSeconds(time.Second) < 0.1 {
					break
				}
			}
			b.Run(fmt.Sprintf("keys=%d/cache=%d", v.Size(), c), func(b *testing.B) {
				b.ReportAllocs()
				c0 := processCPU()
				b.RunParallel(func(pb *testing.PB) {
					rng := rand.New(rand.NewSource(rand.Int63()))
					for pb.Next() {
						k := recKey(rng.Intn(records))
						val, ops, err := v.Prove(k)
						if err != nil || val == nil || len(ops) == 0 {
							b.Fatalf("%s: %v", k, err)
						}
					}
				})
				b.ReportMetric((processCPU()-c0).Seconds()*1e6/float64(b.N), "cpu-µs/op")
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			})
		}
		s.Close()
	}
}

// processCPU is this process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSeconds is the CPU the process used per second over d.
func cpuSeconds(d time.Duration) float64 {
	c0 := processCPU()
	time.Sleep(d)
	return (processCPU() - c0).Seconds() / d.Seconds()
}
