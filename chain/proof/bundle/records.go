package bundle

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// The records a bundle proves are the modules' own (certtypes, idtypes:
// light packages without the state store). Decoding ignores fields this
// verifier does not know, so a record written by a newer chain still
// reads; the proof covers the exact bytes either way.

// State key prefixes, from the modules' key functions (a key is its
// prefix followed by the id).
var (
	recordPrefix = string(certtypes.RecordKey(""))
	batchPrefix  = string(certtypes.BatchKey(""))
	deptPrefix   = string(idtypes.DeptKey(""))
	acctPrefix   = strings.TrimSuffix(string(idtypes.AccountKey(smcrypto.KeyID{})), smcrypto.KeyID{}.String())
)

// BlockTimeKey is where the app keeps the time of the block that
// committed a state version (RFC 3339, UTC).
const BlockTimeKey = "block_time"

// reason returns the English and Chinese names of a reason code of the
// certificate module ("" if unknown).
func reason(code string) (string, string) {
	for _, r := range certtypes.Reasons {
		if r.Code == code {
			return r.Name, r.Chinese
		}
	}
	return "", ""
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
