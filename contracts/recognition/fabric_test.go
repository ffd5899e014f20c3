package recognition_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
)

// fabricFixture is testdata/fabric/licence.json, recorded from the
// Fabric v2.1.1 test network by testnet/fabricnet's TestRecordFabricFixtures:
// committed blocks of the licence chaincode (anchor, attest while valid,
// revoke, attest after revocation) and the network's test certificates and
// keys, with which tests re-seal blocks they tamper with.
type fabricFixture struct {
	Hash    string            `json:"hash"`
	Channel string            `json:"channel"`
	Blocks  map[string][]byte `json:"blocks"`
	PEM     map[string]string `json:"pem"`
}

func loadFabricFixture(t *testing.T) *fabricFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/fabric/licence.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fabricFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func (f *fabricFixture) config(mod func(*recognition.FabricConfig)) json.RawMessage {
	c := recognition.FabricConfig{Channel: f.Channel, Chaincode: "licence",
		MSPs:        []recognition.FabricMSP{{ID: "TJSCJGMSP", RootCerts: []string{f.PEM["peer_ca_cert"]}}},
		OrdererMSPs: []recognition.FabricMSP{{ID: "TJOrdererMSP", RootCerts: []string{f.PEM["orderer_ca_cert"]}}},
		Endorsement: recognition.FabricPolicy{Min: 1, MSPs: []string{"TJSCJGMSP"}}}
	if mod != nil {
		mod(&c)
	}
	raw, _ := json.Marshal(c)
	return raw
}

func pemKey(t testing.TB, s string) *ecdsa.PrivateKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(s))
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

func pemCert(t testing.TB, s string) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode([]byte(s))
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sign makes a low-S ECDSA signature over SHA-256(msg), as Fabric does.
func sign(t testing.TB, k *ecdsa.PrivateKey, msg []byte) []byte {
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if half := new(big.Int).Rsh(elliptic.P256().Params().N, 1); s.Cmp(half) > 0 {
		s.Sub(elliptic.P256().Params().N, s)
	}
	b, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	return b
}

// ---- protobuf surgery on recorded blocks ----

type step struct {
	num protowire.Number
	occ int
}

// field returns occurrence occ of bytes field num of msg.
func field(t testing.TB, msg []byte, num protowire.Number, occ int) []byte {
	t.Helper()
	i := 0
	for b := msg; len(b) > 0; {
		n, typ, l := protowire.ConsumeTag(b)
		b = b[l:]
		vl := protowire.ConsumeFieldValue(n, typ, b)
		if n == num && typ == protowire.BytesType {
			if i == occ {
				v, _ := protowire.ConsumeBytes(b)
				return v
			}
			i++
		}
		b = b[vl:]
	}
	t.Fatalf("field %d #%d not found", num, occ)
	return nil
}

// edit rewrites the bytes field at path inside msg with fn, re-encoding
// every enclosing message and keeping all other fields byte for byte.
func edit(t testing.TB, msg []byte, path []step, fn func([]byte) []byte) []byte {
	t.Helper()
	if len(path) == 0 {
		return fn(msg)
	}
	var out []byte
	i, found := 0, false
	for b := msg; len(b) > 0; {
		n, typ, l := protowire.ConsumeTag(b)
		vl := protowire.ConsumeFieldValue(n, typ, b[l:])
		if n == path[0].num && typ == protowire.BytesType {
			if i == path[0].occ {
				v, _ := protowire.ConsumeBytes(b[l:])
				out = protowire.AppendTag(out, n, protowire.BytesType)
				out = protowire.AppendBytes(out, edit(t, v, path[1:], fn))
				b = b[l+vl:]
				i++
				found = true
				continue
			}
			i++
		}
		out = append(out, b[:l+vl]...)
		b = b[l+vl:]
	}
	if !found {
		t.Fatalf("field %d #%d not found", path[0].num, path[0].occ)
	}
	return out
}

// Paths into a block (common.Block → ... ).
var (
	pTx          = []step{{2, 0}, {1, 0}}                             // data.data[0]: the envelope
	pPayload     = append(pTx, step{1, 0})                            // envelope.payload
	pEnvSig      = append(pTx, step{2, 0})                            // envelope.signature
	pAction      = append(pPayload, step{2, 0}, step{1, 0})           // payload.data → transaction.actions[0]
	pEndorsed    = append(pAction, step{2, 0}, step{2, 0})            // action.payload → chaincode action payload.action
	pEndorsement = append(append([]step{}, pEndorsed...), step{2, 0}) // endorsements[0]
	pOrdererSig  = []step{{3, 0}, {1, 0}, {2, 0}, {2, 0}}             // metadata.metadata[0] → signatures[0].signature
	pFlags       = []step{{3, 0}, {1, 2}}                             // metadata.metadata[2]
)

func at(path []step, more ...step) []step { return append(append([]step{}, path...), more...) }

// reseal re-signs the client envelope, recomputes the data hash and
// re-signs the orderer signature: a block a dishonest partner could build
// with all of its keys, so only the checks under test can catch it.
func (f *fabricFixture) reseal(t testing.TB, block []byte) []byte {
	t.Helper()
	payload := field(t, field(t, field(t, block, 2, 0), 1, 0), 1, 0)
	block = edit(t, block, pEnvSig, func([]byte) []byte { return sign(t, pemKey(t, f.PEM["client_key"]), payload) })
	return f.resealOrderer(t, block)
}

// serializedIdentity encodes msp.SerializedIdentity.
func serializedIdentity(msp string, certPEM []byte) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte(msp))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, certPEM)
}

// withEndorser replaces endorsement 0's identity and re-signs it with the
// peer's key over the proposal response payload.
func (f *fabricFixture) withEndorser(t testing.TB, block []byte, identity []byte) []byte {
	prp := field(t, field(t, field(t, field(t, field(t, field(t, field(t, block, 2, 0), 1, 0), 1, 0), 2, 0), 1, 0), 2, 0), 2, 0)
	prp = field(t, prp, 1, 0)
	block = edit(t, block, at(pEndorsement, step{1, 0}), func([]byte) []byte { return identity })
	return edit(t, block, at(pEndorsement, step{2, 0}), func([]byte) []byte {
		return sign(t, pemKey(t, f.PEM["peer_key"]), append(append([]byte{}, prp...), identity...))
	})
}

// certWith issues a certificate for the peer's key from the peer CA (or
// from ca/caKey when given), valid in [nb, na].
func (f *fabricFixture) certWith(t testing.TB, nb, na time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey) []byte {
	if ca == nil {
		ca, caKey = pemCert(t, f.PEM["peer_ca_cert"]), pemKey(t, f.PEM["peer_ca_key"])
	}
	peer := pemCert(t, f.PEM["peer_cert"])
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "peer0.scjg.tianjin.example (test)"},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, peer.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// txTime is the recorded transaction time of block name.
func (f *fabricFixture) txTime(t testing.TB, name string) time.Time {
	chdr := field(t, field(t, field(t, field(t, field(t, f.Blocks[name], 2, 0), 1, 0), 1, 0), 1, 0), 1, 0)
	ts := field(t, chdr, 3, 0)
	var secs, nanos uint64
	for b := ts; len(b) > 0; {
		n, _, l := protowire.ConsumeTag(b)
		v, vl := protowire.ConsumeVarint(b[l:])
		if n == 1 {
			secs = v
		} else {
			nanos = v
		}
		b = b[l+vl:]
	}
	return time.Unix(int64(secs), int64(nanos)).UTC()
}

// fabricDistrict registers the Fabric partner TJF (config cfg) by
// governance, with a BL → BL agreement, and moves the district's block
// time to base.
type fabricDistrict struct {
	*district
	base time.Time
}

func newFabricDistrict(t *testing.T, cfg json.RawMessage, base time.Time) *fabricDistrict {
	d := newDistrict(t)
	d.pass(t, gov.KindRegisterPartner, gov.Partner{ID: "TJF", Name: "天津市 (Fabric)", Kind: recognition.KindFabric, Config: cfg})
	body, _ := json.Marshal(recognition.Agreement{Partner: "TJF", PartnerType: "BL", LocalType: "BL", Conditions: "test"})
	d.pass(t, gov.KindExecute, gov.Execute{Type: recognition.MsgSetAgreement, Body: body})
	fd := &fabricDistrict{district: d, base: base}
	fd.block()
	return fd
}

func (d *fabricDistrict) block(txs ...[]byte) *abci.FinalizeBlockResponse {
	return d.c.BlockAt(d.base.Add(time.Duration(d.c.Height)*time.Second), txs...)
}

func (d *fabricDistrict) ok(t *testing.T, raw []byte) {
	t.Helper()
	if r := d.block(raw).TxResults[0]; r.Code != 0 {
		t.Fatalf("tx failed: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
}

// reject checks the code in CheckTx and FinalizeBlock and that the
// rejected tx changed no state beyond what an empty block changes.
func (d *fabricDistrict) reject(t *testing.T, raw []byte, want *errs.Error, part string) {
	t.Helper()
	if cr := d.c.Check(raw); cr.Code != want.Code || cr.Codespace != want.Codespace {
		t.Fatalf("CheckTx: got %s/%d %q, want %s/%d", cr.Codespace, cr.Code, cr.Log, want.Codespace, want.Code)
	}
	d0 := d.c.Dump()
	d.block()
	before := d.c.Dump()
	r := d.block(raw).TxResults[0]
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("FinalizeBlock: got %s/%d %q, want %s/%d", r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
	if !strings.Contains(r.Log, part) {
		t.Errorf("log %q does not mention %q", r.Log, part)
	}
	after := d.c.Dump()
	if len(after) != len(before) {
		t.Fatalf("rejected tx changed the number of keys: %d -> %d", len(before), len(after))
	}
	for k, v := range before {
		if d0[k] == v && after[k] != v {
			t.Fatalf("rejected tx changed %s", k)
		}
	}
}

func (f *fabricFixture) evidence(name string, block []byte) recognition.Evidence {
	if block == nil {
		block = f.Blocks[name]
	}
	return recognition.Evidence{Partner: "TJF", Hash: f.Hash, Fabric: &recognition.FabricEvidence{Block: block, TxIndex: 0}}
}

func TestFabricRecogniseAndRevoke(t *testing.T) {
	f := loadFabricFixture(t)
	d := newFabricDistrict(t, f.config(nil), f.txTime(t, "attest_revoked").Add(time.Minute))
	d.ok(t, d.tx(recognition.MsgRecognise, f.evidence("attest_valid", nil)))
	r := d.record(t, f.Hash)
	if r == nil || r.Status != recognition.StatusRecognised || r.PartnerKind != recognition.KindFabric || r.Issuer != "TJSCJGMSP" ||
		r.PartnerChain != "licences" || r.LicenceNo != "津BL-FAB-0001" || r.PartnerStatus != certificate.StatusValid {
		t.Fatalf("record: %+v", r)
	}
	// The anchoring block is older than the recognition's evidence.
	d.reject(t, d.tx(recognition.MsgRevoke, f.evidence("anchor", nil)), recognition.ErrStale, "rests on height")
	// The revocation itself proves it (a write of cert/<hash> with status revoked).
	d.ok(t, d.tx(recognition.MsgRevoke, f.evidence("revoke", nil)))
	if r := d.record(t, f.Hash); r.Status != recognition.StatusRevoked || r.PartnerStatus != certificate.StatusRevoked {
		t.Fatalf("after revoke: %+v", r)
	}

	// Recognising straight from the anchoring transaction works too.
	d2 := newFabricDistrict(t, f.config(nil), f.txTime(t, "anchor").Add(time.Minute))
	d2.ok(t, d2.tx(recognition.MsgRecognise, f.evidence("anchor", nil)))
	// ...and the attestation after revocation revokes it.
	d2.ok(t, d2.tx(recognition.MsgRevoke, f.evidence("attest_revoked", nil)))
}

// TestFabricEvidenceRejected: tampered signatures, an unknown MSP, an
// expired certificate, an unmet policy and more, each refused with its
// reason (blocks re-sealed with the network's keys so that only the check
// under test can catch them).
func TestFabricEvidenceRejected(t *testing.T) {
	f := loadFabricFixture(t)
	good := f.Blocks["attest_valid"]
	ts := f.txTime(t, "attest_valid")
	flip := func(path []step) []byte {
		return edit(t, good, path, func(b []byte) []byte { c := append([]byte{}, b...); c[len(c)/2] ^= 1; return c })
	}
	otherCA, otherKey := func() (*x509.Certificate, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca.other.example"}, NotBefore: ts.Add(-time.Hour),
			NotAfter: ts.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		c, _ := x509.ParseCertificate(der)
		return c, k
	}()
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherCA.Raw}))
	highS := func() []byte {
		return f.reseal(t, edit(t, good, at(pEndorsement, step{2, 0}), func(b []byte) []byte {
			var rs struct{ R, S *big.Int }
			asn1.Unmarshal(b, &rs)
			rs.S.Sub(elliptic.P256().Params().N, rs.S)
			out, _ := asn1.Marshal(rs)
			return out
		}))
	}
	cases := []struct {
		name  string
		block func() []byte
		cfg   func(*recognition.FabricConfig)
		hash  string
		now   time.Time
		want  *errs.Error
		part  string
	}{
		{name: "endorsement signature flipped", block: func() []byte { return f.reseal(t, flip(at(pEndorsement, step{2, 0}))) }, want: recognition.ErrBadEndorsement, part: "endorsement 0"},
		{name: "endorsement in high-S form", block: highS, want: recognition.ErrBadEndorsement, part: "high-S"},
		{name: "proposal response payload changed", block: func() []byte { return f.reseal(t, flip(at(pEndorsed, step{1, 0}))) }, want: recognition.ErrBadEndorsement, part: "does not verify"},
		{name: "client signature flipped", block: func() []byte {
			b := f.reseal(t, good)
			b = edit(t, b, pEnvSig, func(s []byte) []byte { c := append([]byte{}, s...); c[10] ^= 1; return c })
			return f.resealOrderer(t, b)
		}, want: recognition.ErrBadEndorsement, part: "transaction"},
		{name: "orderer signature flipped", block: func() []byte { return flip(pOrdererSig) }, want: recognition.ErrBadEndorsement, part: "block"},
		{name: "transaction changed, block not re-sealed", block: func() []byte { return flip(at(pEndorsed, step{1, 0})) }, want: recognition.ErrBadFabricTx, part: "data hash"},
		{name: "flagged invalid by the peer", block: func() []byte {
			return edit(t, good, pFlags, func([]byte) []byte { return []byte{11} })
		}, want: recognition.ErrBadFabricTx, part: "flagged invalid (validation code 11)"},
		{name: "endorser of an unknown MSP", block: func() []byte {
			return f.reseal(t, f.withEndorser(t, good, serializedIdentity("TJFOOMSP", []byte(f.PEM["peer_cert"]))))
		}, want: recognition.ErrUnknownMSP, part: `"TJFOOMSP"`},
		{name: "expired endorser certificate", block: func() []byte {
			return f.reseal(t, f.withEndorser(t, good, serializedIdentity("TJSCJGMSP", f.certWith(t, ts.Add(-48*time.Hour), ts.Add(-24*time.Hour), nil, nil))))
		}, want: recognition.ErrBadCertificate, part: "expired"},
		{name: "endorser certificate from another CA", block: func() []byte {
			return f.reseal(t, f.withEndorser(t, good, serializedIdentity("TJSCJGMSP", f.certWith(t, ts.Add(-time.Hour), ts.Add(time.Hour), otherCA, otherKey))))
		}, want: recognition.ErrBadCertificate, part: "does not chain"},
		{name: "endorsement policy not met", cfg: func(c *recognition.FabricConfig) {
			c.MSPs = append(c.MSPs, recognition.FabricMSP{ID: "TJSWJMSP", RootCerts: []string{otherPEM}})
			c.Endorsement = recognition.FabricPolicy{Min: 2, MSPs: []string{"TJSCJGMSP", "TJSWJMSP"}}
		}, want: recognition.ErrPolicy, part: "endorsed by 1 of the MSPs TJSCJGMSP, TJSWJMSP; the registered policy needs 2"},
		{name: "orderer of an unregistered CA", cfg: func(c *recognition.FabricConfig) {
			c.OrdererMSPs = []recognition.FabricMSP{{ID: "TJOrdererMSP", RootCerts: []string{otherPEM}}}
		}, want: recognition.ErrBadCertificate, part: "orderer"},
		{name: "another channel", cfg: func(c *recognition.FabricConfig) { c.Channel = "permits" }, want: recognition.ErrBadFabricTx, part: `"permits"`},
		{name: "another chaincode", cfg: func(c *recognition.FabricConfig) { c.Chaincode = "permit" }, want: recognition.ErrBadFabricTx, part: `"permit"`},
		{name: "record of another certificate", hash: "00" + f.Hash[2:], want: recognition.ErrBadFabricTx, part: "writes no record"},
		{name: "stale attestation", now: ts.Add(3 * time.Hour), want: recognition.ErrStale, part: "fresh attest"},
		{name: "truncated block", block: func() []byte { return good[:len(good)-7] }, want: recognition.ErrBadFabricTx},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = ts.Add(time.Minute)
			}
			d := newFabricDistrict(t, f.config(tc.cfg), now)
			ev := f.evidence("attest_valid", nil)
			if tc.block != nil {
				ev.Fabric.Block = tc.block()
			}
			if tc.hash != "" {
				ev.Hash = tc.hash
			}
			d.reject(t, d.tx(recognition.MsgRecognise, ev), tc.want, tc.part)
		})
	}
	// The re-sealing itself keeps a block valid: only the tampering fails.
	t.Run("re-sealed untampered block is accepted", func(t *testing.T) {
		d := newFabricDistrict(t, f.config(nil), ts.Add(time.Minute))
		ev := f.evidence("attest_valid", f.reseal(t, good))
		d.ok(t, d.tx(recognition.MsgRecognise, ev))
	})
}

// resealOrderer re-signs only the orderer signature (after a change the
// client's signature must not cover).
func (f *fabricFixture) resealOrderer(t testing.TB, block []byte) []byte {
	t.Helper()
	env := field(t, field(t, block, 2, 0), 1, 0)
	dh := sha256.Sum256(env)
	block = edit(t, block, []step{{1, 0}}, func(h []byte) []byte {
		var out []byte
		for b := h; len(b) > 0; {
			n, typ, l := protowire.ConsumeTag(b)
			vl := protowire.ConsumeFieldValue(n, typ, b[l:])
			if n == 3 {
				out = protowire.AppendTag(out, 3, protowire.BytesType)
				out = protowire.AppendBytes(out, dh[:])
			} else {
				out = append(out, b[:l+vl]...)
			}
			b = b[l+vl:]
		}
		return out
	})
	// re-sign as reseal does, without touching the envelope signature
	hdr := field(t, block, 1, 0)
	var number uint64
	var prev []byte
	for b := hdr; len(b) > 0; {
		n, typ, l := protowire.ConsumeTag(b)
		b = b[l:]
		switch {
		case n == 1 && typ == protowire.VarintType:
			v, vl := protowire.ConsumeVarint(b)
			number, b = v, b[vl:]
		case n == 2:
			v, vl := protowire.ConsumeBytes(b)
			prev, b = v, b[vl:]
		default:
			b = b[protowire.ConsumeFieldValue(n, typ, b):]
		}
	}
	hb, _ := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(number), prev, dh[:]})
	md := field(t, field(t, block, 3, 0), 1, 0)
	value := field(t, md, 1, 0)
	sh := field(t, field(t, md, 2, 0), 1, 0)
	return edit(t, block, pOrdererSig, func([]byte) []byte {
		return sign(t, pemKey(t, f.PEM["orderer_key"]), append(append(append([]byte{}, value...), sh...), hb...))
	})
}
