package catalog_test

import (
	"testing"

	catalog "github.com/govchain/govchain/catalog-chain"
)

// TestNamesPeopleRead: duty, resource and data item names and data item
// keys that could pass for another (invisible or reordering characters,
// not NFC) are refused with catalog/20 naming the code point, and so is
// such free text; nothing changes.
func TestNamesPeopleRead(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	e.rejected(iSCJG, catalog.MsgDuty, duty("SCJG-ZZ-02", "市场主体\u200B登记注册"), catalog.ErrUnreadable,
		"duty name contains U+200B ZERO WIDTH SPACE at byte 12 (format/bidi control characters are not allowed)")
	e.rejected(iSCJG, catalog.MsgDuty, duty("SCJG-ZZ-02", "册注记登\u202E"), catalog.ErrUnreadable, "U+202E RIGHT-TO-LEFT OVERRIDE")
	e.rejected(iSCJG, catalog.MsgDuty, duty("SCJG-ZZ-02", "登记\n注册"), catalog.ErrUnreadable, "duty name contains U+000A LINE FEED")
	e.rejected(iSCJG, catalog.MsgDuty, duty("SCJG-ZZ-02", "Cafe\u0301 registration"), catalog.ErrUnreadable, "duty name is not in Unicode normalization form NFC")
	d := duty("SCJG-ZZ-02", "登记")
	d.LegalBasis = "《条例》\u2066第三条\u2069"
	e.rejected(iSCJG, catalog.MsgDuty, d, catalog.ErrUnreadable, "legal basis of duty SCJG-ZZ-02 contains U+2066 LEFT-TO-RIGHT ISOLATE")

	r := resource("110108-SCJG-0009", catalog.Unconditional, []string{"SCJG-ZZ-01"}, uscc(false))
	r.Name = "企业登记\u202E"
	e.rejected(iSCJG, catalog.MsgResource, r, catalog.ErrUnreadable, "resource name contains U+202E")
	// a key that looks like 企业.统一社会信用代码 but is not the same bytes
	// would be a second datum with the first one's name (一数一源)
	r = resource("110108-SCJG-0009", catalog.Unconditional, []string{"SCJG-ZZ-01"},
		catalog.Item{Key: "企业.统一社会\u200B信用代码", Name: "统一社会信用代码", Type: "string", Length: 18})
	e.rejected(iSCJG, catalog.MsgResource, r, catalog.ErrUnreadable, "resource 110108-SCJG-0009 item 1: data item key contains U+200B ZERO WIDTH SPACE")
	r = resource("110108-SCJG-0009", catalog.Unconditional, []string{"SCJG-ZZ-01"},
		catalog.Item{Key: "企业.名称", Name: "名称\uFEFF", Type: "string", Length: 18})
	e.rejected(iSCJG, catalog.MsgResource, r, catalog.ErrUnreadable, "data item name contains U+FEFF ZERO WIDTH NO-BREAK SPACE")
	r = resource("110108-SCJG-0009", catalog.Conditional, []string{"SCJG-ZZ-01"}, uscc(false))
	r.SharingBasis = "第九条\u202E"
	e.rejected(iSCJG, catalog.MsgResource, r, catalog.ErrUnreadable, "sharing basis contains U+202E")
	// free text keeps its lines
	d.LegalBasis = "《条例》第三条\n第二款"
	e.ok(iSCJG, catalog.MsgDuty, d)
}
