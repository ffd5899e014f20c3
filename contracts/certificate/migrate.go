package certificate

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// DefaultRenewalNoticeDays is the renewal notice version 2 gives every
// certificate type.
const DefaultRenewalNoticeDays = 30

// MigrateRenewalNotice moves the module's state from version 1 to 2, the
// worked example of a state migration (docs/operator.md, "Upgrade the
// software"): every certificate type gets the new field
// renewal_notice_days with its default. It runs once, in FinalizeBlock of
// the upgrade plan's height, in key order (deterministic); the release
// registers it for its plan with versions {app: N+1, certificate: 2}.
func MigrateRenewalNotice(ctx *module.Context) error {
	var types []certtypes.CertType
	err := state.IteratePrefix(ctx.Store, []byte(certtypes.Prefix+"/type/"), true, func(_, v []byte) (bool, error) {
		var t certtypes.CertType
		_, err := module.GetJSONBytes(v, &t)
		types = append(types, t)
		return true, err
	})
	if err != nil {
		return err
	}
	for _, t := range types {
		if t.RenewalNoticeDays == 0 {
			t.RenewalNoticeDays = DefaultRenewalNoticeDays
		}
		if err := ctx.Store.Set(TypeKey(t.Code), module.MustJSON(t)); err != nil {
			return err
		}
	}
	return nil
}

// MigrateIndexLayout2 moves a chain from index layout 1 to 2 (index.go):
// each certificate's and batch's issuer and type entries become one
// cert/ti entry, holder entries move to cert/ho, and params record layout
// 2. Listings answer the same before and after. It works in key order, in
// rounds of at most migrateRound entries (deterministic; the iterator is
// closed before each round writes). A release registers it with a plan,
// e.g. {Plan: "v1.4.0", Versions: {app: N+1}, Migrate:
// certificate.MigrateIndexLayout2} (docs/operator.md, "Upgrades").
func MigrateIndexLayout2(ctx *module.Context) error {
	p, err := GetParams(ctx.Store)
	if err != nil {
		return err
	}
	if p.IndexLayout == layoutV2 {
		return nil
	}
	old := module.Key(prefix, "idx", "")
	for {
		type kv struct{ k, v []byte }
		var round []kv
		err := state.IteratePrefix(ctx.Store, old, true, func(k, v []byte) (bool, error) {
			round = append(round, kv{bytes.Clone(k), bytes.Clone(v)})
			return len(round) < migrateRound, nil
		})
		if err != nil {
			return err
		}
		if len(round) == 0 {
			break
		}
		for _, e := range round {
			if err := moveEntry(ctx, e.k[len(old):], string(e.v)); err != nil {
				return fmt.Errorf("index entry %q: %w", e.k, err)
			}
			if err := ctx.Store.Delete(e.k); err != nil {
				return err
			}
		}
	}
	p.IndexLayout = layoutV2
	return ctx.Store.Set(ParamsKey(), module.MustJSON(p))
}

const migrateRound = 4096

// moveEntry writes the layout 2 entry of a layout 1 entry
// <issuer|type|holder>/<value>/<height:20>/<id> (type entries have none:
// the issuer entry of the same certificate writes it).
func moveEntry(ctx *module.Context, rest []byte, kind string) error {
	parts := strings.Split(string(rest), "/")
	if len(parts) != 4 || len(parts[2]) != 20 {
		return errs.Internal.Wrapf("malformed key")
	}
	h, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return errs.Internal.Wrapf("malformed height")
	}
	which, val, id := parts[0], parts[1], parts[3]
	ps, v, err := entryV2(kind, h, id)
	if err != nil {
		return err
	}
	switch which {
	case "type":
		return nil
	case "holder":
		return ctx.Store.Set(append(hoIndex(val), ps...), v)
	case "issuer":
		var typ string
		if kind == kindBatch {
			b, err := GetBatch(ctx.Store, id)
			if err != nil || b == nil {
				return errs.Internal.Wrapf("batch %s missing (%v)", id, err)
			}
			typ = b.Type
		} else {
			r, err := GetRecord(ctx.Store, id)
			if err != nil || r == nil {
				return errs.Internal.Wrapf("record %s missing (%v)", id, err)
			}
			typ = r.Type
		}
		return ctx.Store.Set(append(tiIndex(typ, val), ps...), v)
	}
	return errs.Internal.Wrapf("index %q", which)
}
