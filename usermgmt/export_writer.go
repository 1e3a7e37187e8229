package usermgmt

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// The two export formats. Both write the columns of exportColumns and
// neutralise text cells (neutralize); they differ in how numbers and dates
// are typed.

// csvExport writes CSV: dates as ISO 8601 text, counters as digits.
type csvExport struct {
	w   *csv.Writer
	rec []string
	err error
}

func newCSVExport(w io.Writer) *csvExport {
	e := &csvExport{w: csv.NewWriter(w), rec: make([]string, len(exportColumns))}
	e.err = e.w.Write(exportColumns[:])
	return e
}

func (e *csvExport) write(r *ListRow) error {
	if e.err != nil {
		return e.err
	}
	rec := e.rec
	rec[0] = neutralize(r.PictureURL)
	rec[1] = neutralize(r.FullName)
	rec[2] = neutralize(r.Email)
	rec[3] = neutralize(r.Phone)
	rec[4] = neutralize(r.PreferredLanguage)
	rec[5] = neutralize(r.Timezone)
	rec[6] = string(r.Fees)
	rec[7] = string(r.Status)
	rec[8] = r.CreatedAt.UTC().Format(time.RFC3339)
	rec[9] = strconv.FormatInt(r.AskerBookings, 10)
	rec[10] = strconv.FormatInt(r.OfferorBookings, 10)
	rec[11] = strconv.FormatInt(r.Listings, 10)
	rec[12] = r.ID.String()
	e.err = e.w.Write(rec)
	return e.err
}

func (e *csvExport) flush() error {
	if e.err != nil {
		return e.err
	}
	e.w.Flush()
	e.err = e.w.Error()
	return e.err
}

func (e *csvExport) close() error { return e.flush() }

func (e *csvExport) abort() {}

// xlsxMaxRows is how many rows an Excel sheet holds, header included.
const xlsxMaxRows = 1 << 20

// xlsxDateFormat shows creation dates as ISO 8601 UTC; the cell holds a
// date serial number, so it sorts and filters as a date.
const xlsxDateFormat = `yyyy-mm-dd"T"hh:mm:ss"Z"`

// xlsxSheetName is the first sheet's name; the next ones are "Users (2)"…
const xlsxSheetName = "Users"

// xlsxExport writes an XLSX workbook with excelize's StreamWriter.
type xlsxExport struct {
	dst       io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	maxRows   int // rows per sheet, header included
	sheets    int
	row       int // last row written on the current sheet
	dateStyle int
	cells     []any
}

func newXLSXExport(w io.Writer, maxRows int) (*xlsxExport, error) {
	f := excelize.NewFile()
	fmtCode := xlsxDateFormat
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtCode})
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("usermgmt: export: %w", err)
	}
	e := &xlsxExport{dst: w, f: f, maxRows: maxRows, dateStyle: style, cells: make([]any, len(exportColumns))}
	if err := e.nextSheet(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("usermgmt: export: %w", err)
	}
	return e, nil
}

// nextSheet flushes the current sheet and starts the next one with the
// header row.
func (e *xlsxExport) nextSheet() error {
	if e.sw != nil {
		if err := e.sw.Flush(); err != nil {
			return err
		}
	}
	e.sheets++
	name := xlsxSheetName
	if e.sheets == 1 {
		if err := e.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else {
		name = fmt.Sprintf("%s (%d)", xlsxSheetName, e.sheets)
		if _, err := e.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := e.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	e.sw = sw
	header := make([]any, len(exportColumns))
	for i, h := range exportColumns {
		header[i] = h
	}
	e.row = 1
	return sw.SetRow("A1", header)
}

func (e *xlsxExport) write(r *ListRow) error {
	if e.row >= e.maxRows {
		if err := e.nextSheet(); err != nil {
			return err
		}
	}
	e.row++
	c := e.cells
	c[0] = neutralize(r.PictureURL)
	c[1] = neutralize(r.FullName)
	c[2] = neutralize(r.Email)
	c[3] = neutralize(r.Phone)
	c[4] = neutralize(r.PreferredLanguage)
	c[5] = neutralize(r.Timezone)
	c[6] = string(r.Fees)
	c[7] = string(r.Status)
	c[8] = excelize.Cell{StyleID: e.dateStyle, Value: r.CreatedAt.UTC()}
	c[9] = r.AskerBookings
	c[10] = r.OfferorBookings
	c[11] = r.Listings
	c[12] = r.ID.String()
	cell, err := excelize.CoordinatesToCellName(1, e.row)
	if err != nil {
		return err
	}
	return e.sw.SetRow(cell, c)
}

// flush does nothing: a workbook is a zip archive whose parts excelize
// writes at the end.
func (e *xlsxExport) flush() error { return nil }

func (e *xlsxExport) close() error {
	defer e.f.Close()
	if err := e.sw.Flush(); err != nil {
		return err
	}
	return e.f.Write(e.dst)
}

func (e *xlsxExport) abort() { _ = e.f.Close() }
