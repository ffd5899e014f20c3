package upgrade

import (
	"strings"
	"testing"
)

type mapStore map[string][]byte

func (m mapStore) Get(k []byte) ([]byte, error) { return m[string(k)], nil }
func (m mapStore) Set(k, v []byte) error        { m[string(k)] = v; return nil }

func TestChecks(t *testing.T) {
	for _, ok := range []string{"v1.3.0", "example-v2", "2026_12", "a"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "V2", "-v2", ".v2", "v 2", "v2/x", "版本", strings.Repeat("a", 65)} {
		if CheckName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	sum := strings.Repeat("0f", 32)
	if err := CheckSHA256(sum); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", strings.ToUpper(sum), sum[:62], sum + "00", "zz" + sum[2:]} {
		if CheckSHA256(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for in, want := range map[string]uint64{"1": 1, "2": 2, "17": 17} {
		if v, err := ParseVersion([]byte(in)); err != nil || v != want {
			t.Errorf("%q: %d %v", in, v, err)
		}
	}
	if v, err := ParseVersion(nil); err != nil || v != 1 {
		t.Errorf("absent: %d %v", v, err)
	}
	for _, bad := range []string{"0", "-1", "x", ""} {
		if _, err := ParseVersion([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLogAndPending(t *testing.T) {
	kv := mapStore{}
	if p, err := Pending(kv); p != nil || err != nil {
		t.Fatal(p, err)
	}
	for i := 0; i < 3; i++ {
		if err := AppendLog(kv, Entry{Event: EventScheduled, Height: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if string(kv[string(LogKey(3))]) == "" || string(kv[string(NextLogKey)]) != "4" || !strings.Contains(string(kv[string(LogKey(2))]), `"seq":2`) {
		t.Fatalf("log: %q", kv)
	}
	kv[string(PlanKey)] = []byte(`{"name":"v2","height":9}`)
	if p, err := Pending(kv); err != nil || p.Name != "v2" || p.Height != 9 {
		t.Fatal(p, err)
	}
	if msg := (Plan{Name: "v2", Height: 9, SHA256: "ab", Notes: "n"}).Halt(); !strings.Contains(msg, `UPGRADE NEEDED: plan "v2" is scheduled at height 9`) || !strings.Contains(msg, "SHA-256 ab") {
		t.Fatal(msg)
	}
}
