package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/lightblock"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/certificate/merkle"
)

// Verdicts.
const (
	Valid     = "VALID"
	Revoked   = "REVOKED"
	Suspended = "SUSPENDED"
	Expired   = "EXPIRED"
	Unknown   = "UNKNOWN"
)

// Member is a batch member's position and inclusion path, from the
// holder's batch file (govchain cert anchor-batch).
type Member struct {
	Root  string   `json:"root"`
	Index uint64   `json:"index"`
	Path  []string `json:"path"`
}

// Input is what the verifier knows besides the bundle.
type Input struct {
	// Hash is the SM3 of the certificate file, computed by the verifier.
	Hash string
	// Member, for a batch member, overrides the bundle's path.
	Member *Member
	// Now is the verifier's clock (trusting period, header times).
	Now time.Time
}

// Result is what was established.
type Result struct {
	Verdict string `json:"verdict"`
	Hash    string `json:"hash"`
	ChainID string `json:"chain_id"`
	// Height is the state version read; AsOf the time of the header that
	// commits it: the verdict holds as of then.
	Height      int64        `json:"height"`
	AsOf        string       `json:"as_of"`
	Certificate *Certificate `json:"certificate,omitempty"`
	Batch       *BatchInfo   `json:"batch,omitempty"`
	Header      HeaderInfo   `json:"header"`
	SM2         *SM2Info     `json:"sm2,omitempty"`
	Private     *BucketInfo  `json:"private,omitempty"`
	Note        string       `json:"note,omitempty"`
	Checks      []string     `json:"checks"`
	// Proven is, when Verdict is Stale, the verdict the proofs establish
	// as of AsOf; Freshness is the age judgement (Judge), if made.
	Proven    string     `json:"proven_verdict,omitempty"`
	Freshness *Freshness `json:"freshness,omitempty"`
}

// Certificate is the proven record, for display.
type Certificate struct {
	Type           string             `json:"type"`
	Issuer         string             `json:"issuer"`
	IssuerName     string             `json:"issuer_name,omitempty"`
	LicenceNo      string             `json:"licence_no,omitempty"`
	IssueDate      string             `json:"issue_date"`
	ValidFrom      string             `json:"valid_from,omitempty"`
	ValidUntil     string             `json:"valid_until,omitempty"`
	Status         string             `json:"status"`
	ChangedHeight  int64              `json:"changed_height,omitempty"`
	ChangedTime    string             `json:"changed_time,omitempty"`
	Reason         string             `json:"reason,omitempty"`
	ReasonName     string             `json:"reason_name,omitempty"`
	ReasonChinese  string             `json:"reason_zh,omitempty"`
	ReplacedBy     string             `json:"replaced_by,omitempty"`
	Replaces       string             `json:"replaces,omitempty"`
	AnchoredHeight int64              `json:"anchored_height"`
	AnchoredTime   string             `json:"anchored_time"`
	History        []certtypes.Change `json:"history,omitempty"`
}

// BatchInfo describes a proven batch membership.
type BatchInfo struct {
	Root           string  `json:"root"`
	Count          uint64  `json:"count"`
	Index          *uint64 `json:"index,omitempty"`
	Issuer         string  `json:"issuer"`
	AnchoredHeight int64   `json:"anchored_height"`
	Member         bool    `json:"member"`
}

// HeaderInfo describes the verified header and its signatures.
type HeaderInfo struct {
	Height      int64  `json:"height"`
	Hash        string `json:"hash"`
	Time        string `json:"time"`
	AppHash     string `json:"app_hash"`
	Signed      int    `json:"signed"`
	Validators  int    `json:"validators"`
	SignedPower int64  `json:"signed_power"`
	TotalPower  int64  `json:"total_power"`
	TrustHeight int64  `json:"trust_height"`
	TrustHash   string `json:"trust_hash"`
	Via         int    `json:"via"`
}

// SM2Info lists the departments whose SM2 keys attested the header.
type SM2Info struct {
	Depts      []string `json:"depts"`
	Names      []string `json:"names,omitempty"`
	Power      int64    `json:"power"`
	TotalPower int64    `json:"total_power"`
}

// BucketInfo describes a private (hash-prefix) lookup.
type BucketInfo struct {
	Prefix  string `json:"prefix"`
	Bits    int    `json:"bits"`
	Records int    `json:"records"`
}

// Verify decodes raw and verifies it (Bundle.Verify).
func Verify(raw []byte, trust *TrustRoot, in Input) (*Result, error) {
	b, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	return b.Verify(trust, in)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Verify checks the bundle for the certificate whose file hashes to
// in.Hash, from trust, in this order: the header chain (trust, header,
// validators, commit), the record or the bucket, the batch and inclusion
// path, the department records, the SM2 quorum certificate.
func (b *Bundle) Verify(trust *TrustRoot, in Input) (*Result, error) {
	if len(in.Hash) != 64 || !isLowerHex(in.Hash) {
		return nil, fail(StepInput, "certificate hash %q must be 64 lower-case hex characters (SM3 of the file)", in.Hash)
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	res := &Result{Hash: in.Hash, ChainID: b.ChainID, Height: b.Height}
	check := func(format string, args ...any) { res.Checks = append(res.Checks, fmt.Sprintf(format, args...)) }

	// 1. the header, from the trust root.
	if trust == nil {
		return nil, fail(StepTrust, "no trust root")
	}
	root, err := trust.Check()
	if err != nil {
		return nil, err
	}
	period, _ := trust.Period()
	if b.ChainID != trust.ChainID {
		return nil, fail(StepTrust, "bundle is for chain %q, the trust root for %q", b.ChainID, trust.ChainID)
	}
	lb, err := DecodeBlock(b.Block)
	if err != nil {
		return nil, err
	}
	if lb.Height != b.Height+1 {
		return nil, fail(StepHeader, "bundle reads state %d, which header %d commits; its header is %d", b.Height, b.Height+1, lb.Height)
	}
	var via []*lightblock.LightBlock
	for i, raw := range b.Via {
		v, err := DecodeBlock(raw)
		if err != nil {
			return nil, rewrap(StepOf(err), err, "intermediate header %d", i)
		}
		if i > 0 && v.Height <= via[i-1].Height || v.Height >= lb.Height {
			return nil, fail(StepHeader, "intermediate header %d (height %d) is out of order", i, v.Height)
		}
		via = append(via, v)
	}
	if err := VerifyChain(b.ChainID, root, period, via, lb, in.Now); err != nil {
		return nil, err
	}
	signed, power := Signed(lb)
	res.Header = HeaderInfo{Height: lb.Height, Hash: fmt.Sprintf("%X", lb.Hash()), Time: lb.Time.UTC().Format(time.RFC3339),
		AppHash: fmt.Sprintf("%X", lb.AppHash), Signed: signed, Validators: lb.ValidatorSet.Size(), SignedPower: power,
		TotalPower: lb.ValidatorSet.TotalVotingPower(), TrustHeight: trust.Height, TrustHash: trust.Hash, Via: len(via)}
	res.AsOf = res.Header.Time
	how := "skipping verification"
	if lb.Height == root.Height+1 {
		how = "adjacent"
	} else if lb.Height == root.Height {
		how = "the trust root itself"
	}
	check("header %d (%X) verified from trust root %d (%s, %d intermediate headers): %d of %d validators signed (power %d/%d, ed25519)",
		lb.Height, lb.Hash(), trust.Height, how, len(via), signed, lb.ValidatorSet.Size(), power, lb.ValidatorSet.TotalVotingPower())
	appHash := []byte(lb.AppHash)
	at := lb.Time

	// 2. the record, or the bucket it falls in.
	var rec *certtypes.Record
	switch {
	case b.Hash != "" && b.Prefix == "":
		if b.Hash != in.Hash {
			return nil, fail(StepInput, "the bundle is for certificate %s, the file hashes to %s", b.Hash, in.Hash)
		}
		if len(b.Bucket) != 0 {
			return nil, fail(StepDecode, "bundle has both a record and a bucket")
		}
		rec, err = proveRecord(appHash, in.Hash, b.Record)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			check("record cert/rec/%s proven at height %d (ICS23)", in.Hash, b.Height)
		} else {
			check("no record cert/rec/%s at height %d (ICS23 proof of absence)", in.Hash, b.Height)
		}
	case b.Prefix != "" && b.Hash == "":
		if len(b.Record) != 0 {
			return nil, fail(StepDecode, "bundle has both a record and a bucket")
		}
		if !strings.HasPrefix(in.Hash, b.Prefix) {
			return nil, fail(StepInput, "the file hash %s… is not in bucket %s", in.Hash[:len(b.Prefix)], b.Prefix)
		}
		recs, err := VerifyBucket(appHash, b.Prefix, b.Bucket)
		if err != nil {
			return nil, err
		}
		rec = recs[in.Hash]
		res.Private = &BucketInfo{Prefix: b.Prefix, Bits: 4 * len(b.Prefix), Records: len(recs)}
		check("bucket %s… (%d bits) proven complete at height %d: %d records, the file's %s", b.Prefix, 4*len(b.Prefix), b.Height, len(recs),
			map[bool]string{true: "among them", false: "not among them"}[rec != nil])
	default:
		return nil, fail(StepDecode, "bundle must carry either a hash and its record proof or a prefix and its bucket")
	}

	// 3. the batch and the inclusion path.
	var batch *certtypes.Batch
	member := in.Member
	if b.Batch != nil {
		if member == nil && b.Batch.Index != nil {
			member = &Member{Root: b.Batch.Root, Index: *b.Batch.Index, Path: b.Batch.Path}
		}
		if b.Batch.Index == nil && len(b.Batch.Path) != 0 {
			return nil, fail(StepDecode, "batch path without an index")
		}
		batch, err = proveBatch(appHash, b.Batch)
		if err != nil {
			return nil, err
		}
		if batch != nil {
			check("batch %s proven: %d %s certificates anchored by %s at height %d (ICS23)", batch.Root, batch.Count, batch.Type, batch.Issuer, batch.Height)
		} else {
			check("no batch %s at height %d (ICS23 proof of absence)", b.Batch.Root, b.Height)
		}
	}
	// A member's record carries its own status (the chain created it after
	// checking the inclusion path); its batch record is extra information.
	if rec != nil && rec.BatchRoot != "" && batch != nil && batch.Root != rec.BatchRoot {
		return nil, fail(StepBatch, "the record is a member of batch %s, the bundle proves batch %s", rec.BatchRoot, batch.Root)
	}
	inBatch := false
	if rec == nil && batch != nil && member != nil {
		if member.Root != batch.Root {
			return nil, fail(StepInput, "the member path is for batch %s, the bundle proves batch %s", member.Root, batch.Root)
		}
		root, _ := merkle.ParseHash(batch.Root)
		path, err := merkle.ParsePath(member.Path)
		if err != nil {
			return nil, fail(StepInclusion, "%v", err)
		}
		leaf, _ := hex.DecodeString(in.Hash)
		if err := merkle.VerifyPath(root, leaf, member.Index, batch.Count, path); err != nil {
			return nil, fail(StepInclusion, "%v", err)
		}
		inBatch = true
		check("certificate is member %d of batch %s (inclusion path of %d SM3 hashes)", member.Index, batch.Root, len(path))
	}
	if batch != nil {
		res.Batch = &BatchInfo{Root: batch.Root, Count: batch.Count, Issuer: batch.Issuer, AnchoredHeight: batch.Height, Member: inBatch || rec != nil}
		if member != nil {
			idx := member.Index
			res.Batch.Index = &idx
		}
	}

	// 4. departments (names; validator keys for the SM2 check).
	depts := map[string]*idtypes.Department{}
	for i, p := range b.Depts {
		d, err := proveDept(appHash, p)
		if err != nil {
			return nil, rewrap(StepDepts, err, "department proof %d", i)
		}
		if depts[d.Code] != nil {
			return nil, fail(StepDepts, "department %s proven twice", d.Code)
		}
		depts[d.Code] = d
	}
	if len(depts) > 0 {
		codes := make([]string, 0, len(depts))
		for c := range depts {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		check("department records proven: %s", strings.Join(codes, ", "))
	}

	// 5. the SM2 quorum certificate of the header.
	if b.SM2 != nil {
		info, err := verifySM2(b.ChainID, lb, appHash, b.SM2, depts)
		if err != nil {
			return nil, err
		}
		res.SM2 = info
		check("SM2 quorum certificate of header %d verified: %s attested (power %d/%d), keys proven active admin keys of their departments",
			lb.Height, strings.Join(info.Depts, ", "), info.Power, info.TotalPower)
	}

	// 6. the verdict.
	switch {
	case rec != nil:
		res.Certificate = certificateOf(rec, depts)
		switch rec.EffectiveStatus(at) {
		case certtypes.StatusValid:
			res.Verdict = Valid
		case certtypes.StatusSuspended:
			res.Verdict = Suspended
		case certtypes.StatusRevoked:
			res.Verdict = Revoked
		case certtypes.StatusExpired:
			res.Verdict = Expired
			res.Note = fmt.Sprintf("valid until %s (China Standard Time); the header time is %s", rec.ValidUntil, at.UTC().Format(time.RFC3339))
		default:
			return nil, fail(StepRecord, "record has unknown status %q", rec.Status)
		}
	case inBatch:
		res.Verdict = Valid
		res.Certificate = &Certificate{Type: batch.Type, Issuer: batch.Issuer, IssueDate: batch.IssueDate, Status: certtypes.StatusValid,
			AnchoredHeight: batch.Height, AnchoredTime: batch.Time}
		if d := depts[batch.Issuer]; d != nil {
			res.Certificate.IssuerName = d.Name
		}
		res.Note = "member of a batch with no status change recorded"
	case batch != nil:
		res.Verdict = Unknown
		res.Note = fmt.Sprintf("batch %s is on chain but this file's inclusion path was not given (use the batch file from the issuer)", batch.Root)
	default:
		res.Verdict = Unknown
		res.Note = fmt.Sprintf("no certificate with this hash is on chain at height %d: the file is not one the registry knows (altered, or never anchored)", b.Height)
	}
	return res, nil
}

// rewrap adds context to err under step, keeping its ICS23 step.
func rewrap(step string, err error, format string, args ...any) *Error {
	out := &Error{Step: step, Err: fmt.Errorf(format+": %w", append(args, err)...)}
	if e, ok := err.(*Error); ok {
		out.ICS23 = e.ICS23
		out.Err = fmt.Errorf(format+": %w", append(args, e.Err)...)
	}
	return out
}

// proveRecord verifies the proof of cert/rec/<hash>: the record (nil if
// absent) for exactly that hash.
func proveRecord(root []byte, hash string, ops []byte) (*certtypes.Record, error) {
	key := []byte(recordPrefix + hash)
	if len(ops) == 0 {
		return nil, fail(StepRecord, "no proof for %s", key)
	}
	ex, _, _, _, err := readProof(ops)
	if err != nil {
		return nil, fail(StepRecord, "proof of %s: %v", key, err)
	}
	if ex == nil {
		if err := proof.VerifyNonMembership(root, key, ops); err != nil {
			return nil, proofFail(StepRecord, err, "proof of absence of %s", key)
		}
		return nil, nil
	}
	if err := proof.VerifyMembership(root, key, ex.Value, ops); err != nil {
		return nil, proofFail(StepRecord, err, "proof of %s", key)
	}
	return decodeRecord(ex.Value, hash)
}

func decodeRecord(value []byte, hash string) (*certtypes.Record, error) {
	var r certtypes.Record
	if err := json.Unmarshal(value, &r); err != nil {
		return nil, fail(StepRecord, "proven record of %s does not decode: %v", hash, err)
	}
	if r.Hash != hash {
		return nil, fail(StepRecord, "proven record at cert/rec/%s is for %s", hash, r.Hash)
	}
	return &r, nil
}

func proveBatch(root []byte, bp *Batch) (*certtypes.Batch, error) {
	if _, err := merkle.ParseHash(bp.Root); err != nil {
		return nil, fail(StepBatch, "batch root: %v", err)
	}
	key := []byte(batchPrefix + bp.Root)
	ex, _, _, _, err := readProof(bp.Proof)
	if err != nil {
		return nil, fail(StepBatch, "proof of %s: %v", key, err)
	}
	if ex == nil {
		if err := proof.VerifyNonMembership(root, key, bp.Proof); err != nil {
			return nil, proofFail(StepBatch, err, "proof of absence of %s", key)
		}
		return nil, nil
	}
	if err := proof.VerifyMembership(root, key, ex.Value, bp.Proof); err != nil {
		return nil, proofFail(StepBatch, err, "proof of %s", key)
	}
	var r certtypes.Batch
	if err := json.Unmarshal(ex.Value, &r); err != nil || r.Root != bp.Root {
		return nil, fail(StepBatch, "proven batch record at %s is not batch %s", key, bp.Root)
	}
	return &r, nil
}

// proveMember verifies an existence proof of a key under prefix and
// returns the key's suffix and value.
func proveMember(root []byte, prefix string, ops []byte, step string) (string, []byte, error) {
	ex, _, _, _, err := readProof(ops)
	if err != nil {
		return "", nil, fail(step, "%v", err)
	}
	if ex == nil {
		return "", nil, fail(step, "expected a proof of presence, got a proof of absence")
	}
	if !bytes.HasPrefix(ex.Key, []byte(prefix)) {
		return "", nil, fail(step, "proof is for key %q, not one under %s", ex.Key, prefix)
	}
	if err := proof.VerifyMembership(root, ex.Key, ex.Value, ops); err != nil {
		return "", nil, proofFail(step, err, "proof of %s", ex.Key)
	}
	return string(ex.Key[len(prefix):]), ex.Value, nil
}

func proveDept(root, ops []byte) (*idtypes.Department, error) {
	code, v, err := proveMember(root, deptPrefix, ops, StepDepts)
	if err != nil {
		return nil, err
	}
	var d idtypes.Department
	if err := json.Unmarshal(v, &d); err != nil || d.Code != code {
		return nil, fail(StepDepts, "proven record at %s%s is not that department", deptPrefix, code)
	}
	return &d, nil
}

func certificateOf(r *certtypes.Record, depts map[string]*idtypes.Department) *Certificate {
	c := &Certificate{Type: r.Type, Issuer: r.Issuer, LicenceNo: r.LicenceNo, IssueDate: r.IssueDate, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil,
		Status: r.Status, ReplacedBy: r.ReplacedBy, Replaces: r.Replaces, AnchoredHeight: r.AnchoredHeight, AnchoredTime: r.AnchoredTime, History: r.History}
	if d := depts[r.Issuer]; d != nil {
		c.IssuerName = d.Name
	}
	if n := len(r.History); n > 1 {
		last := r.History[n-1]
		c.ChangedHeight, c.ChangedTime, c.Reason = last.Height, last.Time, last.Reason
		c.ReasonName, c.ReasonChinese = reason(last.Reason)
	}
	return c
}

// VerifyBucket checks a private lookup's proofs and returns every record
// whose hash starts with prefix, by hash. The proofs are absence proofs
// of, in turn, "cert/rec/<prefix>" and each record key followed by a zero
// byte; each names the two adjacent keys around it (chain/proof checks
// they are neighbouring leaves), so together they prove that the records
// between them are all the keys in the bucket.
func VerifyBucket(root []byte, prefix string, proofs [][]byte) (map[string]*certtypes.Record, error) {
	if prefix == "" || len(prefix) >= 64 || !isLowerHex(prefix) {
		return nil, fail(StepBucket, "prefix %q must be 1 to 63 lower-case hex characters", prefix)
	}
	lo := recordPrefix + prefix
	want := []byte(lo)
	out := map[string]*certtypes.Record{}
	var prev *leafKV
	for i, ops := range proofs {
		ex, key, left, right, err := readProof(ops)
		if err != nil || ex != nil {
			return nil, fail(StepBucket, "proof %d is not a proof of absence (%v)", i, err)
		}
		if !bytes.Equal(key, want) {
			return nil, fail(StepBucket, "proof %d is about key %q, expected %q", i, key, want)
		}
		if err := proof.VerifyNonMembership(root, key, ops); err != nil {
			return nil, proofFail(StepBucket, err, "proof %d (absence of %q)", i, key)
		}
		if prev != nil && (left == nil || !bytes.Equal(left.Key, prev.Key) || !bytes.Equal(left.Value, prev.Value)) {
			return nil, fail(StepBucket, "proof %d does not start at the record proof %d ended with", i, i-1)
		}
		if right == nil || !bytes.HasPrefix(right.Key, []byte(lo)) {
			if i != len(proofs)-1 {
				return nil, fail(StepBucket, "proof %d reaches the end of the bucket but %d more proofs follow", i, len(proofs)-1-i)
			}
			return out, nil
		}
		hash := string(right.Key[len(recordPrefix):])
		r, err := decodeRecord(right.Value, hash)
		if err != nil {
			return nil, &Error{Step: StepBucket, Err: err}
		}
		out[hash] = r
		prev = right
		want = append(bytes.Clone(right.Key), 0)
	}
	return nil, fail(StepBucket, "the proofs stop inside the bucket (after %d records): incomplete", len(out))
}

// verifySM2 checks the QC of header lb against its validator set and the
// department keys proven under appHash: each attesting validator must be
// the validator key of an active department, and the key that signed an
// active admin key of that department (within its certificate's window at
// the proven block time of that state), as the chain itself requires.
func verifySM2(chainID string, lb *lightblock.LightBlock, appHash []byte, s *SM2, depts map[string]*idtypes.Department) (*SM2Info, error) {
	q, err := attest.DecodeTx(append([]byte{attest.Marker}, s.QC...))
	if err != nil {
		return nil, fail(StepQC, "%v", err)
	}
	if canon, _ := json.Marshal(q); !bytes.Equal(canon, s.QC) {
		return nil, fail(StepQC, "the quorum certificate is not in its stored (canonical) form")
	}
	if len(s.Time) == 0 {
		return nil, fail(StepKeys, "no proof of the block time the keys are judged at (bundles made before 2026-11-25 lack it): fetch a new bundle")
	}
	rest, tv, err := proveMember(appHash, BlockTimeKey, s.Time, StepKeys)
	if err != nil {
		return nil, rewrap(StepKeys, err, "block time proof")
	}
	at, terr := time.Parse(time.RFC3339Nano, string(tv))
	if rest != "" || terr != nil {
		return nil, fail(StepKeys, "the block time proof is not of %s", BlockTimeKey)
	}
	accts := map[string]*idtypes.Account{}
	for i, p := range s.Keys {
		id, v, err := proveMember(appHash, acctPrefix, p, StepKeys)
		if err != nil {
			return nil, rewrap(StepKeys, err, "key proof %d", i)
		}
		var a idtypes.Account
		if err := json.Unmarshal(v, &a); err != nil || a.KeyID.String() != id {
			return nil, fail(StepKeys, "proven record at %s%s is not that key", acctPrefix, id)
		}
		accts[id] = &a
	}
	byAddr := map[string]*idtypes.Department{}
	for _, d := range depts {
		if d.Validator != nil && len(d.Validator.PubKey) == ed25519.PubKeySize {
			byAddr[attest.AddressHex(ed25519.PubKey(d.Validator.PubKey).Address())] = d
		}
	}
	powers := map[string]int64{}
	for _, v := range lb.ValidatorSet.Validators {
		powers[attest.AddressHex(v.Address)] = v.VotingPower
	}
	resolve := func(validator string, keyID smcrypto.KeyID) (string, *smcrypto.PublicKey, error) {
		d := byAddr[validator]
		if d == nil {
			return "", nil, fmt.Errorf("validator %s: no proven department record names it", validator)
		}
		if d.Status != idtypes.StatusActive {
			return "", nil, fmt.Errorf("department %s is %s", d.Code, d.Status)
		}
		a := accts[keyID.String()]
		switch {
		case a == nil:
			return "", nil, fmt.Errorf("key %s: no proof in the bundle", keyID)
		case a.Dept != d.Code:
			return "", nil, fmt.Errorf("key %s is of %s, validator %s of %s", keyID, a.Dept, validator, d.Code)
		case a.Status != idtypes.StatusActive:
			return "", nil, fmt.Errorf("key %s is %s", keyID, a.Status)
		case !contains(a.Roles, idtypes.RoleAdmin):
			return "", nil, fmt.Errorf("key %s is not an admin key of %s", keyID, d.Code)
		case a.NotAfter != 0 && (at.Unix() < a.NotBefore || at.Unix() > a.NotAfter):
			return "", nil, fmt.Errorf("key %s: certificate not valid at %s", keyID, at.UTC().Format(time.RFC3339))
		}
		pk, err := smcrypto.ParsePublicKey(a.PublicKey)
		if err != nil {
			return "", nil, fmt.Errorf("key %s: %v", keyID, err)
		}
		if pk.ID() != keyID {
			return "", nil, fmt.Errorf("key %s: the proven public key has id %s", keyID, pk.ID())
		}
		return d.Code, pk, nil
	}
	if err := attest.Verify(q, chainID, lb.Height, lb.Hash(), powers, resolve); err != nil {
		return nil, fail(StepQC, "header %d: %v", lb.Height, err)
	}
	if len(s.Keys) != len(q.Attestations) {
		return nil, fail(StepKeys, "%d key proofs for %d attestations", len(s.Keys), len(q.Attestations))
	}
	info := &SM2Info{Depts: q.Depts(), Power: q.SignedPower(), TotalPower: q.TotalPower}
	for _, c := range info.Depts {
		info.Names = append(info.Names, depts[c].Name)
	}
	return info, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
