package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkProveAtScale is the node's proof work per verification query
// (View.Prove of a certificate record in the head version's shared tree)
// as the state grows, on badger with the node's options (200,000-node
// cache): 300,000 keys is what `govchain bench` leaves (its query row),
// 1.2 M a district's years of certificates. Each record is one
// ~600-byte value and three ~40-byte index entries, 10,000 keys a version.
//
//	go test ./chain/state -run XXX -bench ProveAtScale -benchtime 200000x -timeout 60m
func BenchmarkProveAtScale(b *testing.B) {
	for _, keys := range []int{300_000, 1_200_000} {
		s, err := Open(b.TempDir(), Options{CacheSize: DefaultOptions().CacheSize, PruneEvery: 100})
		if err != nil {
			b.Fatal(err)
		}
		rec := make([]byte, 600)
		for i := range rec {
			rec[i] = 'a' + byte(i%26)
		}
		recKey := func(i int) []byte {
			h := sha256.Sum256([]byte(fmt.Sprint(i)))
			return []byte("cert/rec/" + hex.EncodeToString(h[:]))
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
		v, err := s.At(0)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("keys=%d", v.Size()), func(b *testing.B) {
			b.ReportAllocs()
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
		})
		s.Close()
	}
}
