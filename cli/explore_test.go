package cli

import (
	"testing"
	"time"
)

func TestRPCFor(t *testing.T) {
	t.Setenv("GOVCHAIN_RPC", "")
	for api, want := range map[string]string{
		"http://127.0.0.1:26602":   "127.0.0.1:26601",
		"127.0.0.1:27612":          "127.0.0.1:27611",
		"http://10.0.0.5:26680/":   "10.0.0.5:26657",
		"https://node.example:443": "node.example:442",
		"not an address":           "127.0.0.1:26601",
	} {
		if got := rpcFor(api); got != want {
			t.Errorf("rpcFor(%q) = %q, want %q", api, got, want)
		}
	}
	t.Setenv("GOVCHAIN_RPC", "rpc.example:26657")
	if got := rpcFor("127.0.0.1:26602"); got != "rpc.example:26657" {
		t.Errorf("GOVCHAIN_RPC ignored: %q", got)
	}
}

func TestParseWhen(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	d, err := parseWhen("2026-11-25", false)
	if err != nil || !d.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, cst)) {
		t.Fatalf("start of day: %v %v", d, err)
	}
	d, err = parseWhen("2026-11-25", true)
	if err != nil || !d.Equal(time.Date(2026, 11, 25, 23, 59, 59, 999999999, cst)) {
		t.Fatalf("end of day: %v %v", d, err)
	}
	d, err = parseWhen("2026-11-25T08:00:00Z", true)
	if err != nil || !d.Equal(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("RFC 3339: %v %v", d, err)
	}
	if _, err := parseWhen("25/11/2026", false); err == nil {
		t.Fatal("bad date accepted")
	}
	if d, err := parseWhen("", false); err != nil || !d.IsZero() {
		t.Fatal("empty should be zero")
	}
}
