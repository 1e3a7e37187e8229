package usermgmt

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
)

// TestXLSXNextSheet checks that rows past a sheet's capacity continue on
// the next sheet, each with its header (capacity lowered from Excel's
// 1,048,576 rows to 3).
func TestXLSXNextSheet(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, err := newXLSXExport(&buf, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := ListRow{ID: uuid.Must(uuid.NewV7()), FullName: fmt.Sprintf("User %d", i), CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Listings: int64(i)}
		if err := e.write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Users", "Users (2)", "Users (3)"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	n := 0
	for i, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "Picture" || rows[0][12] != "UID" {
			t.Fatalf("sheet %s header = %v", sheet, rows[0])
		}
		for _, r := range rows[1:] {
			if r[1] != fmt.Sprintf("User %d", n) {
				t.Fatalf("sheet %d: row %v, want user %d", i, r, n)
			}
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d rows read back, want 5", n)
	}
}

func TestNeutralize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+33": "'+33", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"\x00x": "'\x00x", "plain": "plain", "": "", "a=b": "a=b", "'quoted": "'quoted",
		"\nx": "'\nx", "＝1+2": "'＝1+2", "﹦1+2": "'﹦1+2", "＋33": "'＋33", "－1": "'－1", "＠SUM(A1)": "'＠SUM(A1)",
		"﹢1": "'﹢1", "﹣1": "'﹣1", "−1": "'−1", "Ødegård": "Ødegård",
	} {
		if got := neutralize(in); got != want {
			t.Errorf("neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}
