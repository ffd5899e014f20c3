package identity

import (
	"strings"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// Grants are department-level permissions beyond the basic roles, named
// "<kind>:<object>", e.g. "issuer:BL" (may anchor business-licence
// certificates) or "credit:penalty" (may record administrative penalties).
// They are set at genesis or by governance, never by the department itself.

var ErrNoGrant = errs.Register("identity", 109, "department lacks grant")

// Grant records when and how a grant was given.
type Grant struct {
	Dept   string `json:"dept"`
	Grant  string `json:"grant"`
	Height int64  `json:"height"`
	By     string `json:"by"` // "genesis" or "proposal:<id>"
}

func GrantKey(dept, grant string) []byte { return idtypes.GrantKey(dept, grant) }

// ValidGrant: "<kind>:<object>", printable, no '/'.
func ValidGrant(g string) bool {
	kind, obj, ok := strings.Cut(g, ":")
	if !ok || kind == "" || obj == "" || len(g) > 96 || strings.ContainsAny(g, "/ ") {
		return false
	}
	for _, c := range g {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func HasGrant(kv state.KV, dept, grant string) (bool, error) {
	return kv.Has(GrantKey(dept, grant))
}

func SetGrant(kv state.KV, g Grant) error {
	return kv.Set(GrantKey(g.Dept, g.Grant), module.MustJSON(g))
}

func DeleteGrant(kv state.KV, dept, grant string) error { return kv.Delete(GrantKey(dept, grant)) }

// RequireGrant fails unless the signer's department holds grant.
func RequireGrant(ctx *module.Context, grant string) error {
	if ctx.Signer != nil && ctx.Signer.Governance {
		return nil // a passed proposal holds every grant
	}
	ok, err := HasGrant(ctx.Store, ctx.Signer.Dept, grant)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoGrant.Wrapf("department %s lacks the %q grant (granted by governance)", ctx.Signer.Dept, grant)
	}
	return nil
}

// Grants lists a department's grants in order.
func Grants(kv state.KV, dept string) ([]Grant, error) {
	var out []Grant
	err := state.IteratePrefix(kv, append(module.Key("id", "grant", dept), '/'), true, func(_, v []byte) (bool, error) {
		var g Grant
		_, err := module.GetJSONBytes(v, &g)
		out = append(out, g)
		return true, err
	})
	return out, err
}
