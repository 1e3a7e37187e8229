package usermgmt

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// ActionUsersExport is the audit action of ExportUsers.
const ActionUsersExport = "users.export"

// ExportFormat is the file format of an export.
type ExportFormat string

// The export formats.
const (
	// ExportCSV is RFC 4180 CSV in UTF-8 (encoding/csv), without a BOM.
	ExportCSV ExportFormat = "csv"
	// ExportXLSX is an Office Open XML workbook (Excel 2007 and later).
	ExportXLSX ExportFormat = "xlsx"
)

// exportBatch is how many rows an export reads per keyset query.
const exportBatch = 2000

// exportColumns are the header cells of an export, in order: the list
// row's columns, in English.
var exportColumns = [...]string{
	"Picture", "Full name", "Email", "Phone", "Preferred language", "Timezone", "Fees", "Status",
	"Created at", "Bookings as asker", "Bookings as offeror", "Listings", "UID",
}

// ExportUsers writes every user matching q (same keyword, filters and
// sort as the list; Limit and Cursor are ignored; the zero ListQuery
// exports everyone) to w as CSV or XLSX, and returns the number of rows
// written (the header excluded).
//
// Rows are read in keyset batches and written as they come, so memory
// stays flat whatever the row count; rows inserted or changed during the
// export may or may not be included, but no row is written twice. The
// columns are those of ListRow: dates in ISO 8601 UTC (typed date cells in
// XLSX), counters as numbers, email and phone masked unless the operator
// holds PermReadPersonalData. A text cell that a spreadsheet would run as
// a formula (starting with =, +, -, @, tab, carriage return, line feed,
// NUL, or a full-width or small form of =, +, - or @ such as ＝ U+FF1D
// and ﹦ U+FE66) is neutralised (OWASP ASVS 5.0 1.2.10): in CSV it gets a
// leading "'", so a phone number "+33…" reads "'+33…"; in XLSX every text
// cell is a typed string cell, which is never evaluated, and such a cell
// also carries the quote-prefix style, so that editing it keeps it text,
// with no visible "'". XLSX columns have widths that show a whole date.
// An XLSX sheet holds at most 1,048,575
// users under its header; the export continues on sheets "Users (2)",
// "Users (3)", …. Both formats go straight to w, batch by batch (XLSX as
// a zip archive streamed part by part), with no temporary file.
//
// progress, when not nil, is called after each batch with the number of
// rows written so far.
//
// When every row is written, an audit record (ActionUsersExport) names the
// operator, the format, the criteria (filters and sort; only whether a
// keyword was given, since a keyword may be personal data) and the row
// count. A failed export (cancelled context, database or writer error)
// stops before its next batch, returns the error and writes no audit
// record; what reached w by then is an incomplete file.
//
// The acting operator needs PermExport. Returns a *PermissionError
// (ErrForbidden), a *ValidationError (ErrInvalid) for a bad query or
// format, the context's error, or the writer's error.
func (s *Service) ExportUsers(ctx context.Context, db bun.IDB, actor uuid.UUID, q ListQuery, format ExportFormat, w io.Writer, progress func(rows int64)) (int64, error) {
	if format != ExportCSV && format != ExportXLSX {
		return 0, invalid("format", "oneof", "must be csv or xlsx")
	}
	q.Limit, q.Cursor = 0, ""
	lq, err := compileList(q)
	if err != nil {
		return 0, err
	}
	op, err := s.Authorize(ctx, db, actor, PermExport)
	if err != nil {
		return 0, err
	}
	if err := lq.resolve(ctx, db, s.seesPersonalData(op)); err != nil {
		return 0, err
	}
	plain := s.Can(op, PermReadPersonalData)
	var out exportWriter
	if format == ExportCSV {
		out = newCSVExport(w)
	} else {
		if out, err = newXLSXExport(w, xlsxMaxRows); err != nil {
			return 0, err
		}
	}
	// The rows may come from a read replica (sqldb.Replicas); the audit
	// record below is written on the primary.
	n, err := exportRows(sqldb.ReplicaSafe(ctx), db, lq, plain, out, progress)
	if err != nil {
		out.abort()
		return n, err
	}
	if err := out.close(); err != nil {
		return n, fmt.Errorf("usermgmt: export: %w", err)
	}
	// The file is complete: record it even if the caller's context ends
	// now, so that no delivered export goes unaudited.
	_, err = s.RecordAudit(context.WithoutCancel(ctx), db, AuditEntry{
		OperatorID: &op.ID, Action: ActionUsersExport,
		After: map[string]any{"format": string(format), "rows": n, "criteria": exportCriteria(lq.q), "personal_data": plain},
	})
	if err != nil {
		return n, err
	}
	return n, nil
}

// exportRows streams the rows of lq into out, batch by batch. One
// goroutine reads the next batch while this one writes the current, so
// the database and the encoder work at the same time; at most two batches
// are in memory. The reader has stopped when exportRows returns, so the
// caller may use db (or end its transaction) at once.
func exportRows(ctx context.Context, db bun.IDB, lq *listQuery, plain bool, out exportWriter, progress func(int64)) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	type batch struct {
		recs []listRecord
		err  error
	}
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		for {
			recs, err := lq.fetch(ctx, db, exportBatch)
			select {
			case batches <- batch{recs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(recs) < exportBatch {
				return
			}
			k := lq.keyOf(&recs[len(recs)-1])
			lq.after = &k
		}
	}()
	defer func() {
		cancel()
		for range batches { // wait for the reader to stop
		}
	}()
	var n int64
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if b.err != nil {
			return n, b.err
		}
		for i := range b.recs {
			row := b.recs[i].row(plain)
			if err := out.write(&row); err != nil {
				return n, fmt.Errorf("usermgmt: export: %w", err)
			}
			n++
		}
		if err := out.flush(); err != nil {
			return n, fmt.Errorf("usermgmt: export: %w", err)
		}
		if progress != nil {
			progress(n)
		}
	}
	return n, ctx.Err()
}

// exportCriteria is the audit form of the export's query: its filters and
// sort, and whether a keyword was given.
func exportCriteria(q ListQuery) map[string]any {
	kw := q.Keyword != ""
	q.Keyword = ""
	b, _ := json.Marshal(q)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["keyword_given"] = kw
	return m
}

// exportWriter writes the rows of one export in one format.
type exportWriter interface {
	// write adds a row.
	write(r *ListRow) error
	// flush hands what was written so far to the destination, where the
	// format allows it.
	flush() error
	// close completes the file.
	close() error
	// abort releases resources after a failure.
	abort()
}

// neutralize makes a CSV cell safe from formula injection: a value that
// looksLikeFormula gets a leading "'", which spreadsheets show as text.
func neutralize(s string) string {
	if looksLikeFormula(s) {
		return "'" + s
	}
	return s
}

// looksLikeFormula reports whether a spreadsheet could take s for a
// formula: it starts with =, +, -, @, tab, carriage return, line feed or
// NUL, or with one of the full-width and small forms of =, +, - and @
// that spreadsheets treat alike (＝ U+FF1D, ﹦ U+FE66, ＋ U+FF0B,
// ﹢ U+FE62, － U+FF0D, ﹣ U+FE63, ＠ U+FF20, − U+2212).
func looksLikeFormula(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n', 0,
		'\uFF1D', '\uFE66', '\uFF0B', '\uFE62', '\uFF0D', '\uFE63', '\uFF20', '\u2212':
		return s != ""
	}
	return false
}
