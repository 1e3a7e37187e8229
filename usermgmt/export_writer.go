package usermgmt

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
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

// xlsxSheetName is the first sheet's name; the next ones are "Users (2)"…
const xlsxSheetName = "Users"

// xlsxExport writes an Office Open XML workbook straight to the
// destination: a zip archive (DEFLATE at its fastest level) whose sheet
// parts are streamed row by row, text as inline strings, counters as
// numbers and dates as date serial numbers under an ISO 8601 number
// format. Memory stays flat: nothing but the zip writer's window and a
// 64 KiB buffer is held. The parts that list the sheets (workbook, its
// relationships, content types) are written last, when the number of
// sheets is known; the order of parts in the archive does not matter.
type xlsxExport struct {
	zw      *zip.Writer
	bw      *bufio.Writer // the open sheet part
	maxRows int           // rows per sheet, header included
	sheets  int
	row     int // last row written on the open sheet
	err     error
	num     []byte
}

func newXLSXExport(w io.Writer, maxRows int) (*xlsxExport, error) {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	e := &xlsxExport{zw: zw, maxRows: maxRows}
	for _, p := range [][2]string{{"_rels/.rels", xlsxRootRels}, {"xl/styles.xml", xlsxStyles}} {
		if err := e.part(p[0], p[1]); err != nil {
			return nil, fmt.Errorf("usermgmt: export: %w", err)
		}
	}
	if err := e.nextSheet(); err != nil {
		return nil, fmt.Errorf("usermgmt: export: %w", err)
	}
	return e, nil
}

// part writes a whole part.
func (e *xlsxExport) part(name, content string) error {
	f, err := e.zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, content)
	return err
}

// endSheet closes the open sheet part.
func (e *xlsxExport) endSheet() error {
	if e.bw == nil {
		return nil
	}
	_, _ = e.bw.WriteString("</sheetData></worksheet>")
	err := e.bw.Flush()
	e.bw = nil
	return err
}

// nextSheet closes the open sheet and starts the next one with the header
// row.
func (e *xlsxExport) nextSheet() error {
	if err := e.endSheet(); err != nil {
		return err
	}
	e.sheets++
	f, err := e.zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", e.sheets))
	if err != nil {
		return err
	}
	e.bw = bufio.NewWriterSize(f, 64<<10)
	_, _ = e.bw.WriteString(xml.Header + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + xlsxCols + `<sheetData>`)
	e.row = 1
	_, _ = e.bw.WriteString(`<row r="1">`)
	for i, h := range exportColumns {
		e.text(i, h)
	}
	_, err = e.bw.WriteString(`</row>`)
	return err
}

// xlsxWidths are the columns' widths in characters, wide enough for a
// date in the ISO 8601 format (20 characters) and a UUID (36), so that no
// cell shows as ###.
var xlsxWidths = [len(exportColumns)]int{40, 28, 32, 18, 10, 20, 12, 12, 22, 10, 10, 10, 38}

// xlsxCols is the <cols> element of every sheet.
var xlsxCols = func() string {
	var b strings.Builder
	b.WriteString("<cols>")
	for i, w := range xlsxWidths {
		fmt.Fprintf(&b, `<col min="%d" max="%d" width="%d" customWidth="1"/>`, i+1, i+1, w)
	}
	b.WriteString("</cols>")
	return b.String()
}()

// xlsxColumns are the column letters of the export's columns.
var xlsxColumns = [len(exportColumns)]string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"}

// ref writes ` r="C7"` for column col of the current row.
func (e *xlsxExport) ref(col int) {
	_, _ = e.bw.WriteString(` r="`)
	_, _ = e.bw.WriteString(xlsxColumns[col])
	e.num = strconv.AppendInt(e.num[:0], int64(e.row), 10)
	_, _ = e.bw.Write(e.num)
	_ = e.bw.WriteByte('"')
}

// text writes an inline string cell (empty strings write no cell): a
// typed string, which a spreadsheet never evaluates. A value that looks
// like a formula also gets style 2 (quotePrefix), so that editing the
// cell keeps it text. XML escaping replaces characters XML cannot hold
// (NUL, other controls) with U+FFFD.
func (e *xlsxExport) text(col int, s string) {
	if s == "" {
		return
	}
	_, _ = e.bw.WriteString(`<c`)
	e.ref(col)
	if looksLikeFormula(s) {
		_, _ = e.bw.WriteString(` s="2"`)
	}
	_, _ = e.bw.WriteString(` t="inlineStr"><is><t xml:space="preserve">`)
	_ = xml.EscapeText(e.bw, []byte(s))
	_, _ = e.bw.WriteString(`</t></is></c>`)
}

// number writes a numeric cell; style 1 is the date format.
func (e *xlsxExport) number(col int, v []byte, style bool) {
	_, _ = e.bw.WriteString(`<c`)
	e.ref(col)
	if style {
		_, _ = e.bw.WriteString(` s="1"`)
	}
	_, _ = e.bw.WriteString(`><v>`)
	_, _ = e.bw.Write(v)
	_, _ = e.bw.WriteString(`</v></c>`)
}

// excelEpoch is day 0 of Excel's 1900 date system (which counts the
// non-existent 1900-02-29, hence the 30th).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (e *xlsxExport) write(r *ListRow) error {
	if e.err != nil {
		return e.err
	}
	if e.row >= e.maxRows {
		if e.err = e.nextSheet(); e.err != nil {
			return e.err
		}
	}
	e.row++
	e.num = strconv.AppendInt(e.num[:0], int64(e.row), 10)
	_, _ = e.bw.WriteString(`<row r="`)
	_, _ = e.bw.Write(e.num)
	_, _ = e.bw.WriteString(`">`)
	e.text(0, r.PictureURL)
	e.text(1, r.FullName)
	e.text(2, r.Email)
	e.text(3, r.Phone)
	e.text(4, r.PreferredLanguage)
	e.text(5, r.Timezone)
	e.text(6, string(r.Fees))
	e.text(7, string(r.Status))
	serial := float64(r.CreatedAt.Sub(excelEpoch)) / float64(24*time.Hour)
	e.number(8, strconv.AppendFloat(nil, serial, 'f', -1, 64), true)
	e.number(9, strconv.AppendInt(nil, r.AskerBookings, 10), false)
	e.number(10, strconv.AppendInt(nil, r.OfferorBookings, 10), false)
	e.number(11, strconv.AppendInt(nil, r.Listings, 10), false)
	e.text(12, r.ID.String())
	_, e.err = e.bw.WriteString(`</row>`)
	return e.err
}

// flush hands the rows written so far to the destination (beyond what
// DEFLATE keeps in its window), so a writer error shows at once.
func (e *xlsxExport) flush() error {
	if e.err != nil {
		return e.err
	}
	if e.err = e.bw.Flush(); e.err != nil {
		return e.err
	}
	e.err = e.zw.Flush()
	return e.err
}

func (e *xlsxExport) close() error {
	if e.err != nil {
		return e.err
	}
	if err := e.endSheet(); err != nil {
		return err
	}
	var sheets, rels, types strings.Builder
	for i := 1; i <= e.sheets; i++ {
		name := xlsxSheetName
		if i > 1 {
			name = fmt.Sprintf("%s (%d)", xlsxSheetName, i)
		}
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, name, i, i)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	parts := [][2]string{
		{"xl/workbook.xml", xml.Header + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` + sheets.String() + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() +
			fmt.Sprintf(`<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`, e.sheets+1) +
			`</Relationships>`},
		{"[Content_Types].xml", xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			types.String() + `</Types>`},
	}
	for _, p := range parts {
		if err := e.part(p[0], p[1]); err != nil {
			return err
		}
	}
	return e.zw.Close()
}

func (e *xlsxExport) abort() {}

const xlsxRootRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
	`</Relationships>`

// xlsxStyles defines style 1, dates shown as ISO 8601 UTC, and style 2,
// text with the quote prefix (kept as text when edited).
const xlsxStyles = xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd&quot;T&quot;hh:mm:ss&quot;Z&quot;"/></numFmts>` +
	`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`
