package proof_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
)

// The verifier no longer imports ics23; these tests hold it to ics23 on
// proofs from random IAVL trees and on many mutations of them. For every
// input they check that
//
//   - it accepts exactly when ics23.VerifyMembership / VerifyNonMembership
//     (with ics23.IavlSpec, on the gogoproto-decoded proof) accepts and the
//     input passes the package's documented extra restrictions: usable
//     arguments, canonical bytes, a plain existence / non-existence proof,
//     and a non-existence proof naming the key;
//   - it rejects at the same step as the verifier did when it called ics23
//     (legacy_test.go), with the same message for the steps whose messages
//     do not quote ics23 or gogoproto; ComputeRoot agrees as well.
//
// The one allowed step difference: the body of a batch or compressed proof
// is no longer decoded, so a malformed one is refused by kind, not decode.

// claim is one verification: membership of (key, value) if value is
// non-nil, non-membership of key otherwise.
type claim struct {
	root, key, value, ops []byte
}

func (c claim) absent() bool { return c.value == nil }

func (c claim) String() string {
	return fmt.Sprintf("root %x key %x value %x ops %x", c.root, c.key, c.value, c.ops)
}

// tally counts outcomes of differential checks, to show they are not vacuous.
type tally struct {
	cases, accepted, ics23Only int
	steps                      map[string]int
}

func (t *tally) String() string {
	keys := make([]string, 0, len(t.steps))
	for k := range t.steps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, t.steps[k])
	}
	return fmt.Sprintf("%d cases, %d accepted, %d accepted by ics23 only; rejected by step:%s", t.cases, t.accepted, t.ics23Only, b.String())
}

// ics23Accepts runs ics23 itself on c. A panic inside ics23 counts as a
// rejection.
func ics23Accepts(c claim) (ok bool) {
	cp := new(ics23.CommitmentProof)
	if cp.Unmarshal(c.ops) != nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if c.absent() {
		return ics23.VerifyNonMembership(ics23.IavlSpec, c.root, cp, c.key)
	}
	return ics23.VerifyMembership(ics23.IavlSpec, c.root, cp, c.key, c.value)
}

// restrictionsHold reports whether c passes the package's own restrictions
// on top of ics23, judged with gogoproto.
func restrictionsHold(c claim) bool {
	if len(c.root) != proof.RootSize || len(c.key) == 0 || (!c.absent() && len(c.value) == 0) {
		return false
	}
	cp := new(ics23.CommitmentProof)
	if cp.Unmarshal(c.ops) != nil {
		return false
	}
	if canonical, err := cp.Marshal(); err != nil || !bytes.Equal(canonical, c.ops) {
		return false
	}
	if c.absent() {
		np := cp.GetNonexist()
		return np != nil && bytes.Equal(np.Key, c.key)
	}
	return cp.GetExist() != nil
}

// stepMessageIsOurs: for these steps the error message does not quote ics23
// or gogoproto, so the new and legacy messages must be identical.
var stepMessageIsOurs = map[string]bool{
	proof.StepInput: true, proof.StepKind: true, proof.StepKey: true, proof.StepValue: true,
	proof.StepRoot: true, proof.StepRange: true, proof.StepNeighbour: true,
}

// differential checks one claim and records the outcome in t.
func differential(tb testing.TB, tl *tally, what string, c claim) {
	tb.Helper()
	var errNew, errOld error
	if c.absent() {
		errNew = proof.VerifyNonMembership(c.root, c.key, c.ops)
		errOld = legacyVerifyNonMembership(c.root, c.key, c.ops)
	} else {
		errNew = proof.VerifyMembership(c.root, c.key, c.value, c.ops)
		errOld = legacyVerifyMembership(c.root, c.key, c.value, c.ops)
	}
	byICS23 := ics23Accepts(c)
	want := byICS23 && restrictionsHold(c)
	if (errNew == nil) != want {
		tb.Fatalf("%s: verifier says %v; ics23 accepts: %v, restrictions hold: %v\n%v", what, errNew, byICS23, restrictionsHold(c), c)
	}
	stepNew, stepOld := proof.StepOf(errNew), proof.StepOf(errOld)
	if stepNew != stepOld && !(stepOld == proof.StepDecode && stepNew == proof.StepKind && batchKind(errNew)) {
		tb.Fatalf("%s: step %q (%v), legacy verifier step %q (%v)\n%v", what, stepNew, errNew, stepOld, errOld, c)
	}
	if stepNew == stepOld && stepMessageIsOurs[stepNew] && errNew.Error() != errOld.Error() {
		tb.Fatalf("%s: error %q, legacy verifier %q", what, errNew, errOld)
	}
	if !c.absent() {
		rootNew, errNew := proof.ComputeRoot(c.key, c.value, c.ops)
		rootOld, errOld := legacyComputeRoot(c.key, c.value, c.ops)
		sNew, sOld := proof.StepOf(errNew), proof.StepOf(errOld)
		if !bytes.Equal(rootNew, rootOld) || (sNew != sOld && !(sOld == proof.StepDecode && sNew == proof.StepKind && batchKind(errNew))) {
			tb.Fatalf("%s: ComputeRoot = %x, %v; legacy = %x, %v", what, rootNew, errNew, rootOld, errOld)
		}
	}
	if tl == nil {
		return
	}
	if tl.steps == nil {
		tl.steps = map[string]int{}
	}
	tl.cases++
	switch {
	case errNew == nil:
		tl.accepted++
	default:
		tl.steps[stepNew]++
		if byICS23 {
			tl.ics23Only++
		}
	}
}

func batchKind(err error) bool {
	return strings.HasSuffix(err.Error(), "got batch") || strings.HasSuffix(err.Error(), "got compressed batch")
}

// randomTree is an IAVL tree built by random sets and removes over several
// versions, with a model of each version's contents.
type randomTree struct {
	tree     *prooftest.Tree
	versions []int64
	roots    map[int64][]byte
	contents map[int64]map[string][]byte
}

// randomKey draws keys from a small alphabet so that keys share prefixes and
// one is often a prefix of another; now and then a long key (its length
// prefix needs two varint bytes).
func randomKey(rng *rand.Rand) []byte {
	if rng.IntN(20) == 0 {
		k := make([]byte, 128+rng.IntN(100))
		for i := range k {
			k[i] = byte(rng.IntN(256))
		}
		return k
	}
	k := make([]byte, 1+rng.IntN(4))
	for i := range k {
		k[i] = "abc\x00\xff"[rng.IntN(5)]
	}
	return k
}

func randomValue(rng *rand.Rand) []byte {
	v := make([]byte, 1+rng.IntN(40))
	for i := range v {
		v[i] = byte(rng.IntN(256))
	}
	return v
}

// newRandomTree builds a tree with the given number of commits, each making
// up to writes random sets and removes.
func newRandomTree(tb testing.TB, rng *rand.Rand, commits, writes int) *randomTree {
	tb.Helper()
	rt := &randomTree{tree: prooftest.NewTree(), roots: map[int64][]byte{}, contents: map[int64]map[string][]byte{}}
	cur := map[string][]byte{}
	for range commits {
		for range 1 + rng.IntN(writes) {
			key := randomKey(rng)
			if _, ok := cur[string(key)]; ok && rng.IntN(3) == 0 {
				must(tb, rt.tree.Remove(key))
				delete(cur, string(key))
				continue
			}
			value := randomValue(rng)
			must(tb, rt.tree.Set(key, value))
			cur[string(key)] = value
		}
		if len(cur) == 0 { // IAVL cannot commit an empty first version usefully
			key, value := randomKey(rng), randomValue(rng)
			must(tb, rt.tree.Set(key, value))
			cur[string(key)] = value
		}
		root, version, err := rt.tree.Commit()
		must(tb, err)
		rt.versions = append(rt.versions, version)
		rt.roots[version] = root
		rt.contents[version] = maps(cur)
	}
	return rt
}

func maps(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys(m map[string][]byte) [][]byte {
	keys := make([][]byte, 0, len(m))
	for k := range m {
		keys = append(keys, []byte(k))
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

// probeKeys returns up to n present and n absent keys of a version: the
// first and last, random ones, and absent keys right next to present ones.
func probeKeys(rng *rand.Rand, contents map[string][]byte, n int) (present, absent [][]byte) {
	keys := sortedKeys(contents)
	present = append(present, keys[0], keys[len(keys)-1])
	for len(present) < n && len(present) < len(keys) {
		present = append(present, keys[rng.IntN(len(keys))])
	}
	candidates := [][]byte{{0}, {0xff, 0xff, 0xff, 0xff, 0xff}, append(bytes.Clone(keys[0]), 0), append(bytes.Clone(keys[len(keys)-1]), 0)}
	for range 4 * n {
		k := keys[rng.IntN(len(keys))]
		candidates = append(candidates, append(bytes.Clone(k), 0), k[:len(k)-1], randomKey(rng))
	}
	for _, k := range candidates {
		if _, ok := contents[string(k)]; !ok && len(k) > 0 && len(absent) < n {
			absent = append(absent, k)
		}
	}
	return present, absent
}

// TestDifferentialRandomTrees: valid proofs from random trees verify, and
// the verifier agrees with ics23 on them and on their mutations.
func TestDifferentialRandomTrees(t *testing.T) {
	trees, probes := 12, 6
	if testing.Short() {
		trees, probes = 6, 3
	}
	var valid, mutated tally
	for i := range trees {
		rng := rand.New(rand.NewPCG(uint64(i), 20))
		// Small and large trees; some with many versions, so that leaf
		// versions and node sizes need multi-byte varints.
		commits, writes := 1+rng.IntN(4), 1+rng.IntN(150)
		if i%4 == 3 {
			commits, writes = 70+rng.IntN(30), 3
		}
		rt := newRandomTree(t, rng, commits, writes)
		for _, version := range []int64{rt.versions[0], rt.versions[len(rt.versions)/2], rt.versions[len(rt.versions)-1]} {
			root, contents := rt.roots[version], rt.contents[version]
			present, absent := probeKeys(rng, contents, probes)
			for _, key := range slices.Concat(present, absent) {
				p, err := rt.tree.Prove(version, key)
				must(t, err)
				want := contents[string(key)]
				if !bytes.Equal(p.Value, want) || (p.Value == nil) != (want == nil) {
					t.Fatalf("tree %d v%d: Prove(%x).Value = %x, model has %x", i, version, key, p.Value, want)
				}
				c := claim{root: root, key: key, value: p.Value, ops: p.Ops}
				if err := p.Verify(root); err != nil {
					t.Fatalf("tree %d v%d: valid proof for %x rejected: %v", i, version, key, err)
				}
				differential(t, &valid, "valid proof", c)
				other := rt.roots[rt.versions[rng.IntN(len(rt.versions))]]
				for _, m := range mutations(t, rng, c, rt, version, other) {
					differential(t, &mutated, fmt.Sprintf("tree %d v%d key %x: %s", i, version, key, m.name), m.claim)
				}
			}
		}
	}
	t.Logf("valid proofs: %v", &valid)
	t.Logf("mutated proofs: %v", &mutated)
	if valid.accepted != valid.cases || valid.cases == 0 {
		t.Fatalf("valid proofs: %v", &valid)
	}
	for _, step := range []string{proof.StepDecode, proof.StepKind, proof.StepKey, proof.StepValue, proof.StepSpec,
		proof.StepLeaf, proof.StepRoot, proof.StepRange, proof.StepNeighbour, proof.StepInput} {
		if mutated.steps[step] == 0 {
			t.Errorf("no mutation was rejected at step %q: the mutations miss a check", step)
		}
	}
}

type namedClaim struct {
	name  string
	claim claim
}

// mutations returns c altered in every way the tests know: in its
// arguments, in its bytes, and field by field in the decoded proof.
func mutations(tb testing.TB, rng *rand.Rand, c claim, rt *randomTree, version int64, otherRoot []byte) []namedClaim {
	tb.Helper()
	var out []namedClaim
	add := func(name string, m claim) { out = append(out, namedClaim{name, m}) }
	with := func(edit func(*claim)) claim {
		m := claim{root: bytes.Clone(c.root), key: bytes.Clone(c.key), value: bytes.Clone(c.value), ops: bytes.Clone(c.ops)}
		if c.value != nil && m.value == nil {
			m.value = []byte{}
		}
		edit(&m)
		return m
	}
	// Proof of the same tree version for another key, present or absent.
	contents := rt.contents[version]
	keys := sortedKeys(contents)
	otherProof := func(key []byte) *ics23.CommitmentProof {
		p, err := rt.tree.Prove(version, key)
		must(tb, err)
		return proto(tb, p.Ops)
	}

	// The arguments.
	add("root flipped", with(func(m *claim) { m.root[rng.IntN(len(m.root))] ^= 1 << rng.IntN(8) }))
	add("root of another version", with(func(m *claim) { m.root = bytes.Clone(otherRoot) }))
	add("root short", with(func(m *claim) { m.root = m.root[:31] }))
	add("root empty", with(func(m *claim) { m.root = nil }))
	add("key with 0 appended", with(func(m *claim) { m.key = append(m.key, 0) }))
	add("key shortened", with(func(m *claim) { m.key = m.key[:len(m.key)-1] }))
	add("key flipped", with(func(m *claim) { m.key[rng.IntN(len(m.key))] ^= 1 << rng.IntN(8) }))
	add("another present key", with(func(m *claim) { m.key = bytes.Clone(keys[rng.IntN(len(keys))]) }))
	if c.absent() {
		add("claimed present", with(func(m *claim) { m.value = []byte("v") }))
	} else {
		add("claimed absent", with(func(m *claim) { m.value = nil }))
		add("value flipped", with(func(m *claim) { m.value[rng.IntN(len(m.value))] ^= 1 << rng.IntN(8) }))
		add("value appended", with(func(m *claim) { m.value = append(m.value, 0) }))
		add("value empty", with(func(m *claim) { m.value = []byte{} }))
	}

	// The bytes.
	for range 24 {
		pos, bit := rng.IntN(len(c.ops)), rng.IntN(8)
		add(fmt.Sprintf("ops byte %d bit %d flipped", pos, bit), with(func(m *claim) { m.ops[pos] ^= 1 << bit }))
	}
	for range 4 {
		pos, b := rng.IntN(len(c.ops)), byte(rng.IntN(256))
		add(fmt.Sprintf("ops byte %d set to %02x", pos, b), with(func(m *claim) { m.ops[pos] = b }))
		n := rng.IntN(len(c.ops))
		add(fmt.Sprintf("ops truncated to %d", n), with(func(m *claim) { m.ops = m.ops[:n] }))
	}
	add("ops with 0 appended", with(func(m *claim) { m.ops = append(m.ops, 0) }))
	add("ops with unknown field appended", with(func(m *claim) { m.ops = append(m.ops, 0x78, 0x01) }))
	add("ops doubled", with(func(m *claim) { m.ops = append(m.ops, m.ops...) }))
	add("ops with non-minimal length", with(func(m *claim) {
		_, w := uvarint(m.ops[1:])
		m.ops = slices.Concat(m.ops[:1+w], []byte{0}, m.ops[1+w:])
		m.ops[w] |= 0x80
	}))

	// The decoded proof, field by field.
	edit := func(name string, f func(cp *ics23.CommitmentProof)) {
		cp := proto(tb, c.ops)
		f(cp)
		b, err := cp.Marshal()
		if err != nil {
			return // a mutation gogoproto cannot encode (a nil path entry): not a wire form
		}
		add(name, with(func(m *claim) { m.ops = b }))
	}
	existence := func(cp *ics23.CommitmentProof) []*ics23.ExistenceProof {
		if ep := cp.GetExist(); ep != nil {
			return []*ics23.ExistenceProof{ep}
		}
		var eps []*ics23.ExistenceProof
		if np := cp.GetNonexist(); np != nil {
			if np.Left != nil {
				eps = append(eps, np.Left)
			}
			if np.Right != nil {
				eps = append(eps, np.Right)
			}
		}
		return eps
	}
	enums := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, -1, 1<<31 - 1}
	n := len(existence(proto(tb, c.ops)))
	for j := range n {
		ep0 := existence(proto(tb, c.ops))[j]
		on := func(name string, f func(ep *ics23.ExistenceProof)) {
			edit(fmt.Sprintf("existence proof %d: %s", j, name), func(cp *ics23.CommitmentProof) { f(existence(cp)[j]) })
		}
		on("no leaf", func(ep *ics23.ExistenceProof) { ep.Leaf = nil })
		on("empty leaf", func(ep *ics23.ExistenceProof) { ep.Leaf = &ics23.LeafOp{} })
		for _, v := range enums {
			on(fmt.Sprintf("leaf hash %d", v), func(ep *ics23.ExistenceProof) { ep.Leaf.Hash = ics23.HashOp(v) })
			on(fmt.Sprintf("leaf prehash key %d", v), func(ep *ics23.ExistenceProof) { ep.Leaf.PrehashKey = ics23.HashOp(v) })
			on(fmt.Sprintf("leaf prehash value %d", v), func(ep *ics23.ExistenceProof) { ep.Leaf.PrehashValue = ics23.HashOp(v) })
			on(fmt.Sprintf("leaf length %d", v), func(ep *ics23.ExistenceProof) { ep.Leaf.Length = ics23.LengthOp(v) })
		}
		for i := range ep0.Leaf.Prefix {
			bit := rng.IntN(8)
			on(fmt.Sprintf("leaf prefix byte %d bit %d", i, bit), func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix[i] ^= 1 << bit })
			on(fmt.Sprintf("leaf prefix byte %d +1", i), func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix[i]++ })
			on(fmt.Sprintf("leaf prefix cut to %d", i), func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix = ep.Leaf.Prefix[:i] })
		}
		on("leaf prefix extra byte", func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix = append(ep.Leaf.Prefix, 0) })
		on("leaf prefix non-minimal version", func(ep *ics23.ExistenceProof) {
			// Re-encode the last varint (the version) one byte longer.
			p := ep.Leaf.Prefix
			ep.Leaf.Prefix = slices.Concat(p[:len(p)-1], []byte{p[len(p)-1] | 0x80, 0})
		})
		for _, n := range []int{4, 11, 12} {
			on(fmt.Sprintf("leaf prefix varints padded to %d bytes", n), func(ep *ics23.ExistenceProof) { ep.Leaf.Prefix = padVarints(ep.Leaf.Prefix, n) })
		}
		on("key flipped", func(ep *ics23.ExistenceProof) { ep.Key[rng.IntN(len(ep.Key))] ^= 1 << rng.IntN(8) })
		on("key empty", func(ep *ics23.ExistenceProof) { ep.Key = nil })
		on("key with 0 appended", func(ep *ics23.ExistenceProof) { ep.Key = append(ep.Key, 0) })
		on("value flipped", func(ep *ics23.ExistenceProof) { ep.Value[rng.IntN(len(ep.Value))] ^= 1 << rng.IntN(8) })
		on("value empty", func(ep *ics23.ExistenceProof) { ep.Value = nil })
		on("path empty", func(ep *ics23.ExistenceProof) { ep.Path = nil })
		on("path reversed", func(ep *ics23.ExistenceProof) { slices.Reverse(ep.Path) })
		for k := range ep0.Path {
			on(fmt.Sprintf("path cut to %d", k), func(ep *ics23.ExistenceProof) { ep.Path = ep.Path[:k] })
			on(fmt.Sprintf("path[%d] dropped", k), func(ep *ics23.ExistenceProof) { ep.Path = slices.Delete(ep.Path, k, k+1) })
			on(fmt.Sprintf("path[%d] doubled", k), func(ep *ics23.ExistenceProof) { ep.Path = slices.Insert(ep.Path, k, ep.Path[k]) })
			if k+1 < len(ep0.Path) {
				on(fmt.Sprintf("path[%d] and [%d] swapped", k, k+1), func(ep *ics23.ExistenceProof) { ep.Path[k], ep.Path[k+1] = ep.Path[k+1], ep.Path[k] })
			}
			for _, v := range []int32{0, 2, -1} {
				on(fmt.Sprintf("path[%d] hash %d", k, v), func(ep *ics23.ExistenceProof) { ep.Path[k].Hash = ics23.HashOp(v) })
			}
			op := ep0.Path[k]
			for _, i := range []int{0, 1, 2, len(op.Prefix) - 2, len(op.Prefix) - 1, rng.IntN(len(op.Prefix))} {
				bit := rng.IntN(8)
				on(fmt.Sprintf("path[%d] prefix byte %d bit %d", k, i, bit), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix[i] ^= 1 << bit })
			}
			on(fmt.Sprintf("path[%d] prefix height %d", k, k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix[0] = byte(2 * k) })
			on(fmt.Sprintf("path[%d] prefix height +1", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix[0] += 2 })
			on(fmt.Sprintf("path[%d] prefix starts with 0", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix = slices.Concat([]byte{0}, ep.Path[k].Prefix) })
			on(fmt.Sprintf("path[%d] prefix short by 1", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix = ep.Path[k].Prefix[:len(ep.Path[k].Prefix)-1] })
			on(fmt.Sprintf("path[%d] prefix long by 1", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix = append(ep.Path[k].Prefix, 0x20) })
			on(fmt.Sprintf("path[%d] prefix cut to 3", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix = ep.Path[k].Prefix[:3] })
			on(fmt.Sprintf("path[%d] prefix 46 bytes", k), func(ep *ics23.ExistenceProof) {
				ep.Path[k].Prefix = slices.Concat(ep.Path[k].Prefix, make([]byte, max(0, 46-len(ep.Path[k].Prefix))))
			})
			for _, n := range []int{10, 11, 12, 13} {
				on(fmt.Sprintf("path[%d] prefix varints padded to %d bytes", k, n), func(ep *ics23.ExistenceProof) { ep.Path[k].Prefix = padVarints(ep.Path[k].Prefix, n) })
			}
			on(fmt.Sprintf("path[%d] suffix flipped", k), func(ep *ics23.ExistenceProof) {
				if s := ep.Path[k].Suffix; len(s) > 0 {
					s[rng.IntN(len(s))] ^= 1 << rng.IntN(8)
				}
			})
			on(fmt.Sprintf("path[%d] suffix long by 1", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Suffix = append(ep.Path[k].Suffix, 0) })
			on(fmt.Sprintf("path[%d] suffix long by 33", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Suffix = append(ep.Path[k].Suffix, make([]byte, 33)...) })
			on(fmt.Sprintf("path[%d] suffix dropped", k), func(ep *ics23.ExistenceProof) { ep.Path[k].Suffix = nil })
			on(fmt.Sprintf("path[%d] sibling moved to the other side", k), func(ep *ics23.ExistenceProof) { ep.Path[k] = mirror(ep.Path[k]) })
		}
	}

	// Whole sub-proofs.
	if np := proto(tb, c.ops).GetNonexist(); np != nil {
		edit("neighbours swapped", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Left, n.Right = n.Right, n.Left })
		edit("left dropped", func(cp *ics23.CommitmentProof) { cp.GetNonexist().Left = nil })
		edit("right dropped", func(cp *ics23.CommitmentProof) { cp.GetNonexist().Right = nil })
		edit("both dropped", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Left, n.Right = nil, nil })
		edit("left twice", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Right = n.Left })
		edit("right twice", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Left = n.Right })
		edit("proof key empty", func(cp *ics23.CommitmentProof) { cp.GetNonexist().Key = nil })
		for range 3 {
			k := keys[rng.IntN(len(keys))]
			ep := otherProof(k).GetExist()
			edit(fmt.Sprintf("left replaced by %x", k), func(cp *ics23.CommitmentProof) { cp.GetNonexist().Left = ep })
			edit(fmt.Sprintf("right replaced by %x", k), func(cp *ics23.CommitmentProof) { cp.GetNonexist().Right = ep })
		}
		if np.Left != nil {
			edit("proof key is the left key", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Key = n.Left.Key })
			edit("as existence proof of the left key", func(cp *ics23.CommitmentProof) { cp.Proof = &ics23.CommitmentProof_Exist{Exist: cp.GetNonexist().Left} })
		}
		if np.Right != nil {
			edit("proof key is the right key", func(cp *ics23.CommitmentProof) { n := cp.GetNonexist(); n.Key = n.Right.Key })
		}
	} else {
		ep := proto(tb, c.ops).GetExist()
		edit("as left neighbour", func(cp *ics23.CommitmentProof) {
			cp.Proof = &ics23.CommitmentProof_Nonexist{Nonexist: &ics23.NonExistenceProof{Key: c.key, Left: ep}}
		})
		edit("as both neighbours", func(cp *ics23.CommitmentProof) {
			cp.Proof = &ics23.CommitmentProof_Nonexist{Nonexist: &ics23.NonExistenceProof{Key: c.key, Left: ep, Right: ep}}
		})
		k := keys[rng.IntN(len(keys))]
		other := otherProof(k).GetExist()
		edit(fmt.Sprintf("replaced by the proof of %x", k), func(cp *ics23.CommitmentProof) { cp.Proof = &ics23.CommitmentProof_Exist{Exist: other} })
	}
	edit("proof emptied", func(cp *ics23.CommitmentProof) { cp.Proof = nil })
	if compressed, err := ics23.CombineProofs([]*ics23.CommitmentProof{proto(tb, c.ops)}); err == nil {
		edit("compressed batch", func(cp *ics23.CommitmentProof) { *cp = *compressed })
		edit("batch", func(cp *ics23.CommitmentProof) { *cp = *ics23.Decompress(compressed) })
	}
	return out
}

// mirror moves an IAVL inner op's sibling hash from the suffix to the prefix
// or back: the op then claims the child is on the other side.
func mirror(op *ics23.InnerOp) *ics23.InnerOp {
	m := &ics23.InnerOp{Hash: op.Hash}
	if len(op.Suffix) > 0 { // child on the left: prefix ends with its length byte
		m.Prefix = slices.Concat(op.Prefix[:len(op.Prefix)-1], op.Suffix, []byte{0x20})
		return m
	}
	// child on the right: prefix holds the sibling, then the child's length byte
	m.Prefix = slices.Concat(op.Prefix[:len(op.Prefix)-34], []byte{0x20})
	m.Suffix = bytes.Clone(op.Prefix[len(op.Prefix)-34 : len(op.Prefix)-1])
	return m
}

// padVarints re-encodes the three varints (height, size, version) at the
// start of an IAVL prefix with redundant continuation bytes until they take n
// bytes. binary.ReadVarint, and so ics23, accepts such varints; the prefix's
// length bounds are what stops them.
func padVarints(prefix []byte, n int) []byte {
	var vs [][]byte
	rest := prefix
	for range 3 {
		_, w := uvarint(rest)
		if w == 0 {
			return prefix
		}
		vs = append(vs, bytes.Clone(rest[:w]))
		rest = rest[w:]
	}
	for total := len(prefix) - len(rest); total < n; total++ {
		i := slices.IndexFunc(vs, func(v []byte) bool { return len(v) < 10 })
		if i < 0 {
			break
		}
		vs[i][len(vs[i])-1] |= 0x80
		vs[i] = append(vs[i], 0)
	}
	return slices.Concat(vs[0], vs[1], vs[2], rest)
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// TestDifferentialBitFlips flips every bit of every proof of a small tree
// (present and absent keys, both ends and the middle).
func TestDifferentialBitFlips(t *testing.T) {
	f, ps := smallProofs(t)
	var tl tally
	for _, name := range sortedNames(ps) {
		p := ps[name]
		for bit := range len(p.Ops) * 8 {
			ops := bytes.Clone(p.Ops)
			ops[bit/8] ^= 1 << (bit % 8)
			differential(t, &tl, fmt.Sprintf("%s: byte %d bit %d", name, bit/8, bit%8), claim{root: f.root, key: p.Key, value: p.Value, ops: ops})
		}
	}
	t.Logf("%v", &tl)
	if tl.accepted != 0 {
		t.Fatalf("%d bit flips accepted", tl.accepted)
	}
}

// FuzzDifferential compares the verifier with ics23 (and with the legacy
// verifier's steps) on arbitrary claims against a real tree's root.
func FuzzDifferential(f *testing.F) {
	fx := filled(f, 16)
	for _, key := range [][]byte{prooftest.Key(0), prooftest.Key(14), prooftest.Key(30), []byte("a"), prooftest.Key(15), []byte("zzz")} {
		p := fx.prove(f, key)
		f.Add(p.Key, p.Value, p.Value == nil, p.Ops)
	}
	f.Fuzz(func(t *testing.T, key, value []byte, absent bool, ops []byte) {
		if absent {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		differential(t, nil, "fuzz", claim{root: fx.root, key: key, value: value, ops: ops})
	})
}

// synthetic builds proofs whose neighbours hash to one root by
// construction, with random op shapes and paddings that no honest IAVL tree
// has (non-minimal varints, prefixes at the spec's length bounds, odd
// suffixes): against real trees such ops never reach the neighbour checks,
// since they change the root.
type synthetic struct{ rng *rand.Rand }

// prefix returns an IAVL node prefix (height, size, version as signed
// varints) for an op at the given layer, sometimes padded with redundant
// varint bytes up to 13 bytes, sometimes with a height below the layer.
func (s synthetic) prefix(layer int) []byte {
	height := layer + s.rng.IntN(3)
	if s.rng.IntN(20) == 0 {
		height = layer - 1
	}
	p := binary.AppendVarint(nil, int64(height))
	p = binary.AppendVarint(p, int64(1+s.rng.IntN(1<<s.rng.IntN(30))))
	p = binary.AppendVarint(p, int64(1+s.rng.IntN(1<<s.rng.IntN(30))))
	if s.rng.IntN(3) == 0 {
		p = padVarints(p, len(p)+s.rng.IntN(14-len(p)))
	}
	return p
}

func (s synthetic) hash() []byte {
	h := make([]byte, 32)
	for i := range h {
		h[i] = byte(s.rng.IntN(256))
	}
	return h
}

// op returns an inner op at layer whose child is on the left with
// probability pLeft (percent), else on the right; now and then with an extra
// 33-byte child in the suffix.
func (s synthetic) op(layer, pLeft int) *ics23.InnerOp {
	op := &ics23.InnerOp{Hash: ics23.HashOp_SHA256}
	if s.rng.IntN(100) < pLeft {
		op.Prefix = append(s.prefix(layer), 0x20)
		op.Suffix = slices.Concat([]byte{0x20}, s.hash())
	} else {
		op.Prefix = slices.Concat(s.prefix(layer), []byte{0x20}, s.hash(), []byte{0x20})
	}
	if s.rng.IntN(15) == 0 {
		op.Suffix = slices.Concat(op.Suffix, []byte{0x20}, s.hash())
	}
	return op
}

func (s synthetic) leaf(key []byte) *ics23.ExistenceProof {
	p := binary.AppendVarint([]byte{0}, int64(1+s.rng.IntN(3)))
	p = binary.AppendVarint(p, int64(1+s.rng.IntN(1000)))
	if s.rng.IntN(4) == 0 {
		p = padVarints(p, len(p)+s.rng.IntN(6))
	}
	return &ics23.ExistenceProof{Key: key, Value: randomValue(s.rng), Leaf: &ics23.LeafOp{
		Hash: ics23.HashOp_SHA256, PrehashValue: ics23.HashOp_SHA256, Length: ics23.LengthOp_VAR_PROTO, Prefix: p,
	}}
}

// path appends n ops above ep's current path, child on the left with
// probability pLeft.
func (s synthetic) path(ep *ics23.ExistenceProof, n, pLeft int) {
	for range n {
		ep.Path = append(ep.Path, s.op(len(ep.Path)+1, pLeft))
	}
}

func calculate(tb testing.TB, ep *ics23.ExistenceProof) []byte {
	h, err := ep.Calculate()
	must(tb, err)
	return h
}

// claims returns a non-membership claim (two neighbours that meet at a
// split node, or one neighbour) and membership claims for its neighbours.
func (s synthetic) claims(tb testing.TB) []claim {
	base := randomKey(s.rng)
	key := append(bytes.Clone(base), 0)
	left, right := s.leaf(base), s.leaf(append(bytes.Clone(key), 0))
	if s.rng.IntN(10) == 0 { // keys in any order
		left.Key, right.Key = randomKey(s.rng), randomKey(s.rng)
	}
	np := &ics23.NonExistenceProof{Key: key, Left: left, Right: right}
	var root []byte
	switch s.rng.IntN(6) {
	case 0: // no left neighbour: right should be the left-most leaf
		np.Left = nil
		s.path(right, s.rng.IntN(5), 90)
		root = calculate(tb, right)
	case 1: // no right neighbour
		np.Right = nil
		s.path(left, s.rng.IntN(5), 10)
		root = calculate(tb, left)
	default:
		// Below the split, left should turn only right and right only left.
		s.path(left, s.rng.IntN(4), 10)
		s.path(right, s.rng.IntN(4), 90)
		hl, hr := calculate(tb, left), calculate(tb, right)
		pre := s.prefix(max(len(left.Path), len(right.Path)) + 1)
		extra := []byte{}
		if s.rng.IntN(10) == 0 {
			extra = slices.Concat([]byte{0x20}, s.hash())
		}
		// One node, hash(pre 20 hl 20 hr extra), seen from each child.
		left.Path = append(left.Path, &ics23.InnerOp{Hash: ics23.HashOp_SHA256,
			Prefix: append(bytes.Clone(pre), 0x20), Suffix: slices.Concat([]byte{0x20}, hr, extra)})
		right.Path = append(right.Path, &ics23.InnerOp{Hash: ics23.HashOp_SHA256,
			Prefix: slices.Concat(pre, []byte{0x20}, hl, []byte{0x20}), Suffix: extra})
		for range s.rng.IntN(4) { // the common path above the split
			op := s.op(max(len(left.Path), len(right.Path))+1, 50)
			left.Path, right.Path = append(left.Path, op), append(right.Path, op)
		}
		root = calculate(tb, left)
		if !bytes.Equal(root, calculate(tb, right)) {
			tb.Fatal("synthetic neighbours do not meet")
		}
	}
	out := []claim{{root: root, key: key, ops: marshal(tb, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Nonexist{Nonexist: np}})}}
	for _, ep := range []*ics23.ExistenceProof{np.Left, np.Right} {
		if ep != nil {
			out = append(out, claim{root: root, key: ep.Key, value: ep.Value,
				ops: marshal(tb, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Exist{Exist: ep}})})
		}
	}
	return out
}

// TestDifferentialSynthetic runs the differential check on synthetic
// proofs, which reach the neighbour checks with unusual op shapes.
func TestDifferentialSynthetic(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 4000
	}
	s := synthetic{rand.New(rand.NewPCG(7, 23))}
	var member, absent tally
	for i := range n {
		for _, c := range s.claims(t) {
			tl := &member
			if c.absent() {
				tl = &absent
			}
			differential(t, tl, fmt.Sprintf("synthetic %d", i), c)
		}
	}
	t.Logf("membership: %v", &member)
	t.Logf("non-membership: %v", &absent)
	for _, tl := range []*tally{&member, &absent} {
		if tl.accepted < tl.cases/4 || tl.steps[proof.StepSpec] == 0 {
			t.Errorf("synthetic proofs too often rejected or never by spec: %v", tl)
		}
	}
	if absent.steps[proof.StepNeighbour] < absent.cases/20 {
		t.Errorf("too few synthetic non-membership proofs reach the neighbour check: %v", &absent)
	}
}

// TestBatchBodyNotDecoded pins the one step that changed when the verifier
// stopped decoding with gogoproto: the body of a batch or compressed proof is
// not parsed, so a malformed one is refused by kind, where the legacy
// verifier said decode. Both reject it.
func TestBatchBodyNotDecoded(t *testing.T) {
	f := filled(t, 16)
	key, value := prooftest.Key(2), prooftest.Value(2)
	for name, ops := range map[string][]byte{
		"batch":            {0x1a, 0x02, 0xff, 0xff},
		"compressed batch": {0x22, 0x01, 0x80},
	} {
		err := proof.VerifyMembership(f.root, key, value, ops)
		wantStep(t, err, proof.StepKind)
		if want := "expected existence proof, got " + name; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if step := proof.StepOf(legacyVerifyMembership(f.root, key, value, ops)); step != proof.StepDecode {
			t.Errorf("%s: legacy verifier step %q, want %q", name, step, proof.StepDecode)
		}
		differential(t, nil, name, claim{root: f.root, key: key, value: value, ops: ops})
	}
}
