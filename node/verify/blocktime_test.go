package verify_test

import (
	"testing"
	"time"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/proof/bundle"
)

// TestBlockTimeKey: bundle.BlockTimeKey is where the app keeps the time of
// the block that committed a version (the SM2 part proves it).
func TestBlockTimeKey(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	at := chaintest.Genesis0.Add(90 * time.Second)
	c.BlockAt(at)
	v, err := c.View().Get([]byte(bundle.BlockTimeKey))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := time.Parse(time.RFC3339Nano, string(v)); err != nil || !got.Equal(at) {
		t.Fatalf("%s = %q, want %s", bundle.BlockTimeKey, v, at)
	}
}
