package usermgmt_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// exportCells is what an export should hold for a list row: text cells
// neutralised, dates in ISO 8601, counters as digits.
// exportCells is a row as the export should write it: in CSV with text
// cells neutralised by a leading quote, in XLSX as they are (typed string
// cells).
func exportCells(r usermgmt.ListRow, format usermgmt.ExportFormat) []string {
	n := func(s string) string {
		if format == usermgmt.ExportCSV && s != "" && strings.ContainsRune("=+-@\t\r\n\x00", rune(s[0])) {
			return "'" + s
		}
		return s
	}
	return []string{
		n(r.PictureURL), n(r.FullName), n(r.Email), n(r.Phone), n(r.PreferredLanguage), n(r.Timezone),
		string(r.Fees), string(r.Status), r.CreatedAt.Format(time.RFC3339),
		strconv.FormatInt(r.AskerBookings, 10), strconv.FormatInt(r.OfferorBookings, 10), strconv.FormatInt(r.Listings, 10),
		r.ID.String(),
	}
}

var exportHeader = []string{"Picture", "Full name", "Email", "Phone", "Preferred language", "Timezone", "Fees", "Status",
	"Created at", "Bookings as asker", "Bookings as offeror", "Listings", "UID"}

// readExport returns the rows of an export, header first.
func readExport(t *testing.T, format usermgmt.ExportFormat, b []byte) [][]string {
	t.Helper()
	if format == usermgmt.ExportCSV {
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Users")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		for len(r) < len(exportHeader) { // GetRows drops empty trailing cells
			r = append(r, "")
		}
		rows[i] = r
	}
	// Numbers and dates are typed cells, not text.
	if len(rows) > 1 {
		for _, col := range []string{"I", "J", "K", "L"} {
			raw, err := f.GetCellValue("Users", col+"2", excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := strconv.ParseFloat(raw, 64); err != nil {
				t.Errorf("cell %s2 = %q, want a number", col, raw)
			}
			typ, err := f.GetCellType("Users", col+"2")
			if err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
				t.Errorf("cell %s2 type = %v, %v", col, typ, err)
			}
		}
		for i := 2; i <= len(rows); i++ {
			for c := 1; c <= len(exportHeader); c++ {
				cell, _ := excelize.CoordinatesToCellName(c, i)
				if formula, err := f.GetCellFormula("Users", cell); err != nil || formula != "" {
					t.Fatalf("cell %s has formula %q (%v)", cell, formula, err)
				}
			}
		}
	}
	return rows
}

func countAudit(t *testing.T, db bun.IDB) int {
	t.Helper()
	return count(t, db, "SELECT count(*) FROM userdesk_audit_log WHERE action = ?", usermgmt.ActionUsersExport)
}

func TestExportUsers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		for _, format := range []usermgmt.ExportFormat{usermgmt.ExportCSV, usermgmt.ExportXLSX} {
			for _, c := range []struct {
				name   string
				actor  uuid.UUID
				lister uuid.UUID // an operator who sees the list as the exporter should
				q      usermgmt.ListQuery
			}{
				{"everyone, with personal data", f.finance, f.finance, usermgmt.ListQuery{}},
				{"filtered and sorted, masked", f.exporter, f.support, usermgmt.ListQuery{Sort: usermgmt.SortName, Dir: usermgmt.Asc, Roles: usermgmt.RoleFilterAnyAsker, Keyword: "e"}},
				{"nothing matches", f.admin, f.admin, usermgmt.ListQuery{Keyword: "no such user"}},
			} {
				t.Run(string(format)+"/"+c.name, func(t *testing.T) {
					want := [][]string{exportHeader}
					for _, r := range all(t, f.s, db, c.lister, c.q) {
						want = append(want, exportCells(r, format))
					}
					before := countAudit(t, db)
					var buf bytes.Buffer
					var progress []int64
					n, err := f.s.ExportUsers(ctx, db, c.actor, c.q, format, &buf, func(rows int64) { progress = append(progress, rows) })
					if err != nil {
						t.Fatal(err)
					}
					if n != int64(len(want)-1) || len(progress) == 0 || progress[len(progress)-1] != n {
						t.Fatalf("rows = %d, progress %v; want %d", n, progress, len(want)-1)
					}
					got := readExport(t, format, buf.Bytes())
					if len(got) != len(want) {
						t.Fatalf("%d rows read back, want %d", len(got), len(want))
					}
					for i := range want {
						if !slices.Equal(got[i], want[i]) {
							t.Fatalf("row %d\n got %q\nwant %q", i, got[i], want[i])
						}
					}
					if countAudit(t, db) != before+1 {
						t.Fatal("no audit record for the export")
					}
					var rec usermgmt.AuditRecord
					if err := db.NewSelect().Model(&rec).Where("action = ?", usermgmt.ActionUsersExport).OrderExpr("id DESC").Limit(1).Scan(ctx); err != nil {
						t.Fatal(err)
					}
					if rec.OperatorID == nil || *rec.OperatorID != c.actor || rec.After["format"] != string(format) ||
						rec.After["rows"] != float64(n) || rec.After["criteria"] == nil {
						t.Fatalf("audit record = %+v", rec)
					}
					if crit := rec.After["criteria"].(map[string]any); crit["keyword_given"] != (c.q.Keyword != "") || crit["keyword"] != nil {
						t.Fatalf("audit criteria = %v", crit)
					}
				})
			}
		}

		// The formula-like names were neutralised in both formats.
		for _, format := range []usermgmt.ExportFormat{usermgmt.ExportCSV, usermgmt.ExportXLSX} {
			var buf bytes.Buffer
			if _, err := f.s.ExportUsers(ctx, db, f.admin, usermgmt.ListQuery{Keyword: "formula@"}, format, &buf, nil); err != nil {
				t.Fatal(err)
			}
			rows := readExport(t, format, buf.Bytes())
			want := "'=1+2 @SUM(A1)" // CSV: the visible quote
			if format == usermgmt.ExportXLSX {
				want = "=1+2 @SUM(A1)" // XLSX: a typed string with the quote-prefix style
				xf, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				if typ, _ := xf.GetCellType("Users", "B2"); typ != excelize.CellTypeInlineString {
					t.Fatalf("B2 type %v, want an inline string", typ)
				}
				id, _ := xf.GetCellStyle("Users", "B2")
				if st, err := xf.GetStyle(id); err != nil || st.NumFmt != 49 {
					t.Fatalf("B2 style %d %+v %v: want the text format with quote prefix", id, st, err)
				}
				if w, _ := xf.GetColWidth("Users", "I"); w < 20 {
					t.Fatalf("date column width %v shows ###", w)
				}
			}
			if len(rows) != 2 || rows[1][1] != want {
				t.Fatalf("%s: rows %q", format, rows)
			}
		}

		// Refusals write nothing and record nothing.
		before := countAudit(t, db)
		var buf bytes.Buffer
		if _, err := f.s.ExportUsers(ctx, db, f.support, usermgmt.ListQuery{}, usermgmt.ExportCSV, &buf, nil); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("export without permission: %v", err)
		}
		if _, err := f.s.ExportUsers(ctx, db, f.admin, usermgmt.ListQuery{}, "pdf", &buf, nil); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("export as pdf: %v", err)
		}
		if _, err := f.s.ExportUsers(ctx, db, f.admin, usermgmt.ListQuery{Limit: 999, Cursor: "ignored"}, usermgmt.ExportCSV, &buf, nil); err != nil {
			t.Fatalf("export ignores limit and cursor: %v", err)
		}
		if buf.Len() == 0 || countAudit(t, db) != before+1 {
			t.Fatal("refused exports wrote data or audit records")
		}
	})
}

// bulkUsers inserts n plain users straight into the table.
func bulkUsers(t *testing.T, db bun.IDB, n int) {
	t.Helper()
	users := make([]usermgmt.User, n)
	for i := range users {
		id := uuid.Must(uuid.NewV7())
		email := fmt.Sprintf("bulk%d@example.com", i)
		users[i] = usermgmt.User{
			ID: id, FirstName: "Bulk", LastName: strconv.Itoa(i), Email: email, EmailNormalized: email,
			Type: usermgmt.Individual, Status: usermgmt.StatusLive, SearchText: "bulk " + email,
			CreatedAt: day(i % 365), UpdatedAt: day(i % 365), Version: 1,
		}
	}
	for start := 0; start < n; start += 1000 {
		batch := users[start:min(start+1000, n)]
		if _, err := db.NewInsert().Model(&batch).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// failingWriter fails once more than limit bytes were written.
type failingWriter struct {
	n, limit int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n > w.limit {
		return 0, errDiskFull
	}
	return len(p), nil
}

func TestExportUsersFailures(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		s := listService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		bulkUsers(t, db, 5000)
		for _, format := range []usermgmt.ExportFormat{usermgmt.ExportCSV, usermgmt.ExportXLSX} {
			t.Run(string(format)+"/cancelled", func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				calls := 0
				n, err := s.ExportUsers(ctx, db, admin, usermgmt.ListQuery{}, format, &bytes.Buffer{}, func(int64) { calls++; cancel() })
				if !errors.Is(err, context.Canceled) || calls != 1 || n >= 5000 {
					t.Fatalf("cancelled export: rows %d, progress calls %d, err %v", n, calls, err)
				}
				if countAudit(t, db) != 0 {
					t.Fatal("a cancelled export was audited")
				}
			})
		}
		t.Run("csv/writer error", func(t *testing.T) {
			n, err := s.ExportUsers(context.Background(), db, admin, usermgmt.ListQuery{}, usermgmt.ExportCSV, &failingWriter{limit: 10000}, nil)
			if !errors.Is(err, errDiskFull) || n > 2000 {
				t.Fatalf("rows %d, err %v", n, err)
			}
			if countAudit(t, db) != 0 {
				t.Fatal("a failed export was audited")
			}
		})
		t.Run("xlsx/writer error", func(t *testing.T) {
			_, err := s.ExportUsers(context.Background(), db, admin, usermgmt.ListQuery{}, usermgmt.ExportXLSX, &failingWriter{limit: 10000}, nil)
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("err %v", err)
			}
			if countAudit(t, db) != 0 {
				t.Fatal("a failed export was audited")
			}
		})
		t.Run("complete", func(t *testing.T) {
			var buf bytes.Buffer
			n, err := s.ExportUsers(context.Background(), db, admin, usermgmt.ListQuery{Sort: usermgmt.SortName}, usermgmt.ExportCSV, &buf, nil)
			if err != nil || n != 5000 {
				t.Fatalf("rows %d, err %v", n, err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(recs) != 5001 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
			seen := map[string]bool{}
			for _, r := range recs[1:] {
				if seen[r[12]] {
					t.Fatalf("user %s exported twice", r[12])
				}
				seen[r[12]] = true
			}
			if countAudit(t, db) != 1 {
				t.Fatal("the export was not audited once")
			}
		})
	})
}
