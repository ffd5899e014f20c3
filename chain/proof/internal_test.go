package proof

import (
	"testing"
)

// ics23.IsLeftNeighbor indexes its arguments unchecked and panics on some
// malformed paths; the port must answer "not neighbours" instead.
func TestIsLeftNeighborDoesNotPanic(t *testing.T) {
	left := innerOp{hash: hashSHA256, prefix: []byte{2, 2, 2, 0x20}, suffix: make([]byte, childSize)} // sibling on the right
	right := innerOp{hash: hashSHA256, prefix: append([]byte{2, 2, 2}, make([]byte, childSize+1)...)} // sibling on the left
	odd := innerOp{hash: hashSHA256, prefix: make([]byte, 20)}                                        // fits no branch
	if !isLeftNeighbor([]innerOp{left}, []innerOp{right}) {
		t.Fatal("two children of one node are not neighbours")
	}
	for _, c := range []struct {
		name        string
		left, right []innerOp
	}{
		{"both empty", nil, nil},
		{"left empty", nil, []innerOp{right}},
		{"right empty", []innerOp{left}, nil},
		{"identical", []innerOp{left}, []innerOp{left}},
		{"identical tails", []innerOp{left, left}, []innerOp{left}},
		{"identical tails, right longer", []innerOp{right}, []innerOp{left, right}},
		{"no branch", []innerOp{odd}, []innerOp{right}},
		{"swapped", []innerOp{right}, []innerOp{left}},
	} {
		if isLeftNeighbor(c.left, c.right) {
			t.Errorf("%s: isLeftNeighbor = true", c.name)
		}
	}
}

func TestRecoverInto(t *testing.T) {
	err := func() (err error) {
		defer recoverInto(&err)
		var ops []innerOp
		_ = ops[len(ops)-1]
		return nil
	}()
	if StepOf(err) != StepInternal {
		t.Fatalf("recovered panic: %v, want step %q", err, StepInternal)
	}
}
