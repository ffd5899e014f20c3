package catalog

import (
	"testing"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/errs"
)

// TestErrorsKeepTheirCodes: the registered errors live in catalogtypes and
// package catalog names the same values; clients match on codespace and
// code, so neither may change.
func TestErrorsKeepTheirCodes(t *testing.T) {
	for _, c := range []struct {
		err, light *errs.Error
		code       uint32
		name       string
	}{
		{ErrBadInput, catalogtypes.ErrBadInput, 1, "invalid input"},
		{ErrOtherDept, catalogtypes.ErrOtherDept, 2, "entry belongs to another department"},
		{ErrNotFound, catalogtypes.ErrNotFound, 3, "not found"},
		{ErrNoDuty, catalogtypes.ErrNoDuty, 4, "resource not derived from a duty of its provider"},
		{ErrItemOwned, catalogtypes.ErrItemOwned, 5, "data item has another authoritative source"},
		{ErrNotShared, catalogtypes.ErrNotShared, 6, "resource is not shared"},
		{ErrBadState, catalogtypes.ErrBadState, 7, "invalid state transition"},
		{ErrExpired, catalogtypes.ErrExpired, 8, "sharing grant expired"},
		{ErrOwnEntry, catalogtypes.ErrOwnEntry, 9, "not allowed on the department's own entry"},
		{ErrInUse, catalogtypes.ErrInUse, 10, "entry still referenced"},
		{ErrEmptyBatch, catalogtypes.ErrEmptyBatch, 11, "empty import"},
		{ErrUnreadable, catalogtypes.ErrUnreadable, 20, "name not plainly readable"},
	} {
		if c.err != c.light {
			t.Errorf("%s: package catalog's error is not catalogtypes' value", c.name)
		}
		if c.err.Codespace != "catalog" || c.err.Code != c.code || c.err.Name != c.name {
			t.Errorf("error is %s/%d %q, want catalog/%d %q", c.err.Codespace, c.err.Code, c.err.Name, c.code, c.name)
		}
	}
	// A wrapped error keeps its code (what a client reads off a tx result).
	if e := errs.From(ErrBadInput.Wrapf("x")); e.Codespace != "catalog" || e.Code != 1 {
		t.Errorf("wrapped ErrBadInput is %s/%d", e.Codespace, e.Code)
	}
}
