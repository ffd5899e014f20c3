package identity_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

// TestNamesPeopleRead: officer names (sent, or the CN of an admitted
// certificate), status reasons and founding department names are refused
// with identity/120 when an invisible or reordering character could make
// them pass for another, or when they are not NFC.
func TestNamesPeopleRead(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	admin := c.Depts[0].Admin
	for _, tc := range []struct{ name, msg string }{
		{"王\u200B芳", "name contains U+200B ZERO WIDTH SPACE at byte 3 (format/bidi control characters are not allowed)"},
		{"王芳\u202E", "name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 6"},
		{"Jose\u0301", `name is not in Unicode normalization form NFC (from byte 3, U+0065); send the NFC form "Jos\u00e9"`},
	} {
		r := c.Block(c.Tx(admin, identity.MsgRegisterAccount, c.Register(0, mustKey(t), tc.name))).TxResults[0]
		if r.Codespace != "identity" || r.Code != identity.ErrUnreadable.Code || !strings.Contains(r.Log, tc.msg) {
			t.Errorf("name %+q: got %s/%d %q, want identity/%d mentioning %q", tc.name, r.Codespace, r.Code, r.Log, identity.ErrUnreadable.Code, tc.msg)
		}
	}
	officer := mustKey(t)
	code(t, c, c.Tx(admin, identity.MsgRegisterAccount, c.Register(0, officer, "Jos\u00e9")), nil)

	r := c.Block(c.Tx(admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: officer.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "调岗\u202E"})).TxResults[0]
	if r.Code != identity.ErrUnreadable.Code || !strings.Contains(r.Log, "reason contains U+202E RIGHT-TO-LEFT OVERRIDE") {
		t.Errorf("reason: got %s/%d %q", r.Codespace, r.Code, r.Log)
	}

	// a CA may write anything into a certificate's CN: the chain checks it
	// when the CN becomes the identity's name
	k := mustKey(t)
	_, der, err := root.Issue(ca.Request{Kind: ca.KindOfficer, Dept: "ZWFW", Name: "张\u2067伟", PublicKey: k.PublicKey(), NotBefore: t0, Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ac, err := identity.NewAdmitCert(chaintest.ChainID, "ZWFW", k, der, []string{identity.RoleOperator})
	if err != nil {
		t.Fatal(err)
	}
	r = c.Block(c.Tx(admin, identity.MsgAdmitCert, ac)).TxResults[0]
	if r.Code != identity.ErrUnreadable.Code || !strings.Contains(r.Log, "certificate common name (CN) contains U+2067 RIGHT-TO-LEFT ISOLATE at byte 3") {
		t.Errorf("CN: got %s/%d %q", r.Codespace, r.Code, r.Log)
	}
}

// TestGenesisDepartmentName: a founding department's name follows the
// same rule.
func TestGenesisDepartmentName(t *testing.T) {
	st, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"市场监督管理局":       "",
		"市场监督\u200B管理局": "identity genesis: department SCJG: name contains U+200B ZERO WIDTH SPACE at byte 12",
		"\u202E局理管督监场市": "identity genesis: department SCJG: name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 0",
	} {
		g := identity.Genesis{Departments: []identity.GenesisDept{{Code: "SCJG", Name: name, AdminPublicKey: mustKey(t).PublicKey().Bytes()}}}
		raw, _ := json.Marshal(g)
		err := identity.Module{}.InitGenesis(&module.Context{Store: state.NewCache(st.Working())}, raw)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("name %+q: %v, want %q", name, err, want)
		}
	}
}
