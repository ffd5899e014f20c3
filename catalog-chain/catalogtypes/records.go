package catalogtypes

import (
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/readable"
)

// Attribute values. The chain stores these English codes; the CSV/xlsx
// sheets use the Chinese labels of GB/T 21063 (see catalogio).
const (
	StatusActive  = "active"
	StatusRevoked = "revoked" // duty withdrawn (撤销)
	StatusRetired = "retired" // resource or table no longer maintained (停用)

	// Sharing (共享属性) and open (开放属性) attributes.
	Unconditional = "unconditional" // 无条件共享 / 无条件开放
	Conditional   = "conditional"   // 有条件共享 / 有条件开放
	NotShared     = "none"          // 不予共享 / 不予开放
)

var (
	Categories   = []string{"basic", "thematic", "departmental"}                                          // 基础 主题 部门信息资源
	UpdateCycles = []string{"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"} // 实时 ... 不定期
	Formats      = []string{"database", "spreadsheet", "file", "image", "stream", "api", "other"}
	ItemTypes    = []string{"string", "integer", "decimal", "date", "datetime", "boolean", "binary", "text"}
	ShareAttrs   = []string{Unconditional, Conditional, NotShared}
)

// Limits on one message.
const (
	MaxItems      = 500 // data items per resource
	MaxDuties     = 50  // duties per resource
	MaxColumns    = 1000
	MaxItemLength = 1 << 20
	MaxPeriodDays = 3650
	// Lengths of text fields, in bytes.
	MaxName        = 256
	MaxText        = 1024
	MaxLegalBasis  = 512
	MaxDescription = 1024
)

// Meta is carried by every record: which version it is and which block and
// transaction wrote it.
type Meta struct {
	Version int64  `json:"version"`
	Height  int64  `json:"height"`
	Time    string `json:"time"`             // block header time, RFC 3339 UTC
	Tx      string `json:"tx,omitempty"`     // SM3 tx hash, hex
	Signer  string `json:"signer,omitempty"` // key id of the signer
}

// RecordMeta is the Meta of the record it is embedded in (the contract
// stamps it when it writes a version).
func (m *Meta) RecordMeta() *Meta { return m }

// DutyMsg is a duty (职责) of the signer's department.
type DutyMsg struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	LegalBasis string `json:"legal_basis"` // 设定依据: the law or 三定 provision
	Status     string `json:"status,omitempty"`
}

// Duty is the stored duty, id "<dept>:<code>".
type Duty struct {
	Dept string `json:"dept"`
	DutyMsg
	Meta
}

// Item is a data item (信息项) of a resource.
type Item struct {
	// Key is the canonical data-item key shared across the catalog, e.g.
	// "企业.统一社会信用代码": the same key in two resources is the same datum.
	Key         string `json:"key"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Length      int    `json:"length"`
	Description string `json:"description,omitempty"`
	// Source marks this resource as the authoritative source (权威来源) of
	// the item. Only one department may be the source of a key (一数一源).
	Source bool `json:"source,omitempty"`
}

// ResourceMsg is an information resource (信息资源目录) of the signer's department.
type ResourceMsg struct {
	Code         string   `json:"code"` // 资源代码, globally unique
	Name         string   `json:"name"`
	Duties       []string `json:"duties"` // codes of the provider's own duties
	Category     string   `json:"category"`
	Summary      string   `json:"summary,omitempty"`
	Items        []Item   `json:"items"`
	Sharing      string   `json:"sharing"`
	SharingBasis string   `json:"sharing_basis,omitempty"` // required unless unconditional
	Open         string   `json:"open"`
	OpenBasis    string   `json:"open_basis,omitempty"` // required unless unconditional
	UpdateCycle  string   `json:"update_cycle"`
	Format       string   `json:"format"`
	Status       string   `json:"status,omitempty"`
}

// Resource is the stored resource, id = its code.
type Resource struct {
	Provider string `json:"provider"`
	ResourceMsg
	Meta
}

// HasItem reports whether the resource carries data item key.
func (r *ResourceMsg) HasItem(key string) bool { return r.ItemByKey(key) != nil }

// ItemByKey is the resource's data item key, nil when it carries none.
func (r *ResourceMsg) ItemByKey(key string) *Item {
	for i := range r.Items {
		if r.Items[i].Key == key {
			return &r.Items[i]
		}
	}
	return nil
}

// Column maps a data item to a table column.
type Column struct {
	Item   string `json:"item"`
	Column string `json:"column"`
}

// TableMsg is a physical table (库表) of the signer's department.
type TableMsg struct {
	System    string   `json:"system"`
	Database  string   `json:"database"`
	Table     string   `json:"table"`
	Resource  string   `json:"resource"`   // the resource the table holds
	SchemaSM3 string   `json:"schema_sm3"` // SM3 of the column schema (DDL), hex
	Columns   []Column `json:"columns"`
	Status    string   `json:"status,omitempty"`
}

// Table is the stored table, id "<dept>:<system>.<database>.<table>".
type Table struct {
	ID   string `json:"id"`
	Dept string `json:"dept"`
	TableMsg
	Meta
}

// ItemRecord is the canonical data item and its authoritative source.
type ItemRecord struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Length      int    `json:"length"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner"`            // authoritative department
	Source      string `json:"source,omitempty"` // resource code of the source, "" if none declares it now
	Reason      string `json:"reason,omitempty"` // governance reason of the last transfer
	Meta
}

var (
	codeRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	sm3Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidCode: resource, duty and share codes.
func ValidCode(s string) bool { return codeRe.MatchString(s) }

// ValidIdent: system, database, table and column names.
func ValidIdent(s string) bool { return identRe.MatchString(s) }

// ValidSM3 is 64 lower-case hex characters.
func ValidSM3(s string) bool {
	if !sm3Re.MatchString(s) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// ValidItemKey: printable UTF-8, at most 128 bytes, no '/', whitespace or URL
// metacharacters (keys appear in state keys and API paths).
func ValidItemKey(s string) bool {
	if s == "" || len(s) > 128 || !utf8.ValidString(s) || strings.ContainsAny(s, `/\%?#`) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// CheckName checks a name people read (of a duty, a resource, a data item): a
// required single line that follows chain/readable's rule for names.
func CheckName(field, s string, max int) error {
	if err := CheckText(field, s, max, true); err != nil {
		return err
	}
	if err := readable.Name(s); err != nil {
		return ErrUnreadable.Wrapf("%s %s", field, err)
	}
	return nil
}

// CheckText checks a free-text field (max bytes; required: not blank): lines of text that follow
// chain/readable's rule for free text.
func CheckText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return ErrBadInput.Wrapf("%s is required", field)
	}
	if len(s) > max {
		return ErrBadInput.Wrapf("%s is %d bytes, limit %d", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return ErrBadInput.Wrapf("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return ErrBadInput.Wrapf("%s contains control character %U", field, r)
		}
	}
	if err := readable.Text(s); err != nil {
		return ErrUnreadable.Wrapf("%s %s", field, err)
	}
	return nil
}

// OneOf checks that field value v is one of allowed.
func OneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return ErrBadInput.Wrapf("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
	}
	return nil
}

// msgOf is the specific message of a coded error.
func msgOf(err error) string {
	if e, ok := err.(*errs.Error); ok && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}

// StatusOf is a stored status: StatusActive when the message gives none.
func StatusOf(s string) string {
	if s == "" {
		return StatusActive
	}
	return s
}

// Validate checks a duty on its own (no state).
func (m *DutyMsg) Validate() error {
	if !ValidCode(m.Code) {
		return ErrBadInput.Wrapf("duty code %q must match %s", m.Code, codeRe)
	}
	if err := CheckName("duty name", m.Name, MaxName); err != nil {
		return err
	}
	if err := CheckText("legal basis of duty "+m.Code, m.LegalBasis, MaxLegalBasis, true); err != nil {
		return err
	}
	return OneOf("duty status", StatusOf(m.Status), []string{StatusActive, StatusRevoked})
}

// Validate checks a resource on its own (no state).
func (m *ResourceMsg) Validate() error {
	if !ValidCode(m.Code) {
		return ErrBadInput.Wrapf("resource code %q must match %s", m.Code, codeRe)
	}
	if err := CheckName("resource name", m.Name, MaxName); err != nil {
		return err
	}
	if len(m.Duties) == 0 {
		return ErrNoDuty.Wrapf("resource %s names no duty; it must derive from at least one duty of its provider", m.Code)
	}
	if len(m.Duties) > MaxDuties {
		return ErrBadInput.Wrapf("resource %s names %d duties, limit %d", m.Code, len(m.Duties), MaxDuties)
	}
	for i, d := range m.Duties {
		if !ValidCode(d) {
			return ErrBadInput.Wrapf("resource %s: duty code %q must match %s", m.Code, d, codeRe)
		}
		if slices.Contains(m.Duties[:i], d) {
			return ErrBadInput.Wrapf("resource %s names duty %s twice", m.Code, d)
		}
	}
	if err := OneOf("category", m.Category, Categories); err != nil {
		return err
	}
	if err := CheckText("summary", m.Summary, MaxText, false); err != nil {
		return err
	}
	if len(m.Items) == 0 {
		return ErrBadInput.Wrapf("resource %s has no data items", m.Code)
	}
	if len(m.Items) > MaxItems {
		return ErrBadInput.Wrapf("resource %s has %d data items, limit %d", m.Code, len(m.Items), MaxItems)
	}
	for i := range m.Items {
		if err := m.Items[i].Validate(); err != nil {
			return errs.From(err).Wrapf("resource %s item %d: %s", m.Code, i+1, msgOf(err))
		}
		for j := 0; j < i; j++ {
			if m.Items[j].Key == m.Items[i].Key {
				return ErrBadInput.Wrapf("resource %s lists data item %s twice (items %d and %d)", m.Code, m.Items[i].Key, j+1, i+1)
			}
		}
	}
	if err := OneOf("sharing attribute", m.Sharing, ShareAttrs); err != nil {
		return err
	}
	if err := CheckText("sharing basis", m.SharingBasis, MaxLegalBasis, m.Sharing != Unconditional); err != nil {
		return errs.From(err).Wrapf("resource %s is %s: %s (a legal basis is required unless sharing is unconditional)", m.Code, m.Sharing, msgOf(err))
	}
	if err := OneOf("open attribute", m.Open, ShareAttrs); err != nil {
		return err
	}
	if err := CheckText("open basis", m.OpenBasis, MaxLegalBasis, m.Open != Unconditional); err != nil {
		return errs.From(err).Wrapf("resource %s open attribute %s: %s (a legal basis is required unless open is unconditional)", m.Code, m.Open, msgOf(err))
	}
	if err := OneOf("update cycle", m.UpdateCycle, UpdateCycles); err != nil {
		return err
	}
	if err := OneOf("format", m.Format, Formats); err != nil {
		return err
	}
	return OneOf("resource status", StatusOf(m.Status), []string{StatusActive, StatusRetired})
}

// Validate checks one data item.
func (it *Item) Validate() error {
	if !ValidItemKey(it.Key) {
		return ErrBadInput.Wrapf("data item key %q must be 1-128 bytes of printable UTF-8 without spaces or / \\ %% ? #", it.Key)
	}
	// The key is the datum's identity across the catalog (一数一源): two
	// keys that look the same must be the same bytes.
	if err := readable.Name(it.Key); err != nil {
		return ErrUnreadable.Wrapf("data item key %s", err)
	}
	if err := CheckName("data item name", it.Name, MaxName); err != nil {
		return err
	}
	if err := OneOf("data item type", it.Type, ItemTypes); err != nil {
		return err
	}
	if it.Length < 0 || it.Length > MaxItemLength {
		return ErrBadInput.Wrapf("data item %s length %d outside 0..%d", it.Key, it.Length, MaxItemLength)
	}
	return CheckText("data item description", it.Description, MaxDescription, false)
}

// Validate checks a table on its own (no state).
func (m *TableMsg) Validate() error {
	for _, f := range []struct{ name, v string }{{"system", m.System}, {"database", m.Database}, {"table", m.Table}} {
		if !ValidIdent(f.v) {
			return ErrBadInput.Wrapf("%s name %q must match %s", f.name, f.v, identRe)
		}
	}
	if !ValidCode(m.Resource) {
		return ErrBadInput.Wrapf("table %s.%s.%s: resource code %q must match %s", m.System, m.Database, m.Table, m.Resource, codeRe)
	}
	if !ValidSM3(m.SchemaSM3) {
		return ErrBadInput.Wrapf("table %s.%s.%s: schema_sm3 %q must be 64 lower-case hex characters", m.System, m.Database, m.Table, m.SchemaSM3)
	}
	if len(m.Columns) == 0 || len(m.Columns) > MaxColumns {
		return ErrBadInput.Wrapf("table %s.%s.%s maps %d columns, want 1..%d", m.System, m.Database, m.Table, len(m.Columns), MaxColumns)
	}
	for i, c := range m.Columns {
		if !ValidItemKey(c.Item) {
			return ErrBadInput.Wrapf("table %s.%s.%s column %d: bad data item key %q", m.System, m.Database, m.Table, i+1, c.Item)
		}
		if !ValidIdent(c.Column) {
			return ErrBadInput.Wrapf("table %s.%s.%s column %d: column name %q must match %s", m.System, m.Database, m.Table, i+1, c.Column, identRe)
		}
		for j := 0; j < i; j++ {
			if m.Columns[j].Item == c.Item {
				return ErrBadInput.Wrapf("table %s.%s.%s maps data item %s twice", m.System, m.Database, m.Table, c.Item)
			}
			if m.Columns[j].Column == c.Column {
				return ErrBadInput.Wrapf("table %s.%s.%s maps column %s twice", m.System, m.Database, m.Table, c.Column)
			}
		}
	}
	return OneOf("table status", StatusOf(m.Status), []string{StatusActive, StatusRetired})
}
