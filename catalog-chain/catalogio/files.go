package catalogio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

const bom = "\ufeff"

// sheetRows turns raw rows (header first) into data rows, reporting a wrong
// header or a row with the wrong number of cells.
func sheetRows(s Sheet, raw [][]string, where func(i int) string) ([]Row, []Problem) {
	var out []Row
	var probs []Problem
	if len(raw) == 0 {
		return nil, nil
	}
	head := raw[0]
	for len(head) > 0 && strings.TrimSpace(head[len(head)-1]) == "" {
		head = head[:len(head)-1]
	}
	for i := range head {
		head[i] = strings.TrimSpace(strings.TrimPrefix(head[i], bom))
	}
	if strings.Join(head, ",") != strings.Join(s.Header, ",") {
		return nil, []Problem{{where(0), fmt.Sprintf("header must be %s", strings.Join(s.Header, ","))}}
	}
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
		// xlsx drops trailing empty cells
		for len(cells) < len(s.Header) {
			cells = append(cells, "")
		}
		if len(cells) != len(s.Header) {
			probs = append(probs, Problem{where(i + 1), fmt.Sprintf("%d cells, want %d (%s)", len(cells), len(s.Header), strings.Join(s.Header, ","))})
			continue
		}
		out = append(out, Row{Where: where(i + 1), Cells: cells})
	}
	return out, probs
}

// ReadCSVDir reads the five CSV files of a catalog from dir; a missing file
// counts as empty, but at least one must exist.
func ReadCSVDir(dir string) (Rows, []Problem, error) {
	rows := Rows{}
	var probs []Problem
	found := 0
	for _, s := range Sheets {
		path := filepath.Join(dir, s.File)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		found++
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(bom))))
		r.FieldsPerRecord = -1
		var raw [][]string
		var lines []int
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				probs = append(probs, Problem{s.File, err.Error()})
				break
			}
			line, _ := r.FieldPos(0)
			raw = append(raw, rec)
			lines = append(lines, line)
		}
		rs, ps := sheetRows(s, raw, func(i int) string { return fmt.Sprintf("%s line %d", s.File, lines[i]) })
		rows[s.File] = rs
		probs = append(probs, ps...)
	}
	if found == 0 {
		return nil, nil, fmt.Errorf("%s holds none of %s", dir, sheetFiles())
	}
	return rows, probs, nil
}

func sheetFiles() string {
	var n []string
	for _, s := range Sheets {
		n = append(n, s.File)
	}
	return strings.Join(n, ", ")
}

// WriteCSVDir writes the catalog's five CSV files into dir.
func WriteCSVDir(dir string, c *Catalog) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	recs := Records(c)
	for _, s := range Sheets {
		var b bytes.Buffer
		b.WriteString(bom)
		w := csv.NewWriter(&b)
		if err := w.Write(s.Header); err != nil {
			return err
		}
		if err := w.WriteAll(recs[s.File]); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, s.File), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ReadXLSX reads a catalog workbook; a missing sheet counts as empty.
func ReadXLSX(path string) (Rows, []Problem, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows := Rows{}
	var probs []Problem
	found := 0
	for _, s := range Sheets {
		if idx, err := f.GetSheetIndex(s.Name); err != nil || idx < 0 {
			continue
		}
		found++
		raw, err := f.GetRows(s.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("sheet %s: %w", s.Name, err)
		}
		rs, ps := sheetRows(s, raw, func(i int) string { return fmt.Sprintf("sheet %s row %d", s.Name, i+1) })
		rows[s.File] = rs
		probs = append(probs, ps...)
	}
	if found == 0 {
		return nil, nil, fmt.Errorf("%s has none of the sheets %s", path, sheetNames())
	}
	return rows, probs, nil
}

func sheetNames() string {
	var n []string
	for _, s := range Sheets {
		n = append(n, s.Name)
	}
	return strings.Join(n, ", ")
}

// WriteXLSX writes the catalog as one workbook, one sheet per part, every
// cell as text.
func WriteXLSX(path string, c *Catalog) error {
	f := excelize.NewFile()
	defer f.Close()
	recs := Records(c)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, s := range Sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(s.Name)
		if err != nil {
			return err
		}
		if err := sw.SetColWidth(1, len(s.Header), 18); err != nil {
			return err
		}
		head := make([]any, len(s.Header))
		for j, h := range s.Header {
			head[j] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for r, rec := range recs[s.File] {
			row := make([]any, len(rec))
			for j, v := range rec {
				row[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.SaveAs(path)
}
