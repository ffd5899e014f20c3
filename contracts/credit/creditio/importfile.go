package creditio

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/identifier"
)

func newDataKey() ([]byte, error) {
	k := make([]byte, 16)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("reading a data key: %w", err)
	}
	return k, nil
}

// Header is the import file's header row (CSV, or the first sheet of an
// xlsx workbook). subject_kind may be empty (detected from subject_id);
// publish_until is a date (published through that day, China Standard
// Time) or an RFC 3339 instant; repairs is an event id for kind repair.
var Header = []string{"kind", "subject_kind", "subject_id", "subject_name", "legal_basis", "decision_no",
	"effective_date", "publish_until", "severity", "details", "repairs"}

// Row is one data row of an import file.
type Row struct {
	Line  int // line (CSV) or row (xlsx) number, the header being 1
	Cells []string
}

// Problem is a row that cannot be imported, and why.
type Problem struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Reason) }

const bom = "\ufeff"

// ReadFile reads an import file by extension (.csv or .xlsx).
func ReadFile(path string) ([]Row, []Problem, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		return ReadCSV(f)
	case ".xlsx":
		f, err := excelize.OpenFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, nil, fmt.Errorf("%s has no sheet", path)
		}
		raw, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, nil, fmt.Errorf("%s sheet %s: %w", path, sheets[0], err)
		}
		return rows(raw, func(i int) int { return i + 1 })
	}
	return nil, nil, fmt.Errorf("%s: import files are .csv or .xlsx", path)
}

// ReadCSV reads CSV (UTF-8, optional BOM, header row first).
func ReadCSV(r io.Reader) ([]Row, []Problem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var raw [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		raw = append(raw, rec)
		lines = append(lines, line)
	}
	return rows(raw, func(i int) int { return lines[i] })
}

func rows(raw [][]string, line func(i int) int) ([]Row, []Problem, error) {
	if len(raw) == 0 {
		return nil, nil, fmt.Errorf("the file is empty: want a header row %s", strings.Join(Header, ","))
	}
	head := raw[0]
	for len(head) > 0 && strings.TrimSpace(head[len(head)-1]) == "" {
		head = head[:len(head)-1]
	}
	for i := range head {
		head[i] = strings.TrimSpace(strings.TrimPrefix(head[i], bom))
	}
	if strings.Join(head, ",") != strings.Join(Header, ",") {
		return nil, nil, fmt.Errorf("line %d: header must be %s", line(0), strings.Join(Header, ","))
	}
	var out []Row
	var probs []Problem
	for i, cells := range raw[1:] {
		blank := true
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
			if cells[j] != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		for len(cells) < len(Header) { // xlsx drops trailing empty cells
			cells = append(cells, "")
		}
		if len(cells) != len(Header) {
			probs = append(probs, Problem{line(i + 1), fmt.Sprintf("%d cells, want %d (%s)", len(cells), len(Header), strings.Join(Header, ","))})
			continue
		}
		out = append(out, Row{Line: line(i + 1), Cells: cells})
	}
	return out, probs, nil
}

// Input is a validated import row, ready to seal.
type Input struct {
	Line    int
	Event   credittypes.Event // Details still empty
	Details Details
}

// PublishEnd turns a --publish-until / publish_until value into the
// chain's publish_end: a date means "published through that day" (China
// Standard Time); an RFC 3339 instant is taken as is (in UTC).
func PublishEnd(s string) (string, error) {
	if len(s) == 10 {
		return credittypes.PublishEndOfDay(s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", fmt.Errorf("publish_until %q must be a date YYYY-MM-DD or an RFC 3339 instant", s)
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339), nil
}

// ParseRow validates one row with the chain's own rules (credittypes.
// ValidateFields) after turning the subject id into its reference with
// salt. The error names the first thing wrong.
func ParseRow(salt []byte, r Row) (*Input, error) {
	c := map[string]string{}
	for i, h := range Header {
		c[h] = r.Cells[i]
	}
	kind := strings.ToLower(c["kind"])
	if !credittypes.ValidKind(kind) {
		return nil, fmt.Errorf("kind %q is not one of licence, penalty, redlist, blacklist, commitment, repair", c["kind"])
	}
	if c["subject_id"] == "" {
		return nil, fmt.Errorf("subject_id is empty")
	}
	sk, ref, err := credittypes.SubjectRef(salt, strings.ToLower(c["subject_kind"]), c["subject_id"])
	if err != nil {
		return nil, fmt.Errorf("subject_id: %v", err)
	}
	pe, err := PublishEnd(c["publish_until"])
	if err != nil {
		return nil, err
	}
	sev, err := strconv.Atoi(c["severity"])
	if err != nil {
		return nil, fmt.Errorf("severity %q must be an integer 1..5", c["severity"])
	}
	in := &Input{Line: r.Line, Event: credittypes.Event{Kind: kind, SubjectKind: sk, SubjectRef: ref, LegalBasis: c["legal_basis"],
		DecisionNo: c["decision_no"], EffectiveDate: c["effective_date"], PublishEnd: pe, Severity: sev, Repairs: c["repairs"]},
		Details: Details{SubjectID: identifier.Normalize(c["subject_id"]), SubjectName: c["subject_name"], Text: c["details"]}}
	if err := credittypes.ValidateFields(&in.Event); err != nil {
		return nil, err
	}
	if sk == credittypes.SubjectPerson && c["subject_name"] != "" && (strings.Contains(c["legal_basis"], c["subject_name"]) || strings.Contains(c["decision_no"], c["subject_name"])) {
		return nil, fmt.Errorf("the person's name appears in legal_basis or decision_no, which are public; put it in subject_name or details only")
	}
	return in, nil
}

// ParseRows validates every row: the good inputs, and a problem for every
// bad row (including repeats of the same kind, subject and decision number
// within the file).
func ParseRows(salt []byte, rs []Row) ([]*Input, []Problem) {
	var ins []*Input
	var probs []Problem
	seen := map[string]int{}
	for _, r := range rs {
		in, err := ParseRow(salt, r)
		if err != nil {
			probs = append(probs, Problem{r.Line, err.Error()})
			continue
		}
		k := in.Event.Kind + "\x00" + in.Event.SubjectRef + "\x00" + in.Event.DecisionNo
		if l, dup := seen[k]; dup {
			probs = append(probs, Problem{r.Line, fmt.Sprintf("same kind, subject and decision number as line %d", l)})
			continue
		}
		seen[k] = r.Line
		ins = append(ins, in)
	}
	return ins, probs
}

// Seal seals in's details for readers, completing its event.
func (in *Input) Seal(readers []Reader) (credittypes.Event, error) {
	e := in.Event
	env, err := SealDetails(e.Kind, e.SubjectRef, e.DecisionNo, in.Details, readers)
	if err != nil {
		return e, err
	}
	e.Details = env
	return e, nil
}

// Batches splits events into record_batch messages of at most maxCount
// events and about maxBytes of JSON each.
func Batches(events []credittypes.Event, maxCount, maxBytes int) [][]credittypes.Event {
	var out [][]credittypes.Event
	var cur []credittypes.Event
	size := 0
	for _, e := range events {
		b, _ := json.Marshal(e)
		if len(cur) > 0 && (len(cur) == maxCount || size+len(b)+1 > maxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += len(b) + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// WriteCSV writes rows under Header (for templates and tests).
func WriteCSV(w io.Writer, rows [][]string) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	if err := cw.Write(Header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
