package client_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/node/client"
)

func TestCursor(t *testing.T) {
	for _, s := range []string{"0", "12", "12.0", "12.345"} {
		c, err := client.ParseCursor(s)
		if err != nil || c.String() != s {
			t.Errorf("%q: %v %v", s, c, err)
		}
	}
	if c, err := client.ParseCursor(""); err != nil || c.String() != "0" {
		t.Errorf(`"": %v %v, want the cursor before block 1`, c, err)
	}
	for _, s := range []string{"-1", "12.", ".3", "12.-1", "012", "12.03", "a.b", "1.2.3", "12 "} {
		if _, err := client.ParseCursor(s); err == nil {
			t.Errorf("%q is accepted", s)
		}
	}
	order := []string{"0", "1.0", "1.7", "1", "2.0", "2.10", "2", "10.0"}
	for i := range order {
		for j := range order {
			a, _ := client.ParseCursor(order[i])
			b, _ := client.ParseCursor(order[j])
			if a.After(b) != (i > j) {
				t.Errorf("%s after %s = %v", order[i], order[j], a.After(b))
			}
		}
	}
}

func TestEventFilter(t *testing.T) {
	ev := &client.Event{Module: "credit", Type: "credit.recorded", Dept: "SCJG",
		Attrs: []client.EventAttr{{Key: "id", Value: "000000000001"}, {Key: "dept", Value: "RSJ"}, {Key: "subject_ref", Value: "91350100M000100Y43"}}}
	for s, want := range map[string]bool{
		"":                                    true,
		"module=credit":                       true,
		"module=catalog":                      false,
		"module=catalog,module=credit":        true,
		"type=credit.recorded,dept=SCJG":      true,
		"dept=RSJ":                            true, // the dept attribute
		"dept=WJW":                            false,
		"subject=91350100M000100Y43":          true,
		"subject=91350100M000100Y43,dept=WJW": false,
		"subject=SCJG":                        false, // the signer's department is no attribute
	} {
		f, err := client.ParseEventFilter(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if f.Match(ev) != want {
			t.Errorf("%q matches = %v, want %v", s, !want, want)
		}
		if g, _ := client.ParseEventFilter(f.String()); g.String() != f.String() {
			t.Errorf("%q does not round-trip: %q", s, g.String())
		}
	}
	for _, bad := range []string{"credit", "module=", "height=3", "module=credit,,"} {
		if _, err := client.ParseEventFilter(bad); err == nil || !strings.Contains(err.Error(), "module") {
			t.Errorf("%q: %v, want an error naming the keys", bad, err)
		}
	}
}
