package proof

import (
	"testing"

	ics23 "github.com/cosmos/ics23/go"
)

// ics23.IsLeftNeighbor indexes its arguments unchecked; the wrapper must turn
// every such panic into "not neighbours".
func TestIsLeftNeighborDoesNotPanic(t *testing.T) {
	spec := ics23.IavlSpec.InnerSpec
	op := &ics23.InnerOp{Hash: ics23.HashOp_SHA256, Prefix: []byte{2, 2, 2, 0x20}, Suffix: make([]byte, 33)}
	odd := &ics23.InnerOp{Hash: ics23.HashOp_SHA256, Prefix: make([]byte, 20)} // matches no branch
	for _, c := range []struct {
		name        string
		left, right []*ics23.InnerOp
	}{
		{"both empty", nil, nil},
		{"left empty", nil, []*ics23.InnerOp{op}},
		{"right empty", []*ics23.InnerOp{op}, nil},
		{"identical", []*ics23.InnerOp{op}, []*ics23.InnerOp{op}},
		{"identical tails", []*ics23.InnerOp{op, op}, []*ics23.InnerOp{op}},
		{"no branch", []*ics23.InnerOp{odd}, []*ics23.InnerOp{op}},
	} {
		if isLeftNeighbor(spec, c.left, c.right) {
			t.Errorf("%s: isLeftNeighbor = true", c.name)
		}
	}
}

func TestRecoverInto(t *testing.T) {
	err := func() (err error) {
		defer recoverInto(&err)
		var ops []*ics23.InnerOp
		_ = ops[len(ops)-1]
		return nil
	}()
	if StepOf(err) != StepInternal {
		t.Fatalf("recovered panic: %v, want step %q", err, StepInternal)
	}
}
