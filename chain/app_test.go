package chain_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"strconv"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	tjsm2 "github.com/tjfoc/gmsm/sm2"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
)

// register is the registration of k by department 0 (ZWFW), the signer of
// these tests' registrations.
func register(t testing.TB, k *smcrypto.PrivateKey) identity.RegisterAccount {
	m, err := identity.NewRegisterAccount(chaintest.ChainID, "ZWFW", k, "officer", []string{identity.RoleOperator})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newKey(t testing.TB) *smcrypto.PrivateKey {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRegisterAccountHappyPath(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	officer := newKey(t)
	r := c.MustOK(c.Tx(c.Depts[0].Admin, identity.MsgRegisterAccount, register(t, officer)))
	if string(r.Data) != officer.PublicKey().ID().String() {
		t.Fatalf("result data %q, want key id", r.Data)
	}
	a, err := identity.GetAccount(c.View(), officer.PublicKey().ID())
	if err != nil {
		t.Fatal(err)
	}
	if a.Dept != c.Depts[0].Code || a.Status != identity.StatusActive || len(a.Roles) != 1 || a.Roles[0] != identity.RoleOperator {
		t.Fatalf("account %+v", a)
	}
	// the officer now signs its own txs, but cannot register others (admin only)
	res := c.Block(c.Tx(officer, identity.MsgRegisterAccount, register(t, newKey(t)))).TxResults[0]
	if res.Code != tx.ErrUnauthorized.Code || res.Codespace != "tx" {
		t.Fatalf("operator registering: got %s/%d %s", res.Codespace, res.Code, res.Log)
	}
}

// TestRejections: each bad tx is rejected with its exact code, in CheckTx
// and in FinalizeBlock, and the block containing it leaves state exactly as
// an empty block would.
func TestRejections(t *testing.T) {
	admin := func(c *chaintest.Chain) *smcrypto.PrivateKey { return c.Depts[0].Admin }
	msg := func() any { return register(t, newKey(t)) }
	p := chain.DefaultParams()
	cases := []struct {
		name string
		make func(c *chaintest.Chain) []byte
		want *errs.Error
	}{
		{"bad signature", func(c *chaintest.Chain) []byte {
			raw := chaintest.Sign(admin(c), chaintest.ChainID, identity.MsgRegisterAccount, 1, msg())
			t2, _ := tx.Decode(raw, 0)
			r, s, err := smcrypto.ParseSignature(t2.Signature)
			if err != nil {
				t.Fatal(err)
			}
			s.Add(s, big.NewInt(1))
			t2.Signature, _ = smcrypto.MarshalSignature(r, s)
			return t2.Encode()
		}, tx.ErrSignature},
		{"signature by another key", func(c *chaintest.Chain) []byte {
			t2 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: admin(c).PublicKey().ID(), Sequence: 1, Body: mustJSON(msg())}
			if err := t2.Sign(c.Depts[1].Admin); err != nil {
				t.Fatal(err)
			}
			return t2.Encode()
		}, tx.ErrSignature},
		{"wrong chain-id", func(c *chaintest.Chain) []byte {
			return chaintest.Sign(admin(c), "other-chain", identity.MsgRegisterAccount, 1, msg())
		}, tx.ErrChainID},
		{"sequence from the future", func(c *chaintest.Chain) []byte {
			return chaintest.Sign(admin(c), chaintest.ChainID, identity.MsgRegisterAccount, 5, msg())
		}, tx.ErrSequence},
		{"unknown signer", func(c *chaintest.Chain) []byte {
			return chaintest.Sign(newKey(t), chaintest.ChainID, identity.MsgRegisterAccount, 1, msg())
		}, tx.ErrUnknownSigner},
		{"oversized tx", func(c *chaintest.Chain) []byte {
			m := register(t, newKey(t))
			m.Name = string(bytes.Repeat([]byte("x"), p.MaxTxBytes))
			return chaintest.Sign(admin(c), chaintest.ChainID, identity.MsgRegisterAccount, 1, m)
		}, tx.ErrTooLarge},
		{"undecodable bytes", func(c *chaintest.Chain) []byte { return []byte{0x01, 0xff, 0xff, 0xff} }, tx.ErrDecode},
		{"unknown version", func(c *chaintest.Chain) []byte { return []byte{0x02, 0x00} }, tx.ErrVersion},
		{"different SM2 user id", func(c *chaintest.Chain) []byte {
			t2 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: admin(c).PublicKey().ID(), Sequence: 1, Body: mustJSON(msg())}
			sig, err := admin(c).SignWithUID(t2.SignBytes(), []byte("ALICE123@YAHOO.COM"))
			if err != nil {
				t.Fatal(err)
			}
			t2.Signature = sig
			return t2.Encode()
		}, tx.ErrSignature},
		{"non-canonical DER signature", func(c *chaintest.Chain) []byte {
			raw := chaintest.Sign(admin(c), chaintest.ChainID, identity.MsgRegisterAccount, 1, msg())
			t2, _ := tx.Decode(raw, 0)
			// re-wrap the same (r, s) with a long-form length: same numbers, other bytes
			var sig struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(t2.Signature, &sig); err != nil {
				t.Fatal(err)
			}
			inner := t2.Signature[2:]
			t2.Signature = append([]byte{0x30, 0x81, byte(len(inner))}, inner...)
			return t2.Encode()
		}, tx.ErrNonCanonical},
		{"unknown message type", func(c *chaintest.Chain) []byte {
			return chaintest.Sign(admin(c), chaintest.ChainID, "nope.nothing", 1, msg())
		}, tx.ErrUnknownMsgType},
		{"non-canonical body", func(c *chaintest.Chain) []byte {
			t2 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: admin(c).PublicKey().ID(), Sequence: 1, Body: append([]byte(" "), mustJSON(msg())...)}
			if err := t2.Sign(admin(c)); err != nil {
				t.Fatal(err)
			}
			return t2.Encode()
		}, tx.ErrBadBody},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := chaintest.New(t, chaintest.Options{})
			raw := tc.make(c)
			cr := c.Check(raw)
			if cr.Code != tc.want.Code || cr.Codespace != tc.want.Codespace {
				t.Fatalf("CheckTx: got %s/%d %q, want %s/%d", cr.Codespace, cr.Code, cr.Log, tc.want.Codespace, tc.want.Code)
			}
			before := c.Dump()
			res := c.Block(raw)
			dr := res.TxResults[0]
			if dr.Code != tc.want.Code || dr.Codespace != tc.want.Codespace {
				t.Fatalf("FinalizeBlock: got %s/%d %q, want %s/%d", dr.Codespace, dr.Code, dr.Log, tc.want.Codespace, tc.want.Code)
			}
			after := c.Dump()
			for k, v := range after {
				if bookkeeping[k] {
					continue
				}
				if before[k] != v {
					t.Errorf("state key %q changed by a rejected tx", k)
				}
			}
			if len(after) != len(before) {
				t.Errorf("rejected tx added keys: %d before, %d after", len(before), len(after))
			}
		})
	}
}

func TestReplayedSequenceRejected(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	raw := c.Tx(c.Depts[0].Admin, identity.MsgRegisterAccount, register(t, newKey(t)))
	c.MustOK(raw)
	before := c.Dump()
	// the exact same bytes again, and a fresh tx reusing sequence 1
	for _, again := range [][]byte{raw, chaintest.Sign(c.Depts[0].Admin, chaintest.ChainID, identity.MsgRegisterAccount, 1, register(t, newKey(t)))} {
		if r := c.Check(again); r.Code != tx.ErrSequence.Code {
			t.Fatalf("CheckTx replay: %d %s", r.Code, r.Log)
		}
		r := c.Block(again).TxResults[0]
		if r.Code != tx.ErrSequence.Code || r.Codespace != "tx" {
			t.Fatalf("FinalizeBlock replay: %s/%d %s", r.Codespace, r.Code, r.Log)
		}
	}
	after := c.Dump()
	for k := range bookkeeping {
		delete(before, k)
		delete(after, k)
	}
	if len(before) != len(after) {
		t.Fatalf("replays changed state: %d keys -> %d", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("replay changed %s", k)
		}
	}
}

func TestTxBeforeFirstCommitSeesGenesis(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{NoFirstBlock: true})
	raw := c.Tx(c.Depts[0].Admin, identity.MsgRegisterAccount, register(t, newKey(t)))
	if r := c.Check(raw); r.Code != 0 {
		t.Fatalf("CheckTx before block 1: %s", r.Log)
	}
	if r := c.Block(raw).TxResults[0]; r.Code != 0 {
		t.Fatalf("block 1: %s", r.Log)
	}
}

func TestCheckStateChainsDependentTxs(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin := c.Depts[0].Admin
	officer := newKey(t)
	t1 := c.Tx(admin, identity.MsgRegisterAccount, register(t, officer))
	t2 := c.Tx(admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: officer.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "test"})
	// t2 depends on t1 (same signer's next sequence, and the account t1 creates)
	for i, raw := range [][]byte{t1, t2} {
		if r := c.Check(raw); r.Code != 0 {
			t.Fatalf("CheckTx %d: %s", i, r.Log)
		}
	}
	if got := c.App.PendingSequence(admin.PublicKey().ID()); got != 2 {
		t.Fatalf("pending sequence %d, want 2", got)
	}
	res := c.Block(t1, t2)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			t.Fatalf("tx %d: %s", i, r.Log)
		}
	}
	a, _ := identity.GetAccount(c.View(), officer.PublicKey().ID())
	if a.Status != identity.StatusSuspended {
		t.Fatalf("status %s", a.Status)
	}
	// a suspended signer is rejected
	r := c.Block(c.Tx(officer, identity.MsgRegisterAccount, register(t, newKey(t)))).TxResults[0]
	if r.Code != tx.ErrSignerInactive.Code {
		t.Fatalf("suspended signer: %d %s", r.Code, r.Log)
	}
}

func TestAdminCannotTouchOtherDepartmentOrGrantRoles(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	officer := newKey(t)
	c.MustOK(c.Tx(c.Depts[0].Admin, identity.MsgRegisterAccount, register(t, officer)))
	r := c.Block(c.Tx(c.Depts[1].Admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: officer.PublicKey().ID(), Status: identity.StatusRevoked, Reason: "x"})).TxResults[0]
	if r.Code != identity.ErrOtherDept.Code {
		t.Fatalf("cross-department status change: %d %s", r.Code, r.Log)
	}
	m := register(t, newKey(t))
	m.Roles = []string{identity.RoleAdmin}
	r = c.Block(c.Tx(c.Depts[0].Admin, identity.MsgRegisterAccount, m)).TxResults[0]
	if r.Code != identity.ErrForbiddenRole.Code {
		t.Fatalf("granting admin by tx: %d %s", r.Code, r.Log)
	}
}

// TestTjfocInterop: a department whose key was made by tjfoc/gmsm (as
// partner clients do) signs txs with tjfoc and the chain accepts them.
func TestTjfocInterop(t *testing.T) {
	tk, err := tjsm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubBytes := append([]byte{0x04}, append(pad32(tk.PublicKey.X), pad32(tk.PublicKey.Y)...)...)
	pub, err := smcrypto.ParsePublicKey(pubBytes)
	if err != nil {
		t.Fatalf("tjfoc public key rejected: %v", err)
	}
	// the genesis admin key of department 0 is the tjfoc key's public half;
	// the harness needs a private key object only for its bookkeeping
	priv, err := smcrypto.NewPrivateKey(pad32(tk.D))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey().Equal(pub) {
		t.Fatal("key conversion mismatch")
	}
	c := chaintest.New(t, chaintest.Options{AdminKeys: []*smcrypto.PrivateKey{priv}})
	t1 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: pub.ID(), Sequence: 1, Body: mustJSON(register(t, newKey(t)))}
	sig, err := tk.Sign(rand.Reader, t1.SignBytes(), nil) // tjfoc: default UID 1234567812345678, DER
	if err != nil {
		t.Fatal(err)
	}
	t1.Signature = sig
	raw := t1.Encode()
	if r := c.Check(raw); r.Code != 0 {
		t.Fatalf("tjfoc-signed tx rejected in CheckTx: %s", r.Log)
	}
	if r := c.Block(raw).TxResults[0]; r.Code != 0 {
		t.Fatalf("tjfoc-signed tx rejected in FinalizeBlock: %s", r.Log)
	}
}

func TestQueryProofs(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	c.Block()
	r, err := c.App.Query(context.Background(), &abci.QueryRequest{Path: "store", Data: identity.DeptKey("ZWFW"), Prove: true})
	if err != nil || r.Code != 0 {
		t.Fatalf("query: %v %s", err, r.Log)
	}
	if r.Value == nil || r.ProofOps == nil || len(r.ProofOps.Ops) != 1 || r.Height != c.Height {
		t.Fatalf("bad query answer %+v", r)
	}
	_, root := c.Store.LastCommit()
	if err := proof.VerifyMembership(root, r.Key, r.Value, r.ProofOps.Ops[0].Data); err != nil {
		t.Fatalf("proof does not verify against the committed root: %v", err)
	}
	if err := proof.VerifyMembership(root, r.Key, append(r.Value, ' '), r.ProofOps.Ops[0].Data); err == nil {
		t.Fatal("proof verified a different value")
	}
}

func BenchmarkCheckTx(b *testing.B) {
	c := chaintest.New(b, chaintest.Options{})
	admin := c.Depts[0].Admin
	txs := make([][]byte, b.N)
	for i := range txs {
		txs[i] = c.Tx(admin, identity.MsgRegisterAccount, register(b, newKey(b)))
	}
	b.ResetTimer()
	for i := range txs {
		if r := c.Check(txs[i]); r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
}

// bookkeeping keys change with every block whatever its txs do.
var bookkeeping = map[string]bool{"block_time": true, "block_hash": true}

func init() {
	// keep this list and the harness's in step
	for k := range bookkeeping {
		if !chaintest.Bookkeeping(k) {
			panic("chaintest.Bookkeeping misses " + k)
		}
	}
}

func mustJSON(v any) []byte {
	raw := chaintest.Sign(newKeyNoT(), "x", "x.x", 1, v)
	t, _ := tx.Decode(raw, 0)
	return t.Body
}

func newKeyNoT() *smcrypto.PrivateKey {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		panic(err)
	}
	return k
}

func adminKeys(c *chaintest.Chain) []*smcrypto.PrivateKey {
	var out []*smcrypto.PrivateKey
	for _, d := range c.Depts {
		out = append(out, d.Admin)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pad32(x *big.Int) []byte {
	b := x.Bytes()
	return append(make([]byte, 32-len(b)), b...)
}

// TestNonUTF8BodySaysSo: a name that is not UTF-8 is refused as such
// (tx/11 "not valid UTF-8"), not as a body out of canonical form.
func TestNonUTF8BodySaysSo(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	m := register(t, newKey(t))
	m.Name = "林医生@@"
	body := bytes.Replace(mustJSON(m), []byte("@@"), []byte{0xc3, 0x28}, 1)
	t2 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: c.Depts[0].Admin.PublicKey().ID(), Sequence: 1, Body: body}
	if err := t2.Sign(c.Depts[0].Admin); err != nil {
		t.Fatal(err)
	}
	r := c.Check(t2.Encode())
	if r.Code != tx.ErrBadBody.Code || r.Codespace != "tx" || !strings.Contains(r.Log, "not valid UTF-8") || strings.Contains(r.Log, "canonical") {
		t.Fatalf("CheckTx: %s/%d %q, want tx/%d saying the body is not valid UTF-8", r.Codespace, r.Code, r.Log, tx.ErrBadBody.Code)
	}
}

// TestRawLessThanSaysEscapingRule: a body whose name has '<' written as is
// (what most JSON libraries outside Go write) is refused with tx/11 naming
// the rule: inside strings < > & are written \u003c \u003e \u0026.
func TestRawLessThanSaysEscapingRule(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	m := register(t, newKey(t))
	m.Name = "王<芳>"
	body := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(mustJSON(m)))
	t2 := &tx.Tx{ChainID: chaintest.ChainID, Type: identity.MsgRegisterAccount, Signer: c.Depts[0].Admin.PublicKey().ID(), Sequence: 1, Body: []byte(body)}
	if err := t2.Sign(c.Depts[0].Admin); err != nil {
		t.Fatal(err)
	}
	r := c.Check(t2.Encode())
	at := strings.Index(body, "<")
	for _, want := range []string{"'<' written as is", `< > & as \u003c \u003e \u0026`, "write \\u003c", "byte " + strconv.Itoa(at), "docs/protocol.md#canonical-json"} {
		if r.Code != tx.ErrBadBody.Code || r.Codespace != "tx" || !strings.Contains(r.Log, want) {
			t.Fatalf("CheckTx: %s/%d %q, want tx/%d saying %q", r.Codespace, r.Code, r.Log, tx.ErrBadBody.Code, want)
		}
	}
	t.Logf("%s/%d %s", r.Codespace, r.Code, r.Log)
}
