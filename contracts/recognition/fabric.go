package recognition

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/module"
)

// FabricMSP is a Fabric organisation the partner registered: its MSP id
// and CA certificates (PEM). Any certificate issued under these roots is a
// member of the MSP.
type FabricMSP struct {
	ID                string   `json:"id"`
	RootCerts         []string `json:"root_certs"`
	IntermediateCerts []string `json:"intermediate_certs,omitempty"`
}

// FabricPolicy is an endorsement policy: endorsements by members of at
// least Min distinct MSPs among MSPs (Fabric's OutOf(Min, 'A.member', ...)).
type FabricPolicy struct {
	Min  int      `json:"min"`
	MSPs []string `json:"msps"`
}

// FabricConfig is gov.Partner.Config for a partner of kind "fabric": the
// channel and chaincode holding its licence registry, its organisations'
// CAs, its orderers' CAs, and the endorsement policy governance accepts.
type FabricConfig struct {
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
	// MSPs are the application organisations (endorsers and clients).
	MSPs []FabricMSP `json:"msps"`
	// OrdererMSPs sign blocks; OrdererSignatures (default 1) of their
	// members must have signed a block.
	OrdererMSPs       []FabricMSP  `json:"orderer_msps"`
	OrdererSignatures int          `json:"orderer_signatures,omitempty"`
	Endorsement       FabricPolicy `json:"endorsement"`
	// MaxEvidenceAge (Go duration, default "1h"): a recognition rests on a
	// transaction (the chaincode's attest, or the anchoring itself) whose
	// timestamp is at most this old at this chain's block time.
	MaxEvidenceAge string `json:"max_evidence_age,omitempty"`
}

// FabricEvidence is a committed Fabric block (the protobuf common.Block as
// the partner's peer returns it, with its transaction validation flags)
// and the index of the transaction in it that wrote the certificate's
// record (cert/<hash>) or an attestation of it (attest/<hash>).
type FabricEvidence struct {
	Block   []byte `json:"block"`
	TxIndex int    `json:"tx_index"`
}

type fabricMSP struct {
	roots, inter *x509.CertPool
}

type fabricParams struct {
	cfg     FabricConfig
	msps    map[string]*fabricMSP
	orderer map[string]*fabricMSP
	maxAge  time.Duration
}

// ParseFabricConfig parses and checks a Fabric partner's config.
func ParseFabricConfig(raw json.RawMessage) (*fabricParams, error) {
	p := &fabricParams{msps: map[string]*fabricMSP{}, orderer: map[string]*fabricMSP{}, maxAge: time.Hour}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.cfg); err != nil {
		return nil, ErrBadPartnerConfig.Wrapf("fabric partner config: %v", err)
	}
	c := &p.cfg
	if c.Channel == "" || c.Chaincode == "" {
		return nil, ErrBadPartnerConfig.Wrapf("channel and chaincode are required")
	}
	load := func(list []FabricMSP, into map[string]*fabricMSP, what string) error {
		if len(list) == 0 {
			return ErrBadPartnerConfig.Wrapf("no %s", what)
		}
		for _, m := range list {
			if m.ID == "" || into[m.ID] != nil || p.msps[m.ID] != nil {
				return ErrBadPartnerConfig.Wrapf("%s: MSP id %q is empty or listed twice", what, m.ID)
			}
			fm := &fabricMSP{roots: x509.NewCertPool(), inter: x509.NewCertPool()}
			for i, list := range [][]string{m.RootCerts, m.IntermediateCerts} {
				for _, s := range list {
					cert, err := parsePEMCert([]byte(s))
					if err != nil {
						return ErrBadPartnerConfig.Wrapf("%s %s: %v", what, m.ID, err)
					}
					if i == 0 {
						fm.roots.AddCert(cert)
					} else {
						fm.inter.AddCert(cert)
					}
				}
			}
			if len(m.RootCerts) == 0 {
				return ErrBadPartnerConfig.Wrapf("%s %s has no root certificate", what, m.ID)
			}
			into[m.ID] = fm
		}
		return nil
	}
	if err := load(c.MSPs, p.msps, "msps"); err != nil {
		return nil, err
	}
	if err := load(c.OrdererMSPs, p.orderer, "orderer_msps"); err != nil {
		return nil, err
	}
	if c.OrdererSignatures == 0 {
		c.OrdererSignatures = 1
	}
	if c.OrdererSignatures < 0 || c.OrdererSignatures > 100 {
		return nil, ErrBadPartnerConfig.Wrapf("orderer_signatures %d outside 1..100", c.OrdererSignatures)
	}
	if c.Endorsement.Min < 1 || c.Endorsement.Min > len(c.Endorsement.MSPs) {
		return nil, ErrBadPartnerConfig.Wrapf("endorsement: min %d of %d MSPs", c.Endorsement.Min, len(c.Endorsement.MSPs))
	}
	for _, id := range c.Endorsement.MSPs {
		if p.msps[id] == nil {
			return nil, ErrBadPartnerConfig.Wrapf("endorsement names MSP %q, which is not among msps", id)
		}
	}
	if c.MaxEvidenceAge != "" {
		d, err := time.ParseDuration(c.MaxEvidenceAge)
		if err != nil || d <= 0 {
			return nil, ErrBadPartnerConfig.Wrapf("max_evidence_age %q: a positive Go duration", c.MaxEvidenceAge)
		}
		p.maxAge = d
	}
	return p, nil
}

func parsePEMCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// Fabric constants (fabric-protos-go common and peer packages).
const (
	fabricEndorserTransaction = 3   // common.HeaderType_ENDORSER_TRANSACTION
	fabricValid               = 0   // peer.TxValidationCode_VALID
	fabricSignaturesIndex     = 0   // common.BlockMetadataIndex_SIGNATURES
	fabricTxFilterIndex       = 2   // common.BlockMetadataIndex_TRANSACTIONS_FILTER
	fabricStatusOK            = 200 // shim.OK
)

// fabricIdentity is a verified member of a registered MSP.
type fabricIdentity struct {
	msp  string
	cert *x509.Certificate
}

// identity checks a serialized identity (msp.SerializedIdentity) against
// the MSPs in set at time at.
func identityOf(serialized []byte, set map[string]*fabricMSP, at time.Time, role string) (*fabricIdentity, error) {
	si, err := parseNamed(serialized, role+" identity")
	if err != nil {
		return nil, ErrBadFabricTx.Wrapf("%v", err)
	}
	mspID, err := si.one(1, "mspid")
	if err != nil {
		return nil, ErrBadFabricTx.Wrapf("%s identity: %v", role, err)
	}
	idBytes, err := si.need(2, "id_bytes")
	if err != nil {
		return nil, ErrBadFabricTx.Wrapf("%s identity: %v", role, err)
	}
	m := set[string(mspID)]
	if m == nil {
		known := make([]string, 0, len(set))
		for id := range set {
			known = append(known, id)
		}
		sort.Strings(known)
		return nil, ErrUnknownMSP.Wrapf("%s belongs to MSP %q, which the partner registration does not list (%s)", role, mspID, strings.Join(known, ", "))
	}
	cert, err := parsePEMCert(idBytes)
	if err != nil {
		return nil, ErrBadCertificate.Wrapf("%s of %s: %v", role, mspID, err)
	}
	if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
		return nil, ErrBadCertificate.Wrapf("%s of %s: not an ECDSA key", role, mspID)
	}
	if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		return nil, ErrBadCertificate.Wrapf("%s certificate %q of %s is valid %s..%s, not at the transaction time %s (expired or not yet valid)",
			role, cert.Subject.CommonName, mspID, rfc3339(cert.NotBefore), rfc3339(cert.NotAfter), rfc3339(at))
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: m.roots, Intermediates: m.inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, ErrBadCertificate.Wrapf("%s certificate %q does not chain to the registered CAs of %s: %v", role, cert.Subject.CommonName, mspID, err)
	}
	return &fabricIdentity{msp: string(mspID), cert: cert}, nil
}

var p256HalfN = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// verify checks an ECDSA signature over SHA-256(msg), in low-S form as
// Fabric requires.
func (id *fabricIdentity) verify(msg, sig []byte, what string) error {
	pub := id.cert.PublicKey.(*ecdsa.PublicKey)
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil {
		return ErrBadEndorsement.Wrapf("%s by %s (%s): malformed signature", what, id.cert.Subject.CommonName, id.msp)
	}
	if pub.Curve == elliptic.P256() && rs.S.Cmp(p256HalfN) > 0 {
		return ErrBadEndorsement.Wrapf("%s by %s (%s): high-S signature (Fabric accepts low-S only)", what, id.cert.Subject.CommonName, id.msp)
	}
	d := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(pub, d[:], sig) {
		return ErrBadEndorsement.Wrapf("%s by %s (%s) does not verify", what, id.cert.Subject.CommonName, id.msp)
	}
	return nil
}

// blockHeaderBytes is Fabric's protoutil.BlockHeaderBytes: the ASN.1 DER
// of (number, previous hash, data hash), which orderers sign and whose
// SHA-256 is the block hash.
func blockHeaderBytes(number uint64, prev, data []byte) []byte {
	b, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(number), prev, data})
	if err != nil {
		panic(err) // cannot fail for these types
	}
	return b
}

func fabricErr(err error) error {
	if _, ok := err.(interface{ Is(error) bool }); ok {
		return err
	}
	return ErrBadFabricTx.Wrapf("%v", err)
}

// verifyFabric checks a Fabric block and one of its transactions, as a
// Fabric peer would, against the registered configuration only (never the
// partner's own word): block data hash, orderer signatures by registered
// orderer MSPs, the peer's VALID flag for the transaction, the client's
// signature, channel and chaincode, a successful chaincode response, the
// endorsements (signatures over the proposal response payload by
// certificates of registered MSPs, valid at the transaction time) against
// the endorsement policy, and finally the record the transaction wrote.
func verifyFabric(ctx *module.Context, p *partnerInfo, hash string, e *FabricEvidence, fresh bool) (pc *partnerCert, err error) {
	defer func() {
		if r := recover(); r != nil {
			pc, err = nil, ErrBadFabricTx.Wrapf("malformed evidence: %v", r)
		}
	}()
	fp, err := ParseFabricConfig(p.Config)
	if err != nil {
		return nil, err
	}
	cfg := &fp.cfg
	block, err := parseNamed(e.Block, "block")
	if err != nil {
		return nil, fabricErr(err)
	}
	hdr, err := block.msg(1, "block header")
	if err != nil {
		return nil, fabricErr(err)
	}
	number, err := hdr.uint(1, "number")
	if err != nil {
		return nil, fabricErr(err)
	}
	prevHash, err := hdr.one(2, "previous_hash")
	if err != nil {
		return nil, fabricErr(err)
	}
	dataHash, err := hdr.one(3, "data_hash")
	if err != nil {
		return nil, fabricErr(err)
	}
	data, err := block.msg(2, "block data")
	if err != nil {
		return nil, fabricErr(err)
	}
	txs := data.bytes[1]
	h := sha256.New()
	for _, d := range txs {
		h.Write(d)
	}
	if !bytes.Equal(h.Sum(nil), dataHash) {
		return nil, ErrBadFabricTx.Wrapf("block %d: data hash %X does not match its %d transactions (%X)", number, dataHash, len(txs), h.Sum(nil))
	}
	meta, err := block.msg(3, "block metadata")
	if err != nil {
		return nil, fabricErr(err)
	}
	mds := meta.bytes[1]
	if len(mds) <= fabricTxFilterIndex {
		return nil, ErrBadFabricTx.Wrapf("block %d has %d metadata entries; signatures and transaction flags are required", number, len(mds))
	}
	if e.TxIndex < 0 || e.TxIndex >= len(txs) {
		return nil, ErrBadFabricTx.Wrapf("tx_index %d: block %d has %d transactions", e.TxIndex, number, len(txs))
	}

	// The transaction: envelope, header, timestamp (the time certificates
	// are judged at).
	env, err := parseNamed(txs[e.TxIndex], "envelope")
	if err != nil {
		return nil, fabricErr(err)
	}
	payloadBytes, err := env.need(1, "payload")
	if err != nil {
		return nil, fabricErr(err)
	}
	envSig, err := env.need(2, "signature")
	if err != nil {
		return nil, fabricErr(err)
	}
	payload, err := parseNamed(payloadBytes, "payload")
	if err != nil {
		return nil, fabricErr(err)
	}
	phdr, err := payload.msg(1, "payload header")
	if err != nil {
		return nil, fabricErr(err)
	}
	chdrBytes, err := phdr.need(1, "channel header")
	if err != nil {
		return nil, fabricErr(err)
	}
	chdr, err := parseNamed(chdrBytes, "channel header")
	if err != nil {
		return nil, fabricErr(err)
	}
	typ, err := chdr.uint(1, "type")
	if err != nil {
		return nil, fabricErr(err)
	}
	if typ != fabricEndorserTransaction {
		return nil, ErrBadFabricTx.Wrapf("transaction %d of block %d is of header type %d, not an endorser transaction", e.TxIndex, number, typ)
	}
	channel, _ := chdr.one(4, "channel_id")
	if string(channel) != cfg.Channel {
		return nil, ErrBadFabricTx.Wrapf("transaction is on channel %q, the partner's registry is channel %q", channel, cfg.Channel)
	}
	txID, _ := chdr.one(5, "tx_id")
	ts, err := chdr.msg(3, "timestamp")
	if err != nil {
		return nil, fabricErr(err)
	}
	secs, _ := ts.uint(1, "seconds")
	nanos, _ := ts.uint(2, "nanos")
	if secs > 1<<40 || nanos >= 1e9 {
		return nil, ErrBadFabricTx.Wrapf("transaction timestamp out of range")
	}
	at := time.Unix(int64(secs), int64(nanos)).UTC()

	// Orderer signatures over the block header.
	sigMeta, err := parseNamed(mds[fabricSignaturesIndex], "signatures metadata")
	if err != nil {
		return nil, fabricErr(err)
	}
	mdValue, _ := sigMeta.one(1, "metadata value")
	headerBytes := blockHeaderBytes(number, prevHash, dataHash)
	signedBy := map[string]bool{}
	var ordErr error
	for _, s := range sigMeta.bytes[2] {
		ms, err := parseNamed(s, "metadata signature")
		if err != nil {
			return nil, fabricErr(err)
		}
		shBytes, err := ms.need(1, "signature header")
		if err != nil {
			return nil, fabricErr(err)
		}
		sig, _ := ms.one(2, "signature")
		sh, err := parseNamed(shBytes, "signature header")
		if err != nil {
			return nil, fabricErr(err)
		}
		creator, err := sh.need(1, "creator")
		if err != nil {
			return nil, fabricErr(err)
		}
		id, err := identityOf(creator, fp.orderer, at, "orderer")
		if err == nil {
			err = id.verify(append(append(append([]byte{}, mdValue...), shBytes...), headerBytes...), sig, fmt.Sprintf("block %d signature", number))
		}
		if err != nil {
			ordErr = err
			continue
		}
		signedBy[string(id.cert.Raw)] = true
	}
	if len(signedBy) < cfg.OrdererSignatures {
		if ordErr != nil {
			return nil, ordErr
		}
		return nil, ErrBadEndorsement.Wrapf("block %d carries %d valid orderer signatures, %d required", number, len(signedBy), cfg.OrdererSignatures)
	}

	// The committing peer's verdict on the transaction.
	flags := mds[fabricTxFilterIndex]
	if len(flags) != len(txs) {
		return nil, ErrBadFabricTx.Wrapf("block %d: %d validation flags for %d transactions", number, len(flags), len(txs))
	}
	if flags[e.TxIndex] != fabricValid {
		return nil, ErrBadFabricTx.Wrapf("transaction %s was flagged invalid (validation code %d) when block %d was committed", txID, flags[e.TxIndex], number)
	}

	// The client's signature and the transaction id.
	shBytes, err := phdr.need(2, "signature header")
	if err != nil {
		return nil, fabricErr(err)
	}
	sh, err := parseNamed(shBytes, "signature header")
	if err != nil {
		return nil, fabricErr(err)
	}
	creator, err := sh.need(1, "creator")
	if err != nil {
		return nil, fabricErr(err)
	}
	nonce, _ := sh.one(2, "nonce")
	if want := sha256.Sum256(append(append([]byte{}, nonce...), creator...)); hex.EncodeToString(want[:]) != string(txID) {
		return nil, ErrBadFabricTx.Wrapf("tx id %q is not SHA-256(nonce || creator)", txID)
	}
	client, err := identityOf(creator, fp.msps, at, "client")
	if err != nil {
		return nil, err
	}
	if err := client.verify(payloadBytes, envSig, "transaction "+string(txID)); err != nil {
		return nil, err
	}

	// The endorsed chaincode action.
	txData, err := payload.need(2, "payload data")
	if err != nil {
		return nil, fabricErr(err)
	}
	tx, err := parseNamed(txData, "transaction")
	if err != nil {
		return nil, fabricErr(err)
	}
	if n := len(tx.bytes[1]); n != 1 {
		return nil, ErrBadFabricTx.Wrapf("transaction %s has %d actions, want 1", txID, n)
	}
	action, err := parseNamed(tx.bytes[1][0], "transaction action")
	if err != nil {
		return nil, fabricErr(err)
	}
	ccap, err := action.msg(2, "chaincode action payload")
	if err != nil {
		return nil, fabricErr(err)
	}
	endorsed, err := ccap.msg(2, "chaincode endorsed action")
	if err != nil {
		return nil, fabricErr(err)
	}
	prpBytes, err := endorsed.need(1, "proposal response payload")
	if err != nil {
		return nil, fabricErr(err)
	}
	prp, err := parseNamed(prpBytes, "proposal response payload")
	if err != nil {
		return nil, fabricErr(err)
	}
	ccAction, err := prp.msg(2, "chaincode action")
	if err != nil {
		return nil, fabricErr(err)
	}
	ccID, err := ccAction.msg(4, "chaincode id")
	if err != nil {
		return nil, fabricErr(err)
	}
	if name, _ := ccID.one(2, "chaincode name"); string(name) != cfg.Chaincode {
		return nil, ErrBadFabricTx.Wrapf("transaction %s ran chaincode %q, the partner's registry is %q", txID, name, cfg.Chaincode)
	}
	resp, err := ccAction.msg(3, "chaincode response")
	if err != nil {
		return nil, fabricErr(err)
	}
	if status, _ := resp.uint(1, "status"); status != fabricStatusOK {
		return nil, ErrBadFabricTx.Wrapf("transaction %s: chaincode answered status %d", txID, status)
	}

	// Endorsements against the policy.
	endorsedBy := map[string]bool{}
	for i, eb := range endorsed.bytes[2] {
		en, err := parseNamed(eb, "endorsement")
		if err != nil {
			return nil, fabricErr(err)
		}
		endorser, err := en.need(1, "endorser")
		if err != nil {
			return nil, fabricErr(err)
		}
		sig, _ := en.one(2, "signature")
		id, err := identityOf(endorser, fp.msps, at, fmt.Sprintf("endorser %d", i))
		if err != nil {
			return nil, err
		}
		if err := id.verify(append(append([]byte{}, prpBytes...), endorser...), sig, fmt.Sprintf("endorsement %d of transaction %s", i, txID)); err != nil {
			return nil, err
		}
		endorsedBy[id.msp] = true
	}
	got := 0
	for _, m := range cfg.Endorsement.MSPs {
		if endorsedBy[m] {
			got++
		}
	}
	if got < cfg.Endorsement.Min {
		return nil, ErrPolicy.Wrapf("transaction %s is endorsed by %d of the MSPs %s; the registered policy needs %d", txID, got, strings.Join(cfg.Endorsement.MSPs, ", "), cfg.Endorsement.Min)
	}

	// What the transaction wrote.
	results, err := ccAction.need(1, "results")
	if err != nil {
		return nil, fabricErr(err)
	}
	rwset, err := parseNamed(results, "read-write set")
	if err != nil {
		return nil, fabricErr(err)
	}
	var value []byte
	for _, nsb := range rwset.bytes[2] {
		ns, err := parseNamed(nsb, "namespace read-write set")
		if err != nil {
			return nil, fabricErr(err)
		}
		if name, _ := ns.one(1, "namespace"); string(name) != cfg.Chaincode {
			continue
		}
		kvb, err := ns.need(2, "rwset")
		if err != nil {
			return nil, fabricErr(err)
		}
		kv, err := parseNamed(kvb, "kv read-write set")
		if err != nil {
			return nil, fabricErr(err)
		}
		for _, wb := range kv.bytes[3] {
			w, err := parseNamed(wb, "kv write")
			if err != nil {
				return nil, fabricErr(err)
			}
			key, _ := w.one(1, "key")
			del, _ := w.uint(2, "is_delete")
			if del == 0 && (string(key) == "cert/"+hash || string(key) == "attest/"+hash) {
				if value != nil {
					return nil, ErrBadFabricTx.Wrapf("transaction %s writes the record of %s twice", txID, hash)
				}
				if value, err = w.need(3, "value"); err != nil {
					return nil, fabricErr(err)
				}
			}
		}
	}
	if value == nil {
		return nil, ErrBadFabricTx.Wrapf("transaction %s writes no record of %s (cert/%s or attest/%s)", txID, hash, hash, hash)
	}
	if fresh {
		if at.Add(fp.maxAge).Before(ctx.Time) {
			return nil, ErrStale.Wrapf("transaction %s is from %s, older than the max evidence age %s at block time %s; submit a fresh attest transaction",
				txID, rfc3339(at), fp.maxAge, rfc3339(ctx.Time))
		}
	}
	if at.After(ctx.Time.Add(10 * time.Minute)) {
		return nil, ErrBadFabricTx.Wrapf("transaction %s is dated %s, in the future of block time %s", txID, rfc3339(at), rfc3339(ctx.Time))
	}
	blockHash := sha256.Sum256(headerBytes)
	pc = &partnerCert{height: int64(number), root: hex.EncodeToString(blockHash[:]), chain: cfg.Channel}
	if err := json.Unmarshal(value, &pc.rec); err != nil {
		return nil, ErrBadFabricTx.Wrapf("record of %s does not decode: %v", hash, err)
	}
	if pc.rec.Hash != hash {
		return nil, ErrBadFabricTx.Wrapf("the record written is for %s, not %s", pc.rec.Hash, hash)
	}
	if fp.msps[pc.rec.Issuer] == nil {
		return nil, ErrUnknownMSP.Wrapf("record issuer %q is not a registered MSP", pc.rec.Issuer)
	}
	pc.status = pc.rec.EffectiveStatus(at)
	return pc, nil
}
