package creditio

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/contracts/credit/grade"
)

// A department's supervision list (监管名单): subjects with their grade at
// one height, for the department's own systems, as CSV or xlsx. Every row
// comes from a grade the CLI recomputed from proven records.

// SupervisionHeader is the export's header row.
var SupervisionHeader = []string{"subject_kind", "subject_ref", "class", "score", "score_class", "overrides",
	"rules_version", "height", "block_time", "events", "main_reasons"}

// SupervisionRow is one graded subject.
type SupervisionRow struct {
	SubjectKind string
	SubjectRef  string
	Height      int64
	BlockTime   string
	Events      int
	Grade       *grade.Grade
}

// Reasons lists the event lines that took points, largest first
// ("blacklist 000000000003 -400; penalty 000000000002 -120"), at most n.
func Reasons(g *grade.Grade, n int) string {
	var neg []grade.Line
	for _, l := range g.Lines {
		if l.Item == "event" && l.Points < 0 {
			neg = append(neg, l)
		}
	}
	// insertion sort by points, then event id: stable and small
	for i := 1; i < len(neg); i++ {
		for j := i; j > 0 && (neg[j].Points < neg[j-1].Points || neg[j].Points == neg[j-1].Points && neg[j].Event < neg[j-1].Event); j-- {
			neg[j], neg[j-1] = neg[j-1], neg[j]
		}
	}
	var parts []string
	for i, l := range neg {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s %d", l.Kind, l.Event, l.Points))
	}
	return strings.Join(parts, "; ")
}

// Cells renders the row under SupervisionHeader.
func (r SupervisionRow) Cells() []string {
	var ov []string
	for _, o := range r.Grade.Overrides {
		ov = append(ov, fmt.Sprintf("%s %s %s→%s", o.Kind, o.Event, o.From, o.To))
	}
	return []string{r.SubjectKind, r.SubjectRef, r.Grade.Class, strconv.FormatInt(r.Grade.Score, 10), r.Grade.ScoreClass,
		strings.Join(ov, "; "), strconv.FormatInt(r.Grade.RulesVersion, 10), strconv.FormatInt(r.Height, 10), r.BlockTime,
		strconv.Itoa(r.Events), Reasons(r.Grade, 3)}
}

// WriteSupervisionCSV writes rows as CSV (UTF-8 with a BOM, so that
// spreadsheet programs read the Chinese text).
func WriteSupervisionCSV(w io.Writer, rows []SupervisionRow) error {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	if err := cw.Write(SupervisionHeader); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.Cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteSupervisionFile writes rows to path: .xlsx (one sheet 监管名单) or
// .csv by its extension.
func WriteSupervisionFile(path string, rows []SupervisionRow) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		var b bytes.Buffer
		if err := WriteSupervisionCSV(&b, rows); err != nil {
			return err
		}
		return os.WriteFile(path, b.Bytes(), 0o644)
	case ".xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sheet := "监管名单"
		if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
			return err
		}
		head := make([]any, len(SupervisionHeader))
		for i, h := range SupervisionHeader {
			head[i] = h
		}
		if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
			return err
		}
		for i, r := range rows {
			cells := r.Cells()
			row := make([]any, len(cells))
			for j, c := range cells {
				row[j] = c
			}
			// numbers as numbers
			row[3], row[6], row[7], row[9] = r.Grade.Score, r.Grade.RulesVersion, r.Height, r.Events
			if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &row); err != nil {
				return err
			}
		}
		return f.SaveAs(path)
	}
	return fmt.Errorf("%s: the supervision list is written as .xlsx or .csv", path)
}
