package proof_test

import (
	"bytes"
	"testing"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
)

// FuzzVerify checks soundness against a real tree: whatever the key, value
// and proof bytes, the verifier may accept only true statements about the
// tree behind the trusted root, and must never panic.
func FuzzVerify(f *testing.F) {
	fx := filled(f, 16)
	for _, key := range [][]byte{prooftest.Key(0), prooftest.Key(14), prooftest.Key(30), []byte("a"), prooftest.Key(15), []byte("zzz")} {
		p := fx.prove(f, key)
		f.Add(p.Key, p.Value, p.Ops)
	}
	f.Fuzz(func(t *testing.T, key, value, ops []byte) {
		stored, err := fx.tree.Get(fx.version, key)
		if err != nil {
			t.Skip(err)
		}
		errM := proof.VerifyMembership(fx.root, key, value, ops)
		if errM == nil && (stored == nil || !bytes.Equal(stored, value)) {
			t.Fatalf("accepted membership of %q = %q, tree has %q", key, value, stored)
		}
		errN := proof.VerifyNonMembership(fx.root, key, ops)
		if errN == nil && stored != nil {
			t.Fatalf("accepted non-membership of %q, tree has %q", key, stored)
		}
		root, errC := proof.ComputeRoot(key, value, ops)
		if (errC == nil) != (errM == nil || proof.StepOf(errM) == proof.StepRoot) {
			t.Fatalf("ComputeRoot error %v inconsistent with VerifyMembership error %v", errC, errM)
		}
		if errM == nil && !bytes.Equal(root, fx.root) {
			t.Fatalf("ComputeRoot = %x, VerifyMembership accepted root %x", root, fx.root)
		}
		for _, err := range []error{errM, errN, errC} {
			if proof.StepOf(err) == proof.StepICS23 {
				t.Fatalf("only ics23 rejected: %v", err)
			}
		}
	})
}
