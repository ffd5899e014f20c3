package node

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/state"
)

func TestLoadConfigKeepRecent(t *testing.T) {
	h := Home(t.TempDir())
	if err := os.MkdirAll(filepath.Dir(h.ConfigFile()), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		keep int64
		ok   bool
	}{{0, true}, {2, true}, {100, true}, {1, false}, {-1, false}} {
		body := `{"dept":"ZWFW","keep_recent":` + strconv.FormatInt(c.keep, 10) + `}`
		if err := os.WriteFile(h.ConfigFile(), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		conf, err := h.LoadConfig()
		if err == nil && conf.StateOptions().KeepRecent != c.keep {
			t.Errorf("keep_recent %d: store opened with %d", c.keep, conf.StateOptions().KeepRecent)
		}
		switch {
		case c.ok && err != nil:
			t.Errorf("keep_recent %d refused: %v", c.keep, err)
		case c.ok && conf.KeepRecent != c.keep:
			t.Errorf("keep_recent %d loaded as %d", c.keep, conf.KeepRecent)
		case !c.ok && (err == nil || !strings.Contains(err.Error(), "at least 2")):
			t.Errorf("keep_recent %d: want a refusal naming the minimum, got %v", c.keep, err)
		}
	}
}

func TestStateOptions(t *testing.T) {
	def := state.DefaultOptions()
	if o := (&Config{}).StateOptions(); o != def {
		t.Fatalf("empty config: %+v, want the defaults %+v", o, def)
	}
	o := (&Config{StateCacheNodes: 1_000_000, KeepRecent: 5}).StateOptions()
	if o.CacheSize != 1_000_000 || o.KeepRecent != 5 || o.SyncWrites != def.SyncWrites || o.PruneEvery != def.PruneEvery {
		t.Fatalf("state_cache_nodes 1,000,000, keep_recent 5: %+v", o)
	}
}

// TestCheckPruning: a pruning policy that would starve snapshot restores,
// light clients or the QC check is refused with the rule named.
func TestCheckPruning(t *testing.T) {
	for _, c := range []struct {
		conf Config
		want string // "" = accepted
	}{
		{Config{}, ""},
		{Config{KeepRecent: 100, RetainBlocks: 2100, SnapshotInterval: 1000}, ""},
		{Config{RetainBlocks: 500, SnapshotInterval: 0}, ""},
		{Config{RetainBlocks: 1500, SnapshotInterval: 1000}, "snapshot_interval × snapshot_keep"},
		{Config{RetainBlocks: 1500, SnapshotInterval: 1000, SnapshotKeep: 1}, ""},
		{Config{RetainBlocks: 10}, "at least 100"},
		{Config{RetainBlocks: -1}, "retain_blocks -1"},
		{Config{KeepRecent: 1}, "at least 2"},
	} {
		err := c.conf.CheckPruning()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v refused: %v", c.conf, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: got %v, want an error naming %q", c.conf, err, c.want)
		}
	}
}

// TestInitHomeRefusesUnreadableName: node init refuses the department name
// the genesis would refuse (chain/readable), before creating anything.
func TestInitHomeRefusesUnreadableName(t *testing.T) {
	h := Home(t.TempDir())
	_, err := InitHome(h, InitOptions{Dept: "SCJG", DeptName: "市场监督\u202E管理局", Passphrase: []byte("passphrase")})
	if err == nil || !strings.Contains(err.Error(), "department name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 12") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(h.ConfigFile()); !os.IsNotExist(err) {
		t.Fatalf("config written: %v", err)
	}
}

// TestLoadConfigVerifyPeers: verify_peers takes http(s) base URLs only
// (the /verify page fetches PEER/v1/status); SetVerifyPeers writes them.
func TestLoadConfigVerifyPeers(t *testing.T) {
	h := Home(t.TempDir())
	if err := os.MkdirAll(filepath.Dir(h.ConfigFile()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.ConfigFile(), []byte(`{"dept":"ZWFW"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"http://127.0.0.1:26612", "https://api.scjg.example/govchain"}
	if err := SetVerifyPeers(h, want); err != nil {
		t.Fatal(err)
	}
	c, err := h.LoadConfig()
	if err != nil || strings.Join(c.VerifyPeers, " ") != strings.Join(want, " ") {
		t.Fatalf("verify_peers loaded as %v, %v; want %v", c, err, want)
	}
	for _, bad := range []string{"127.0.0.1:26612", "ftp://x", "http://", "http://a,http://b", "http://a/?x=1"} {
		if err := SetVerifyPeers(h, []string{bad}); err == nil || !strings.Contains(err.Error(), "verify_peers") {
			t.Errorf("verify_peers %q: want a refusal, got %v", bad, err)
		}
		body := `{"dept":"ZWFW","verify_peers":["` + bad + `"]}`
		if err := os.WriteFile(h.ConfigFile(), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := h.LoadConfig(); err == nil || !strings.Contains(err.Error(), "verify_peers") {
			t.Errorf("verify_peers %q loaded: %v", bad, err)
		}
	}
}
