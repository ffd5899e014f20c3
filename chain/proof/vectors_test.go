package proof_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from a freshly built tree")

var vectorsPath = filepath.Join("testdata", "vectors.json")

// vectorFile is the layout of testdata/vectors.json.
type vectorFile struct {
	Description []string `json:"description"`
	Vectors     []vector `json:"vectors"`
}

// vector is one test case: Proof.Verify(Root) must end with Want, "ok" or
// the Step of the *VerifyError.
type vector struct {
	Name  string      `json:"name"`
	Root  []byte      `json:"root"`
	Proof proof.Proof `json:"proof"`
	Want  string      `json:"want"`
}

const okOutcome = "ok"

func outcome(err error) string {
	if err == nil {
		return okOutcome
	}
	return proof.StepOf(err)
}

// TestVectors replays the committed vectors. Other verifiers (the browser
// one included) can replay the same file.
func TestVectors(t *testing.T) {
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./chain/proof -run TestVectorsUpToDate -update)", err)
	}
	var vf vectorFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vf); err != nil {
		t.Fatalf("decode %s: %v", vectorsPath, err)
	}
	seen := map[string]int{}
	for _, v := range vf.Vectors {
		got := outcome(v.Proof.Verify(v.Root))
		if got != v.Want {
			t.Errorf("%s: got %q (%v), want %q", v.Name, got, v.Proof.Verify(v.Root), v.Want)
		}
		seen[v.Want]++
		// ics23 and the verifier that called it agree (differential_test.go).
		differential(t, nil, v.Name, claim{root: v.Root, key: v.Proof.Key, value: v.Proof.Value, ops: v.Proof.Ops})
	}
	for _, want := range []string{okOutcome, proof.StepInput, proof.StepDecode, proof.StepKind, proof.StepKey,
		proof.StepValue, proof.StepSpec, proof.StepLeaf, proof.StepRoot, proof.StepRange, proof.StepNeighbour} {
		if seen[want] == 0 {
			t.Errorf("no vector expects %q", want)
		}
	}
	t.Logf("%d vectors: %v", len(vf.Vectors), seen)
}

// TestVectorsUpToDate rebuilds the vectors and compares them with the
// committed file, so a change in iavl's hashing or in this package's steps
// shows up here. With -update it rewrites the file instead.
func TestVectorsUpToDate(t *testing.T) {
	vf := vectorFile{
		Description: []string{
			"govchain state proof test vectors (package chain/proof).",
			"For each vector, verify proof against root: membership of (proof.key, proof.value) if proof.value is non-null, non-membership of proof.key if it is null.",
			"want is \"ok\" or the step that must reject the proof (proof.VerifyError.Step).",
			"Bytes are base64; proof.ops is a protobuf cosmos.ics23.v1.CommitmentProof in IAVL format.",
			"Regenerate with: go test ./chain/proof -run TestVectorsUpToDate -update",
		},
		Vectors: generateVectors(t),
	}
	b, err := json.MarshalIndent(vf, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(vectorsPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d vectors to %s", len(vf.Vectors), vectorsPath)
		return
	}
	old, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(old, b) {
		t.Fatalf("%s is stale: regenerated vectors differ (run: go test ./chain/proof -run TestVectorsUpToDate -update, and review the diff)", vectorsPath)
	}
}

// generateVectors builds an 8-key tree (version 1), changes it (version 2)
// and derives valid and tampered proofs from both versions. Each vector's
// outcome is checked before it is written.
func generateVectors(t *testing.T) []vector {
	tree, root1, v1, err := prooftest.Filled(8) // Key(0), Key(2), ..., Key(14)
	must(t, err)
	must(t, tree.Set(prooftest.Key(2), []byte("changed")))
	must(t, tree.Remove(prooftest.Key(4)))
	must(t, tree.Set(prooftest.Key(5), []byte("new")))
	root2, v2, err := tree.Commit()
	must(t, err)

	prove := func(version int64, key []byte) proof.Proof {
		p, err := tree.Prove(version, key)
		must(t, err)
		return p
	}
	with := func(p proof.Proof, edit func(*proof.Proof)) proof.Proof {
		p.Key, p.Value, p.Ops = bytes.Clone(p.Key), bytes.Clone(p.Value), bytes.Clone(p.Ops)
		edit(&p)
		return p
	}
	exist := func(version int64, i int) *ics23.ExistenceProof {
		return proto(t, prove(version, prooftest.Key(i)).Ops).GetExist()
	}
	nonexist := func(key []byte, left, right *ics23.ExistenceProof) proof.Proof {
		ops := marshal(t, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Nonexist{
			Nonexist: &ics23.NonExistenceProof{Key: key, Left: left, Right: right}}})
		return proof.Proof{Key: key, Height: v1, Ops: ops}
	}
	tamper := func(p proof.Proof, edit func(ep *ics23.ExistenceProof)) proof.Proof {
		cp := proto(t, p.Ops)
		edit(cp.GetExist())
		return with(p, func(p *proof.Proof) { p.Ops = marshal(t, cp) })
	}

	member := prove(v1, prooftest.Key(6))
	absent := prove(v1, prooftest.Key(7))
	// An op of member's path whose child is on the right (the sibling in
	// the prefix): the one with the longest prefix IAVL allows.
	rightOp := slices.IndexFunc(proto(t, member.Ops).GetExist().Path, func(op *ics23.InnerOp) bool { return len(op.Suffix) == 0 })
	if rightOp < 0 {
		t.Fatal("member's path has no op with the child on the right")
	}
	batch := func(p proof.Proof, compressed bool) proof.Proof {
		cp, err := ics23.CombineProofs([]*ics23.CommitmentProof{proto(t, p.Ops)})
		must(t, err)
		if !compressed {
			cp = ics23.Decompress(cp)
		}
		return with(p, func(p *proof.Proof) { p.Ops = marshal(t, cp) })
	}
	withoutValue := func(ep *ics23.ExistenceProof) *ics23.ExistenceProof { ep.Value = nil; return ep }
	withoutKey := func(ep *ics23.ExistenceProof) *ics23.ExistenceProof { ep.Key = nil; return ep }
	vs := []vector{
		{"member/first", root1, prove(v1, prooftest.Key(0)), okOutcome},
		{"member/middle", root1, member, okOutcome},
		{"member/last", root1, prove(v1, prooftest.Key(14)), okOutcome},
		{"absent/before-first", root1, prove(v1, []byte("a")), okOutcome},
		{"absent/gap", root1, absent, okOutcome},
		{"absent/after-last", root1, prove(v1, []byte("z")), okOutcome},
		{"v2/member/changed", root2, prove(v2, prooftest.Key(2)), okOutcome},
		{"v2/member/added", root2, prove(v2, prooftest.Key(5)), okOutcome},
		{"v2/absent/removed", root2, prove(v2, prooftest.Key(4)), okOutcome},

		{"input/null-root", nil, member, proof.StepInput},
		{"input/empty-root", []byte{}, absent, proof.StepInput},
		{"input/short-root", root1[:31], member, proof.StepInput},
		{"input/empty-key", root1, with(absent, func(p *proof.Proof) { p.Key = nil }), proof.StepInput},
		{"input/empty-value", root1, with(member, func(p *proof.Proof) { p.Value = []byte{} }), proof.StepInput},

		{"decode/no-ops", root1, with(member, func(p *proof.Proof) { p.Ops = nil }), proof.StepDecode},
		{"decode/truncated", root1, with(member, func(p *proof.Proof) { p.Ops = p.Ops[:len(p.Ops)/2] }), proof.StepDecode},
		{"decode/trailing-zero", root1, with(member, func(p *proof.Proof) { p.Ops = append(p.Ops, 0) }), proof.StepDecode},
		{"decode/unknown-field", root1, with(member, func(p *proof.Proof) { p.Ops = append(p.Ops, 0x78, 0x01) }), proof.StepDecode},
		{"decode/long-varint", root1, with(member, func(p *proof.Proof) {
			// The outer length as a varint one byte longer than needed.
			_, w := uvarint(p.Ops[1:])
			p.Ops = slices.Concat(p.Ops[:1+w], []byte{0}, p.Ops[1+w:])
			p.Ops[w] |= 0x80
		}), proof.StepDecode},
		{"decode/garbage", root1, with(member, func(p *proof.Proof) { p.Ops = []byte{0xff} }), proof.StepDecode},

		{"kind/absence-as-presence", root1, with(absent, func(p *proof.Proof) { p.Value = []byte("x") }), proof.StepKind},
		{"kind/presence-as-absence", root1, with(member, func(p *proof.Proof) { p.Value = nil }), proof.StepKind},
		{"kind/batch", root1, batch(member, false), proof.StepKind},
		{"kind/compressed-batch", root1, batch(absent, true), proof.StepKind},

		{"key/member-other-key", root1, with(member, func(p *proof.Proof) { p.Key, p.Value = prooftest.Key(8), prooftest.Value(8) }), proof.StepKey},
		{"key/absent-same-gap", root1, with(absent, func(p *proof.Proof) { p.Key = append(p.Key, 'x') }), proof.StepKey},
		{"key/absent-for-present", root1, with(absent, func(p *proof.Proof) { p.Key = prooftest.Key(6) }), proof.StepKey},
		{"key/absent-proof-names-no-key", root1, with(nonexist(nil, exist(v1, 6), exist(v1, 8)), func(p *proof.Proof) { p.Key = prooftest.Key(7) }), proof.StepKey},

		{"value/other", root1, with(member, func(p *proof.Proof) { p.Value = prooftest.Value(8) }), proof.StepValue},
		{"value/appended", root1, with(member, func(p *proof.Proof) { p.Value = append(p.Value, 'x') }), proof.StepValue},

		{"spec/leaf-sha512", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.Hash = ics23.HashOp_SHA512 }), proof.StepSpec},
		{"spec/inner-prefix-short", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[0].Prefix = ep.Path[0].Prefix[:3] }), proof.StepSpec},
		{"spec/no-leaf", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf = nil }), proof.StepSpec},
		{"spec/leaf-prehash-key", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.PrehashKey = ics23.HashOp_SHA256 }), proof.StepSpec},
		{"spec/leaf-no-value-prehash", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.PrehashValue = ics23.HashOp_NO_HASH }), proof.StepSpec},
		{"spec/leaf-fixed-length", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.Length = ics23.LengthOp_FIXED32_LITTLE }), proof.StepSpec},
		{"spec/leaf-prefix-extra-byte", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix = append(ep.Leaf.Prefix, 0) }), proof.StepSpec},
		{"spec/leaf-negative-version", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix[2]++ }), proof.StepSpec},
		{"spec/inner-sha512", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[0].Hash = ics23.HashOp_SHA512 }), proof.StepSpec},
		{"spec/inner-prefix-is-leaf", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[0].Prefix = slices.Concat([]byte{0}, ep.Path[0].Prefix) }), proof.StepSpec},
		{"spec/inner-height-below-layer", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[1].Prefix[0] = 2 }), proof.StepSpec},
		{"spec/inner-suffix-ragged", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[0].Suffix = append(ep.Path[0].Suffix, 0) }), proof.StepSpec},
		{"spec/inner-prefix-46-bytes", root1, tamper(member, func(ep *ics23.ExistenceProof) {
			// Redundant varint bytes: 12 for height, size and version, 34 after.
			ep.Path[rightOp].Prefix = padVarints(ep.Path[rightOp].Prefix, 12)
		}), proof.StepSpec},

		{"leaf/left-neighbour-no-value", root1, nonexist(prooftest.Key(7), withoutValue(exist(v1, 6)), exist(v1, 8)), proof.StepLeaf},
		{"leaf/right-neighbour-no-key", root1, nonexist(prooftest.Key(7), exist(v1, 6), withoutKey(exist(v1, 8))), proof.StepLeaf},

		{"root/v1-member-v2-root", root2, prove(v1, prooftest.Key(0)), proof.StepRoot},
		{"root/v2-member-v1-root", root1, prove(v2, prooftest.Key(0)), proof.StepRoot},
		{"root/v1-absent-v2-root", root2, prove(v1, prooftest.Key(5)), proof.StepRoot},
		{"root/sibling-flipped", root1, tamper(member, func(ep *ics23.ExistenceProof) { flipSibling(ep.Path[0]) }), proof.StepRoot},
		{"root/leaf-version", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix[2] += 2 }), proof.StepRoot},
		{"root/flipped", slices.Concat(root1[:31], []byte{root1[31] ^ 1}), member, proof.StepRoot},
		{"root/path-dropped", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path = ep.Path[1:] }), proof.StepRoot},
		{"spec/path-extended", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path = append(ep.Path, ep.Path[len(ep.Path)-1]) }), proof.StepSpec},
		{"root/leaf-version-redundant-varint", root1, tamper(member, func(ep *ics23.ExistenceProof) {
			p := ep.Leaf.Prefix // height 0, size 1, version 1: 00 02 02
			ep.Leaf.Prefix = slices.Concat(p[:len(p)-1], []byte{p[len(p)-1] | 0x80, 0})
		}), proof.StepRoot},
		{"root/inner-prefix-45-bytes", root1, tamper(member, func(ep *ics23.ExistenceProof) { ep.Path[rightOp].Prefix = padVarints(ep.Path[rightOp].Prefix, 11) }), proof.StepRoot},

		{"range/no-neighbours", root1, nonexist(prooftest.Key(7), nil, nil), proof.StepRange},
		{"range/key-outside", root1, nonexist(prooftest.Key(9), exist(v1, 6), exist(v1, 8)), proof.StepRange},
		{"range/key-equals-right", root1, nonexist(prooftest.Key(8), exist(v1, 6), exist(v1, 8)), proof.StepRange},
		{"range/swapped", root1, nonexist(prooftest.Key(7), exist(v1, 8), exist(v1, 6)), proof.StepRange},
		{"neighbour/not-adjacent", root1, nonexist(prooftest.Key(7), exist(v1, 4), exist(v1, 8)), proof.StepNeighbour},
		{"neighbour/right-not-first", root1, nonexist(prooftest.Key(7), nil, exist(v1, 8)), proof.StepNeighbour},
		{"neighbour/left-not-last", root1, nonexist(prooftest.Key(7), exist(v1, 6), nil), proof.StepNeighbour},
		{"neighbour/skips-many", root1, nonexist(prooftest.Key(7), exist(v1, 0), exist(v1, 14)), proof.StepNeighbour},
	}
	// Single bit flips spread over the membership and non-membership
	// proofs; the expected step is whatever rejects them today.
	for _, base := range []struct {
		name string
		p    proof.Proof
	}{{"member", member}, {"absent", absent}} {
		for i := 0; i < 12; i++ {
			pos := (i*len(base.p.Ops)/12 + i) % len(base.p.Ops)
			bit := i % 8
			vs = append(vs, vector{
				Name:  fmt.Sprintf("bitflip/%s/byte-%d-bit-%d", base.name, pos, bit),
				Root:  root1,
				Proof: with(base.p, func(p *proof.Proof) { p.Ops[pos] ^= 1 << bit }),
			})
		}
	}
	for i := range vs {
		got := outcome(vs[i].Proof.Verify(vs[i].Root))
		switch {
		case vs[i].Want == "" && got == okOutcome:
			t.Errorf("%s: tampered proof verifies", vs[i].Name)
		case vs[i].Want == "":
			vs[i].Want = got
		case got != vs[i].Want:
			t.Errorf("%s: got %q (%v), want %q", vs[i].Name, got, vs[i].Proof.Verify(vs[i].Root), vs[i].Want)
		}
	}
	return vs
}
