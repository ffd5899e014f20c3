package bundle

import (
	"encoding/binary"
	"fmt"
	"time"
)

// The records below mirror contracts/certificate and chain/identity (this
// package cannot import them: they pull in the IAVL store). Decoding is
// lenient about fields added later, since the proof covers the exact bytes
// either way; a test keeps the mirrors in step with the originals.

// Change is one entry of a certificate's status history.
type Change struct {
	Height int64  `json:"height"`
	Time   string `json:"time"`
	Action string `json:"action"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by"`
}

// Record is a certificate record (cert/rec/<hash>).
type Record struct {
	Hash           string   `json:"hash"`
	Type           string   `json:"type"`
	Issuer         string   `json:"issuer"`
	Signer         string   `json:"signer"`
	LicenceNo      string   `json:"licence_no,omitempty"`
	HolderKind     string   `json:"holder_kind,omitempty"`
	HolderRef      string   `json:"holder_ref,omitempty"`
	IssueDate      string   `json:"issue_date"`
	ValidFrom      string   `json:"valid_from,omitempty"`
	ValidUntil     string   `json:"valid_until,omitempty"`
	Status         string   `json:"status"`
	History        []Change `json:"history"`
	AnchoredHeight int64    `json:"anchored_height"`
	AnchoredTime   string   `json:"anchored_time"`
	BatchRoot      string   `json:"batch_root,omitempty"`
	BatchIndex     *uint64  `json:"batch_index,omitempty"`
	ReplacedBy     string   `json:"replaced_by,omitempty"`
	Replaces       string   `json:"replaces,omitempty"`
}

// BatchRecord is an anchored batch (cert/batch/<root>).
type BatchRecord struct {
	Root           string `json:"root"`
	Type           string `json:"type"`
	Issuer         string `json:"issuer"`
	Signer         string `json:"signer"`
	Count          uint64 `json:"count"`
	IssueDate      string `json:"issue_date"`
	FirstLicenceNo string `json:"first_licence_no,omitempty"`
	LastLicenceNo  string `json:"last_licence_no,omitempty"`
	Height         int64  `json:"height"`
	Time           string `json:"time"`
}

// Department is id/dept/<code>.
type Department struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Validator *struct {
		Type   string `json:"type"`
		PubKey []byte `json:"pub_key"`
		Power  int64  `json:"power"`
	} `json:"validator,omitempty"`
}

// Account is id/acct/<key id>.
type Account struct {
	KeyID     string   `json:"key_id"`
	PublicKey []byte   `json:"public_key"`
	Dept      string   `json:"dept"`
	Roles     []string `json:"roles"`
	Status    string   `json:"status"`
	NotBefore int64    `json:"not_before,omitempty"`
	NotAfter  int64    `json:"not_after,omitempty"`
}

// Statuses and keys, as in contracts/certificate and chain/identity.
const (
	StatusValid     = "valid"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
	StatusExpired   = "expired"

	recordPrefix = "cert/rec/"
	batchPrefix  = "cert/batch/"
	deptPrefix   = "id/dept/"
	acctPrefix   = "id/acct/"

	// BlockTimeKey is where the app keeps the time of the block that
	// committed a state version (RFC 3339, UTC).
	BlockTimeKey = "block_time"
)

// Reasons is the certificate module's fixed table of reason codes.
var Reasons = []struct{ Code, Name, Chinese string }{
	{"01", "expired", "有效期届满"},
	{"02", "information changed", "证照信息变更"},
	{"03", "lost", "遗失"},
	{"04", "revoked by law", "依法撤销/吊销"},
	{"05", "error", "错误"},
	{"99", "other", "其他"},
}

func reason(code string) (string, string) {
	for _, r := range Reasons {
		if r.Code == code {
			return r.Name, r.Chinese
		}
	}
	return "", ""
}

var cst = time.FixedZone("CST", 8*3600)

// EffectiveStatus is contracts/certificate's rule: a valid record whose
// valid_until day has passed in China Standard Time at t is expired.
func (r *Record) EffectiveStatus(t time.Time) string {
	if r.Status == StatusValid && r.ValidUntil != "" && !t.IsZero() {
		if t.In(cst).Format("2006-01-02") > r.ValidUntil {
			return StatusExpired
		}
	}
	return r.Status
}

// ---- minimal reading of ics23 proofs ----
//
// chain/proof verifies proofs but does not expose what they contain; the
// few fields needed here (key and value of an existence proof, the
// neighbours of a non-existence proof) are read with a small protobuf
// reader. chain/proof rejects any proof that is not in canonical form, and
// every proof read here is also verified by it, so a misread proof cannot
// pass.

type leafKV struct{ Key, Value []byte }

// pbFields returns the first occurrence of each length-delimited field.
func pbFields(b []byte) (map[int][]byte, error) {
	out := map[int][]byte{}
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, fmt.Errorf("bad protobuf tag")
		}
		b = b[n:]
		field, wt := int(tag>>3), tag&7
		switch wt {
		case 0:
			_, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, fmt.Errorf("bad protobuf varint")
			}
			b = b[n:]
		case 1, 5:
			w := map[uint64]int{1: 8, 5: 4}[wt]
			if len(b) < w {
				return nil, fmt.Errorf("truncated protobuf")
			}
			b = b[w:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, fmt.Errorf("truncated protobuf")
			}
			if _, seen := out[field]; !seen {
				out[field] = b[n : n+int(l)]
			}
			b = b[n+int(l):]
		default:
			return nil, fmt.Errorf("unsupported protobuf wire type %d", wt)
		}
	}
	return out, nil
}

func existKV(ep []byte) (*leafKV, error) {
	f, err := pbFields(ep)
	if err != nil {
		return nil, err
	}
	return &leafKV{Key: f[1], Value: f[2]}, nil
}

// readProof returns the key and value of an existence proof (exist), or
// the key and neighbours of a non-existence proof.
func readProof(ops []byte) (exist *leafKV, key []byte, left, right *leafKV, err error) {
	f, err := pbFields(ops)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if ep, ok := f[1]; ok {
		exist, err = existKV(ep)
		return exist, nil, nil, nil, err
	}
	np, ok := f[2]
	if !ok {
		return nil, nil, nil, nil, fmt.Errorf("neither an existence nor a non-existence proof")
	}
	nf, err := pbFields(np)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if l, ok := nf[2]; ok {
		if left, err = existKV(l); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	if r, ok := nf[3]; ok {
		if right, err = existKV(r); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return nil, nf[1], left, right, nil
}

// ReadProof returns what a marshalled ics23 proof claims, without
// verifying it: for an existence proof its key and value, for a
// non-existence proof the key and its neighbours' keys (nil at either
// end). Bundle builders use it to walk state; verifiers verify.
func ReadProof(ops []byte) (key, value, leftKey, rightKey []byte, err error) {
	ex, k, left, right, err := readProof(ops)
	switch {
	case err != nil:
		return nil, nil, nil, nil, err
	case ex != nil:
		return ex.Key, ex.Value, nil, nil, nil
	}
	if left != nil {
		leftKey = left.Key
	}
	if right != nil {
		rightKey = right.Key
	}
	return k, nil, leftKey, rightKey, nil
}
