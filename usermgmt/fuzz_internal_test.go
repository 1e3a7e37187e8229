package usermgmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// FuzzListCursor checks the users list's cursors: decoding anything never
// panics and answers ErrInvalidCursor or a position that re-encodes to a
// cursor decoding to the same position; a cursor made for one query
// decodes under that query to the row it was made from, and never under
// another query.
func FuzzListCursor(f *testing.F) {
	f.Add("ada", "ada", uint8(0), "lovelace ada", int64(1764590000000000000), "")
	f.Add("ada", "bob", uint8(2), "lovelace ada", int64(0), "eyJ2IjoxfQ")
	f.Add("", " ", uint8(1), "", int64(-1), "not base64!")
	f.Add("x", "x", uint8(2), "é\u00e9", int64(1), "eyJ2IjoxLCJxIjoiIiwiayI6IiIsImkiOiIifQ")
	sorts := []ListSort{SortCreated, SortUpdated, SortName}
	f.Fuzz(func(t *testing.T, kwA, kwB string, sortIdx uint8, name string, nanos int64, cursor string) {
		sort := sorts[int(sortIdx)%len(sorts)]
		qa := ListQuery{Keyword: kwA, Sort: sort}
		lqa, err := compileList(qa)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("compile %q: %v is not a *ValidationError", kwA, err)
			}
			return
		}
		// Anything as a cursor.
		if err := lqa.decodeCursor(cursor); err != nil {
			if !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("decode %q: %v", cursor, err)
			}
		} else if lqa.after != nil {
			k := *lqa.after
			again := lqa.encodeCursor(recordAt(sort, k))
			lq2, _ := compileList(qa)
			if err := lq2.decodeCursor(again); err != nil || !sameKey(*lq2.after, k) {
				t.Fatalf("cursor %q decoded to %+v, which re-encodes to %q: %v", cursor, k, again, err)
			}
		}
		// A cursor made from a row.
		if len(name) > 512 || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return
		}
		sum := sha256.Sum256([]byte(name))
		id, _ := uuid.FromBytes(sum[:16])
		at := time.Unix(0, nanos).UTC()
		rec := listRecord{ID: id, SortName: name, CreatedAt: at, UpdatedAt: at}
		lqa, _ = compileList(qa)
		c := lqa.encodeCursor(rec)
		if len(c) > maxCursorLen {
			return // a name near the limit: refused, as documented
		}
		lq, _ := compileList(qa)
		if err := lq.decodeCursor(c); err != nil {
			t.Fatalf("own cursor %q refused: %v", c, err)
		}
		if want := lq.keyOf(&rec); !sameKey(*lq.after, want) {
			t.Fatalf("own cursor decoded to %+v, want %+v", *lq.after, want)
		}
		qb := ListQuery{Keyword: kwB, Sort: sort}
		lqb, err := compileList(qb)
		if err != nil || kwA == kwB {
			return
		}
		if err := lqb.decodeCursor(c); !errors.Is(err, ErrInvalidCursor) {
			t.Fatalf("cursor of keyword %q accepted for keyword %q: %v", kwA, kwB, err)
		}
		other := sorts[(int(sortIdx)+1)%len(sorts)]
		lqc, _ := compileList(ListQuery{Keyword: kwA, Sort: other})
		if err := lqc.decodeCursor(c); !errors.Is(err, ErrInvalidCursor) {
			t.Fatalf("cursor of sort %s accepted for sort %s: %v", sort, other, err)
		}
	})
}

// recordAt is a list record at position k of sort.
func recordAt(sort ListSort, k listKey) listRecord {
	r := listRecord{ID: k.id, SortName: k.s}
	if sort != SortName {
		r.CreatedAt, r.UpdatedAt = k.t, k.t
	}
	return r
}

func sameKey(a, b listKey) bool { return a.id == b.id && a.s == b.s && a.t.Equal(b.t) }

// FuzzCompileKeyword checks the keyword classifier: it never panics, the
// normaliser is idempotent and leaves no blank word, and a keyword that is
// a UID searches that UID only.
func FuzzCompileKeyword(f *testing.F) {
	for _, s := range []string{"ada", "  Ada  LOVELACE ", "ada@example.com", "+33 6 12 34 56 78", "0612345678", "%_\\", "Ünïcødé ß",
		"0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e", "0192f0c45e0a7b3c9d1e2f3a4b5c6d7e", "a@b", "((00))123", "\u200b", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kw string) {
		if !utf8.ValidString(kw) {
			return // refused by validate before it gets here
		}
		norm := NormalizeSearch(kw)
		if again := NormalizeSearch(norm); again != norm {
			t.Fatalf("NormalizeSearch not idempotent: %q → %q → %q", kw, norm, again)
		}
		k, ok := compileKeyword(kw)
		if !ok {
			if strings.TrimSpace(kw) != "" && norm != "" {
				t.Fatalf("%q (normalised %q) compiled to no keyword", kw, norm)
			}
			return
		}
		if k.id != nil {
			if len(k.words) != 0 || k.digits != "" || k.email != "" {
				t.Fatalf("UID keyword %q also searches %+v", kw, k)
			}
			return
		}
		for _, w := range k.words {
			if w == "" || strings.ContainsAny(w, " \t\n") {
				t.Fatalf("%q compiled to a blank or spaced word %q", kw, w)
			}
		}
		if len(k.words) == 0 && k.digits == "" {
			t.Fatalf("%q compiled to a keyword that matches nothing: %+v", kw, k)
		}
		for _, r := range k.digits {
			if r < '0' || r > '9' {
				t.Fatalf("%q: digits %q", kw, k.digits)
			}
		}
	})
}

// FuzzNeutralize checks the CSV export's cells: a neutralised cell is
// never taken for a formula, written with encoding/csv its quotes always
// balance, and it reads back as exactly the neutralised value.
func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\r\n", "a\"b", "\"", "＝1", "−1", "plain", "a,b", "line\nbreak"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		n := neutralize(s)
		if looksLikeFormula(n) {
			t.Fatalf("neutralize(%q) = %q still looks like a formula", s, n)
		}
		if looksLikeFormula(s) != (n != s) || (n != s && n != "'"+s) {
			t.Fatalf("neutralize(%q) = %q", s, n)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{n, "next"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if q := strings.Count(buf.String(), `"`); q%2 != 0 {
			t.Fatalf("cell %q written as %q: %d quotes", n, buf.String(), q)
		}
		rec, err := csv.NewReader(&buf).Read()
		if err != nil || len(rec) != 2 || rec[1] != "next" {
			t.Fatalf("cell %q read back as %q, %v", n, rec, err)
		}
		// encoding/csv turns \r\n inside a quoted field into \n.
		if want := strings.ReplaceAll(n, "\r\n", "\n"); rec[0] != want {
			t.Fatalf("cell %q read back as %q", n, rec[0])
		}
	})
}
