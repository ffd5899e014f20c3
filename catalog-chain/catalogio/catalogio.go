// Package catalogio reads and writes a department's catalog as CSV files or
// one xlsx workbook, checks it row by row, and packs it into as few
// catalog.import transactions as the chain's size limit allows.
//
// A catalog is five sheets (CSV: five files in one directory):
//
//	职责     duties.csv     部门代码 职责编码 职责名称 设定依据 状态
//	信息资源 resources.csv  资源代码 资源名称 提供部门 职责编码(;分隔) 资源分类 摘要 共享属性 共享条件及依据 开放属性 开放条件及依据 更新周期 资源格式 状态
//	信息项   items.csv      资源代码 数据项标识 数据项名称 数据类型 数据长度 描述 权威来源(是/否)
//	库表     tables.csv     部门代码 系统 数据库 表名 资源代码 表结构SM3 状态
//	字段映射 columns.csv    部门代码 系统 数据库 表名 数据项标识 字段名
//
// Attribute cells take the GB/T 21063 Chinese labels (无条件共享, 每日, 字符型
// ...) or the chain's English codes; export writes the labels. CSV files are
// UTF-8 with a BOM (so Excel opens them correctly) and LF line ends.
package catalogio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
)

// Catalog is one department's duties, resources and tables.
type Catalog struct {
	Dept      string
	Duties    []catalogtypes.DutyMsg
	Resources []catalogtypes.ResourceMsg
	Tables    []catalogtypes.TableMsg
}

// Items counts the data items of all resources.
func (c *Catalog) Items() int {
	n := 0
	for _, r := range c.Resources {
		n += len(r.Items)
	}
	return n
}

// Sheet describes one sheet: CSV file name, xlsx sheet name, header row.
type Sheet struct {
	File, Name string
	Header     []string
}

var (
	DutySheet     = Sheet{"duties.csv", "职责", []string{"部门代码", "职责编码", "职责名称", "设定依据", "状态"}}
	ResourceSheet = Sheet{"resources.csv", "信息资源", []string{"资源代码", "资源名称", "提供部门", "职责编码", "资源分类", "摘要", "共享属性", "共享条件及依据", "开放属性", "开放条件及依据", "更新周期", "资源格式", "状态"}}
	ItemSheet     = Sheet{"items.csv", "信息项", []string{"资源代码", "数据项标识", "数据项名称", "数据类型", "数据长度", "描述", "权威来源"}}
	TableSheet    = Sheet{"tables.csv", "库表", []string{"部门代码", "系统", "数据库", "表名", "资源代码", "表结构SM3", "状态"}}
	ColumnSheet   = Sheet{"columns.csv", "字段映射", []string{"部门代码", "系统", "数据库", "表名", "数据项标识", "字段名"}}
	// Sheets in the order they are read and written.
	Sheets = []Sheet{DutySheet, ResourceSheet, ItemSheet, TableSheet, ColumnSheet}
)

// Row is one data row and where it came from ("items.csv line 12" or
// "sheet 信息项 row 12").
type Row struct {
	Where string
	Cells []string
}

// Rows are the data rows of every sheet, by sheet file name.
type Rows map[string][]Row

// Problem is a bad row and why.
type Problem struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

func (p Problem) String() string { return p.Where + ": " + p.Reason }

// ProblemsError lists every problem found.
type ProblemsError []Problem

func (e ProblemsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad rows:", len(e))
	for _, p := range e {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// label tables: chain code -> Chinese label.
var labels = map[string][][2]string{
	"status":   {{catalogtypes.StatusActive, "有效"}, {catalogtypes.StatusRevoked, "撤销"}, {catalogtypes.StatusRetired, "停用"}},
	"category": {{"basic", "基础信息资源"}, {"thematic", "主题信息资源"}, {"departmental", "部门信息资源"}},
	"sharing":  {{catalogtypes.Unconditional, "无条件共享"}, {catalogtypes.Conditional, "有条件共享"}, {catalogtypes.NotShared, "不予共享"}},
	"open":     {{catalogtypes.Unconditional, "无条件开放"}, {catalogtypes.Conditional, "有条件开放"}, {catalogtypes.NotShared, "不予开放"}},
	"cycle": {{"realtime", "实时"}, {"daily", "每日"}, {"weekly", "每周"}, {"monthly", "每月"}, {"quarterly", "每季度"},
		{"yearly", "每年"}, {"irregular", "不定期"}},
	"format": {{"database", "数据库"}, {"spreadsheet", "电子表格"}, {"file", "电子文件"}, {"image", "图形图像"},
		{"stream", "流媒体"}, {"api", "接口"}, {"other", "其他"}},
	"type": {{"string", "字符型"}, {"integer", "整型"}, {"decimal", "数值型"}, {"date", "日期型"}, {"datetime", "日期时间型"},
		{"boolean", "逻辑型"}, {"binary", "二进制"}, {"text", "文本型"}},
}

// Label is the Chinese label of a chain code ("" stays "").
func Label(table, code string) string {
	for _, p := range labels[table] {
		if p[0] == code {
			return p[1]
		}
	}
	return code
}

// code parses a label or a code.
func code(table, cell string) (string, error) {
	cell = strings.TrimSpace(cell)
	for _, p := range labels[table] {
		if cell == p[0] || cell == p[1] {
			return p[0], nil
		}
	}
	var opts []string
	for _, p := range labels[table] {
		opts = append(opts, p[1])
	}
	return "", fmt.Errorf("%q is not one of %s", cell, strings.Join(opts, " "))
}

// ListSep separates duty codes in one cell.
const ListSep = ";"

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ListSep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Parse builds a catalog from rows. dept, if set, is the department every row
// must belong to (the signer's); otherwise the first row decides. Every bad
// row is reported, not only the first.
func Parse(rows Rows, dept string) (*Catalog, []Problem) {
	c := &Catalog{Dept: dept}
	var probs []Problem
	bad := func(r Row, format string, a ...any) {
		probs = append(probs, Problem{Where: r.Where, Reason: fmt.Sprintf(format, a...)})
	}
	own := func(r Row, d, what string) bool {
		if c.Dept == "" {
			c.Dept = d
		}
		if d != c.Dept {
			bad(r, "%s belongs to %s, this catalog is %s's (a department imports only its own entries)", what, d, c.Dept)
			return false
		}
		return true
	}
	dutyRow := map[string]bool{}
	for _, r := range rows[DutySheet.File] {
		x := r.Cells
		st, err := code("status", x[4])
		if err != nil {
			bad(r, "状态 %v", err)
			continue
		}
		m := catalogtypes.DutyMsg{Code: x[1], Name: x[2], LegalBasis: x[3], Status: st}
		if !own(r, x[0], "duty "+x[1]) {
			continue
		}
		if err := m.Validate(); err != nil {
			bad(r, "%s", reason(err))
			continue
		}
		if dutyRow[m.Code] {
			bad(r, "duty %s appears twice", m.Code)
			continue
		}
		dutyRow[m.Code] = true
		c.Duties = append(c.Duties, m)
	}
	resIdx := map[string]int{}
	resRow := map[string]Row{}
	for _, r := range rows[ResourceSheet.File] {
		x := r.Cells
		m := catalogtypes.ResourceMsg{Code: x[0], Name: x[1], Duties: splitList(x[3]), Summary: x[5], SharingBasis: x[7], OpenBasis: x[9]}
		var errsRow []string
		for _, f := range []struct {
			col, table string
			dst        *string
			cell       string
		}{{"资源分类", "category", &m.Category, x[4]}, {"共享属性", "sharing", &m.Sharing, x[6]}, {"开放属性", "open", &m.Open, x[8]},
			{"更新周期", "cycle", &m.UpdateCycle, x[10]}, {"资源格式", "format", &m.Format, x[11]}, {"状态", "status", &m.Status, x[12]}} {
			v, err := code(f.table, f.cell)
			if err != nil {
				errsRow = append(errsRow, f.col+" "+err.Error())
			}
			*f.dst = v
		}
		if len(errsRow) > 0 {
			bad(r, "%s", strings.Join(errsRow, "; "))
			continue
		}
		if !own(r, x[2], "resource "+x[0]) {
			continue
		}
		if _, dup := resIdx[m.Code]; dup {
			bad(r, "resource %s appears twice (first at %s)", m.Code, resRow[m.Code].Where)
			continue
		}
		resIdx[m.Code] = len(c.Resources)
		resRow[m.Code] = r
		c.Resources = append(c.Resources, m)
	}
	for _, r := range rows[ItemSheet.File] {
		x := r.Cells
		i, ok := resIdx[x[0]]
		if !ok {
			bad(r, "resource %q is not in %s", x[0], ResourceSheet.File)
			continue
		}
		typ, err := code("type", x[3])
		if err != nil {
			bad(r, "数据类型 %v", err)
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(x[4]))
		if err != nil && strings.TrimSpace(x[4]) != "" {
			bad(r, "数据长度 %q is not a whole number", x[4])
			continue
		}
		src := strings.TrimSpace(x[6])
		if src != "是" && src != "否" && src != "true" && src != "false" && src != "" {
			bad(r, "权威来源 %q must be 是 or 否", x[6])
			continue
		}
		it := catalogtypes.Item{Key: x[1], Name: x[2], Type: typ, Length: n, Description: x[5], Source: src == "是" || src == "true"}
		if err := it.Validate(); err != nil {
			bad(r, "%s", reason(err))
			continue
		}
		res := &c.Resources[i]
		if res.HasItem(it.Key) {
			bad(r, "resource %s lists data item %s twice", res.Code, it.Key)
			continue
		}
		res.Items = append(res.Items, it)
	}
	// resources are complete now: check each as the chain will
	keep := c.Resources[:0]
	for _, m := range c.Resources {
		if err := m.Validate(); err != nil {
			bad(resRow[m.Code], "%s", reason(err))
			continue
		}
		// duties not in the file may exist on chain: Check decides
		keep = append(keep, m)
	}
	c.Resources = keep
	byCode := make(map[string]*catalogtypes.ResourceMsg, len(c.Resources))
	for i := range c.Resources {
		byCode[c.Resources[i].Code] = &c.Resources[i]
	}
	tabIdx := map[string]int{}
	tabRow := map[string]Row{}
	for _, r := range rows[TableSheet.File] {
		x := r.Cells
		st, err := code("status", x[6])
		if err != nil {
			bad(r, "状态 %v", err)
			continue
		}
		m := catalogtypes.TableMsg{System: x[1], Database: x[2], Table: x[3], Resource: x[4], SchemaSM3: strings.ToLower(strings.TrimSpace(x[5])), Status: st}
		if !own(r, x[0], "table "+x[1]+"."+x[2]+"."+x[3]) {
			continue
		}
		id := catalogtypes.TableID(x[0], m.System, m.Database, m.Table)
		if _, dup := tabIdx[id]; dup {
			bad(r, "table %s appears twice (first at %s)", id, tabRow[id].Where)
			continue
		}
		tabIdx[id], tabRow[id] = len(c.Tables), r
		c.Tables = append(c.Tables, m)
	}
	for _, r := range rows[ColumnSheet.File] {
		x := r.Cells
		id := catalogtypes.TableID(x[0], x[1], x[2], x[3])
		i, ok := tabIdx[id]
		if !ok {
			bad(r, "table %s is not in %s", id, TableSheet.File)
			continue
		}
		t := &c.Tables[i]
		if res := byCode[t.Resource]; res != nil && !res.HasItem(x[4]) {
			bad(r, "resource %s has no data item %s", t.Resource, x[4])
			continue
		}
		dup := ""
		for _, col := range t.Columns {
			if col.Item == x[4] {
				dup = "data item " + x[4]
			} else if col.Column == x[5] {
				dup = "column " + x[5]
			}
		}
		if dup != "" {
			bad(r, "table %s maps %s twice", id, dup)
			continue
		}
		t.Columns = append(t.Columns, catalogtypes.Column{Item: x[4], Column: x[5]})
	}
	keepT := c.Tables[:0]
	for _, m := range c.Tables {
		if err := m.Validate(); err != nil {
			bad(tabRow[catalogtypes.TableID(c.Dept, m.System, m.Database, m.Table)], "%s", reason(err))
			continue
		}
		keepT = append(keepT, m)
	}
	c.Tables = keepT
	return c, probs
}

// reason is the specific message of a chain validation error.
func reason(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, catalogtypes.Name+"/") {
		return s[i+2:]
	}
	return s
}

// Resolver answers what a dry run needs from the chain.
type Resolver interface {
	// DutyStatus is "" when the department has no such duty.
	DutyStatus(dept, code string) (string, error)
	// ResourceProvider is "" when no such resource exists.
	ResourceProvider(code string) (string, error)
	// ItemOwner is the authoritative department of a data item, "" if none.
	ItemOwner(key string) (owner, source string, err error)
}

// Check reports what the chain would reject: duties neither in the file nor
// on chain, resources of other departments, data items another department
// is the source of. rows locates the problems.
func Check(c *Catalog, rows Rows, res Resolver) ([]Problem, error) {
	where := func(sheet Sheet, match func([]string) bool) string {
		for _, r := range rows[sheet.File] {
			if match(r.Cells) {
				return r.Where
			}
		}
		return sheet.File
	}
	var probs []Problem
	inFile := map[string]bool{}
	for _, d := range c.Duties {
		inFile[d.Code] = d.Status != catalogtypes.StatusRevoked
	}
	for _, r := range c.Resources {
		rw := where(ResourceSheet, func(x []string) bool { return x[0] == r.Code })
		p, err := res.ResourceProvider(r.Code)
		if err != nil {
			return nil, err
		}
		if p != "" && p != c.Dept {
			probs = append(probs, Problem{rw, fmt.Sprintf("resource %s belongs to %s", r.Code, p)})
		}
		for _, d := range r.Duties {
			if ok, listed := inFile[d]; listed {
				if !ok {
					probs = append(probs, Problem{rw, fmt.Sprintf("duty %s is revoked in %s", d, DutySheet.File)})
				}
				continue
			}
			st, err := res.DutyStatus(c.Dept, d)
			if err != nil {
				return nil, err
			}
			if st == "" {
				probs = append(probs, Problem{rw, fmt.Sprintf("%s has no duty %s (not in %s, not on chain)", c.Dept, d, DutySheet.File)})
			} else if st != catalogtypes.StatusActive {
				probs = append(probs, Problem{rw, fmt.Sprintf("duty %s is %s on chain", d, st)})
			}
		}
		for _, it := range r.Items {
			if !it.Source {
				continue
			}
			owner, src, err := res.ItemOwner(it.Key)
			if err != nil {
				return nil, err
			}
			if owner != "" && owner != c.Dept {
				iw := where(ItemSheet, func(x []string) bool { return x[0] == r.Code && x[1] == it.Key })
				probs = append(probs, Problem{iw, fmt.Sprintf("data item %s already has an authoritative source: %s (resource %s); 一数一源", it.Key, owner, src)})
			}
		}
	}
	local := map[string]bool{}
	for _, r := range c.Resources {
		local[r.Code] = true
	}
	for _, t := range c.Tables {
		if local[t.Resource] {
			continue
		}
		tw := where(TableSheet, func(x []string) bool { return x[1] == t.System && x[2] == t.Database && x[3] == t.Table })
		p, err := res.ResourceProvider(t.Resource)
		if err != nil {
			return nil, err
		}
		switch p {
		case "":
			probs = append(probs, Problem{tw, fmt.Sprintf("resource %s is neither in %s nor on chain", t.Resource, ResourceSheet.File)})
		case c.Dept:
		default:
			probs = append(probs, Problem{tw, fmt.Sprintf("resource %s belongs to %s", t.Resource, p)})
		}
	}
	return probs, nil
}

// Records returns the sheets' rows for c, in the catalog's order.
func Records(c *Catalog) map[string][][]string {
	out := map[string][][]string{}
	for _, d := range c.Duties {
		out[DutySheet.File] = append(out[DutySheet.File], []string{c.Dept, d.Code, d.Name, d.LegalBasis, Label("status", statusOr(d.Status))})
	}
	for _, r := range c.Resources {
		out[ResourceSheet.File] = append(out[ResourceSheet.File], []string{r.Code, r.Name, c.Dept, strings.Join(r.Duties, ListSep),
			Label("category", r.Category), r.Summary, Label("sharing", r.Sharing), r.SharingBasis, Label("open", r.Open), r.OpenBasis,
			Label("cycle", r.UpdateCycle), Label("format", r.Format), Label("status", statusOr(r.Status))})
		for _, it := range r.Items {
			src := "否"
			if it.Source {
				src = "是"
			}
			out[ItemSheet.File] = append(out[ItemSheet.File], []string{r.Code, it.Key, it.Name, Label("type", it.Type), strconv.Itoa(it.Length), it.Description, src})
		}
	}
	for _, t := range c.Tables {
		out[TableSheet.File] = append(out[TableSheet.File], []string{c.Dept, t.System, t.Database, t.Table, t.Resource, t.SchemaSM3, Label("status", statusOr(t.Status))})
		for _, col := range t.Columns {
			out[ColumnSheet.File] = append(out[ColumnSheet.File], []string{c.Dept, t.System, t.Database, t.Table, col.Item, col.Column})
		}
	}
	return out
}

func statusOr(s string) string {
	if s == "" {
		return catalogtypes.StatusActive
	}
	return s
}

// FromDepartment rebuilds a department's catalog from a chain query, in key
// order (duties by code, resources by code, tables by id).
func FromDepartment(d *catalogtypes.Department) (*Catalog, error) {
	c := &Catalog{Dept: d.Dept}
	for _, e := range d.Duties {
		var x catalogtypes.Duty
		if err := e.Decode(&x); err != nil {
			return nil, err
		}
		c.Duties = append(c.Duties, x.DutyMsg)
	}
	for _, e := range d.Resources {
		var x catalogtypes.Resource
		if err := e.Decode(&x); err != nil {
			return nil, err
		}
		c.Resources = append(c.Resources, x.ResourceMsg)
	}
	for _, e := range d.Tables {
		var x catalogtypes.Table
		if err := e.Decode(&x); err != nil {
			return nil, err
		}
		c.Tables = append(c.Tables, x.TableMsg)
	}
	return c, nil
}

// Sort puts a catalog in the order export produces.
func Sort(c *Catalog) {
	slices.SortStableFunc(c.Duties, func(a, b catalogtypes.DutyMsg) int { return strings.Compare(a.Code, b.Code) })
	slices.SortStableFunc(c.Resources, func(a, b catalogtypes.ResourceMsg) int { return strings.Compare(a.Code, b.Code) })
	slices.SortStableFunc(c.Tables, func(a, b catalogtypes.TableMsg) int {
		return strings.Compare(catalogtypes.TableID(c.Dept, a.System, a.Database, a.Table), catalogtypes.TableID(c.Dept, b.System, b.Database, b.Table))
	})
}
