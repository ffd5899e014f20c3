package smcrypto_test

import (
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
)

var benchMsg = []byte("benchmark message: a typical transaction sign-bytes payload of modest size")

func BenchmarkSign(b *testing.B) {
	k := mustKey(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := k.Sign(benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k := mustKey(b)
	sig, err := k.Sign(benchMsg)
	if err != nil {
		b.Fatal(err)
	}
	pub := k.PublicKey()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := pub.Verify(benchMsg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckCanonicalSignature(b *testing.B) {
	sig, err := mustKey(b).Sign(benchMsg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := smcrypto.CheckCanonicalSignature(sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSM3_1KiB(b *testing.B) { benchSM3(b, 1<<10) }
func BenchmarkSM3_1MiB(b *testing.B) { benchSM3(b, 1<<20) }

func benchSM3(b *testing.B, n int) {
	data := make([]byte, n)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		smcrypto.SM3(data)
	}
}

func BenchmarkSealSM4GCM_1KiB(b *testing.B) {
	key := make([]byte, 16)
	data := make([]byte, 1<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := smcrypto.SealSM4GCM(key, data, nil); err != nil {
			b.Fatal(err)
		}
	}
}
