package catalogio

import (
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
)

// EnvelopeOverhead bounds the bytes a tx envelope adds around its body
// (version, lengths, type, signer, sequence, SM2 signature) besides the
// chain id.
const EnvelopeOverhead = 192

// MaxBody is the largest catalog.import body that fits a tx of maxTxBytes.
func MaxBody(maxTxBytes int, chainID string) int {
	return maxTxBytes - EnvelopeOverhead - len(chainID) - len(catalogtypes.MsgImport)
}

// Batches packs a catalog into as few catalog.import messages as fit
// maxBody bytes each, keeping the order duties, resources, tables (a later
// batch may depend on an earlier one, never the reverse).
func Batches(c *Catalog, maxBody int) ([]catalogtypes.Import, error) {
	const wrapper = 64 // {"duties":[...],"resources":[...],"tables":[...]}
	var out []catalogtypes.Import
	var cur catalogtypes.Import
	size, n := wrapper, 0
	add := func(what string, v any, put func()) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		l := len(b) + 1
		if wrapper+l > maxBody {
			return fmt.Errorf("%s alone is %d bytes, more than a transaction may carry (%d)", what, len(b), maxBody-wrapper)
		}
		if size+l > maxBody && n > 0 {
			out = append(out, cur)
			cur, size, n = catalogtypes.Import{}, wrapper, 0
		}
		put()
		size += l
		n++
		return nil
	}
	for i := range c.Duties {
		d := c.Duties[i]
		if err := add("duty "+d.Code, d, func() { cur.Duties = append(cur.Duties, d) }); err != nil {
			return nil, err
		}
	}
	for i := range c.Resources {
		r := c.Resources[i]
		if err := add("resource "+r.Code, r, func() { cur.Resources = append(cur.Resources, r) }); err != nil {
			return nil, err
		}
	}
	for i := range c.Tables {
		t := c.Tables[i]
		if err := add("table "+t.Table, t, func() { cur.Tables = append(cur.Tables, t) }); err != nil {
			return nil, err
		}
	}
	if n > 0 {
		out = append(out, cur)
	}
	for i := range out {
		if b, _ := json.Marshal(out[i]); len(b) > maxBody {
			return nil, fmt.Errorf("catalogio: batch %d is %d bytes, limit %d (size estimate is wrong)", i, len(b), maxBody)
		}
	}
	return out, nil
}
