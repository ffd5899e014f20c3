package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/testnet"
)

// benchVerifyNet starts a seeded 4-validator certificate network whose
// nodes do not rate-limit verification (GOVCHAIN_VERIFY_RATE).
func benchVerifyNet(b *testing.B) (*testnet.Network, map[string]string) {
	os.Setenv("GOVCHAIN_VERIFY_RATE", "1000000000")
	os.Setenv("GOVCHAIN_VERIFY_BURST", "1000000000")
	defer os.Unsetenv("GOVCHAIN_VERIFY_RATE")
	defer os.Unsetenv("GOVCHAIN_VERIFY_BURST")
	base, err := testnet.FreeBasePort(4)
	if err != nil {
		b.Fatal(err)
	}
	net, err := testnet.Create(b.TempDir(), testnet.Options{Validators: 4, BasePort: base, Binary: binary, TimeoutCommit: 500 * time.Millisecond,
		GenesisModules: map[string]json.RawMessage{certificate.Name: certdemo.Genesis()},
		Grants:         map[string][]string{"SCJG": {"issuer:BL"}, "WJW": {"issuer:MPL"}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = net.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.Start(ctx, 2); err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	if err := certdemo.Seed(ctx, net.DemoNet(), &out); err != nil {
		b.Fatal(err)
	}
	hashes := map[string]string{}
	d := certdemo.Dir(net.Dir)
	for name, f := range map[string]string{"valid": "bl-福州闽江贸易有限公司.txt", "revoked": "bl-福州三坊七巷餐饮有限公司.txt"} {
		raw, _ := os.ReadFile(filepath.Join(d, f))
		hashes[name] = smcrypto.SM3Hex(raw)
	}
	st, _ := net.Client(0).Status(ctx)
	if err := net.WaitHeight(ctx, st.Height+3); err != nil {
		b.Fatal(err)
	}
	return net, hashes
}

// BenchmarkVerifyServed measures verification queries served by one node
// (node 0 of a 4-validator network, over loopback HTTP with keep-alive,
// 16 concurrent clients): full bundles (record + header + commit +
// validators + SM2 QC + key proofs), compact bundles, private prefix
// lookups, and the plain proven read /v1/certificates/{hash}?prove=true.
// Run: go test ./testnet -run XXX -bench VerifyServed -benchtime 5s
func BenchmarkVerifyServed(b *testing.B) {
	net, hashes := benchVerifyNet(b)
	base := "http://" + net.Nodes[0].API
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	pidb, err := os.ReadFile(filepath.Join(net.Nodes[0].Home, "node.pid"))
	if err != nil {
		b.Fatal(err)
	}
	pid := strings.TrimSpace(string(pidb))
	for _, tc := range []struct{ name, path string }{
		{"bundle", "/v1/verify/bundle/" + hashes["valid"]},
		{"bundle-compact", "/v1/verify/bundle/" + hashes["valid"] + "?compact=true"},
		{"bundle-from-trust-root", "/v1/verify/bundle/" + hashes["valid"] + "?trusted_height=3"},
		{"prefix-20bit", "/v1/verify/prefix/" + hashes["revoked"][:5]},
		{"certificate-prove", "/v1/certificates/" + hashes["valid"] + "?prove=true"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetParallelism(8) // 16 goroutines on 2 cores
			var bytesOut int64
			var mu sync.Mutex
			cpu0 := procCPU(b, pid)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var n int64
				for pb.Next() {
					r, err := c.Get(base + tc.path)
					if err != nil {
						b.Error(err)
						return
					}
					m, _ := io.Copy(io.Discard, r.Body)
					r.Body.Close()
					if r.StatusCode != 200 {
						b.Errorf("HTTP %d", r.StatusCode)
						return
					}
					n += m
				}
				mu.Lock()
				bytesOut += n
				mu.Unlock()
			})
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/el, "queries/s")
			if cpu := procCPU(b, pid) - cpu0; b.N > 0 && cpu > 0 {
				us := cpu.Seconds() * 1e6 / float64(b.N)
				b.ReportMetric(us, "node-cpu-µs/query")
			}
			if b.N > 0 {
				b.ReportMetric(float64(bytesOut)/float64(b.N), "bytes/answer")
			}
		})
	}
}

// procCPU is the user+system CPU time of process pid so far (Linux).
func procCPU(b *testing.B, pid string) time.Duration {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
