package usermgmt

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/userdesk/userdesk/sqldb"
)

// ftsProbeLimit is the number of index matches above which a page walks
// the sort index with LIKE rather than starting from the trigram index's
// matches: at 5,000 matches in a million users, one row in 200 matches,
// so a page of 50 is found within about 10,000 rows of the walk (a few
// milliseconds), while gathering, joining and sorting every match costs
// more the more there are.
const ftsProbeLimit = 5000

// ftsEligible reports whether SQLite's FTS5 trigram index can serve the
// substring search of word: it needs 3 characters or more (a trigram).
// The index is read with MATCH and a quoted phrase (ftsPhrase), in which
// every character is literal: LIKE's % and _ and FTS5's own syntax
// (" * - : ( ^ NEAR AND OR NOT) included.
func ftsEligible(word string) bool {
	return utf8.RuneCountInString(word) >= 3
}

// ftsExact reports whether the MATCH of word's phrase finds exactly the
// rows in which LIKE '%word%' (escaped) finds it, so that no LIKE needs to
// check them: a phrase of trigrams at consecutive positions is the
// substring itself. The search columns and the keyword are folded to
// lowercase ASCII (NormalizeSearch), where the trigram tokenizer's case
// folding and LIKE's ASCII case folding agree; for a word with any other
// character (should NormalizeSearch ever keep one) MATCH is a superset
// (Unicode case folding) and LIKE checks it.
func ftsExact(word string) bool {
	for i := 0; i < len(word); i++ {
		if c := word[i]; c >= 0x80 || c >= 'A' && c <= 'Z' || c == 0 {
			return false
		}
	}
	return true
}

// ftsPhrase is word as an FTS5 string: in double quotes, a quote doubled.
func ftsPhrase(word string) string {
	return `"` + strings.ReplaceAll(word, `"`, `""`) + `"`
}

// ftsMatchExpr is the FTS5 query of rows whose column holds every word
// (each a substring, in any order).
func ftsMatchExpr(personal bool, words []string) string {
	col := ftsColumn(personal)
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = col + " : " + ftsPhrase(w)
	}
	return strings.Join(parts, " AND ")
}

// walkSortIndex reports whether a page on SQLite should walk the index
// of its order with the status as a row check: a page (not a count)
// sorted by name or update time, for which SQLite has no index on status
// and that order.
func (lq *listQuery) walkSortIndex(sq *bun.SelectQuery) bool {
	return !lq.counting && lq.q.Sort != "" && lq.q.Sort != SortCreated && sq.Dialect().Name() == dialect.SQLite
}

// ftsMatches is the subquery of the UIDs whose search column matches an
// FTS5 query (one argument, ftsMatchExpr), through the FTS5 index.
const ftsMatches = "SELECT i.user_id FROM userdesk_user_search AS f JOIN userdesk_user_search_ids AS i ON i.rowid = f.rowid WHERE userdesk_user_search MATCH ?"

// ftsColumn is the indexed column a search reads: everything for an
// operator who may read personal data, the names and company otherwise.
func ftsColumn(personal bool) string {
	if personal {
		return "search_text"
	}
	return "name_text"
}

// planSearch decides, on SQLite, which keyword words go through the FTS5
// trigram index. A count sends every eligible word there. A page or an
// export probes the eligible words, longest first, for at most
// ftsProbeLimit matches: the first word under the limit (a rare or absent
// fragment) goes through the index, and the others are checked with LIKE
// on its few rows; when every word is frequent, the walk of the sort index
// finds a page fast and no word goes through the index. PostgreSQL uses
// its pg_trgm indexes and needs no plan.
func (lq *listQuery) planSearch(ctx context.Context, db bun.IDB) error {
	if !lq.hasKW || lq.kw.id != nil || lq.kw.email != "" || lq.kw.digits != "" || len(lq.kw.words) == 0 {
		return nil
	}
	if d, _ := sqldb.DialectOf(db); d != sqldb.SQLite {
		return nil
	}
	lq.fts = map[int]bool{}
	var order []int
	for i, w := range lq.kw.words {
		if ftsEligible(w) {
			order = append(order, i)
		}
	}
	if lq.counting {
		for _, i := range order {
			lq.fts[i] = true
		}
		return nil
	}
	// Longest first: the longer the fragment, the rarer it tends to be.
	for a := 1; a < len(order); a++ {
		for b := a; b > 0 && utf8.RuneCountInString(lq.kw.words[order[b]]) > utf8.RuneCountInString(lq.kw.words[order[b-1]]); b-- {
			order[b], order[b-1] = order[b-1], order[b]
		}
	}
	for _, i := range order {
		var n int
		err := db.NewRaw("SELECT count(*) FROM (SELECT 1 FROM userdesk_user_search WHERE userdesk_user_search MATCH ? LIMIT ?)",
			ftsMatchExpr(lq.personal, lq.kw.words[i:i+1]), ftsProbeLimit).Scan(ctx, &n)
		if err != nil {
			return fmt.Errorf("usermgmt: list users: %w", err)
		}
		if n < ftsProbeLimit {
			lq.fts[i] = true
			return nil
		}
	}
	return nil
}

// ftsWords returns the keyword words lq reads through the FTS5 index.
func (lq *listQuery) ftsWords() []string {
	var ws []string
	for i, w := range lq.kw.words {
		if lq.fts[i] {
			ws = append(ws, w)
		}
	}
	return ws
}

// countFromIndex counts, on SQLite, a keyword-only query (no other
// filter) straight from the FTS5 table, which holds exactly the live
// users: one MATCH of the eligible words, which reads the index's lists
// and no text; only words MATCH cannot serve exactly (shorter than 3
// characters, non-ASCII) are checked with LIKE on the table's text. No
// join back to the users. ok is false when the query is not such a
// query, or no word is eligible.
func (lq *listQuery) countFromIndex(ctx context.Context, db bun.IDB) (n int64, ok bool, err error) {
	k := lq.kw
	if !lq.hasKW || k.id != nil || k.email != "" || k.digits != "" || len(k.words) == 0 ||
		lq.q.Roles != "" || len(lq.q.Statuses) > 0 || !lq.onlyStatusAndRoles() {
		return 0, false, nil
	}
	if d, _ := sqldb.DialectOf(db); d != sqldb.SQLite {
		return 0, false, nil
	}
	ws := lq.ftsWords()
	if len(ws) == 0 {
		return 0, false, nil
	}
	sq := db.NewSelect().TableExpr("userdesk_user_search").ColumnExpr("count(*)").
		Where("userdesk_user_search MATCH ?", ftsMatchExpr(lq.personal, ws))
	for i, w := range k.words {
		if !lq.fts[i] || !ftsExact(w) {
			sq = sq.Where(ftsColumn(lq.personal)+" LIKE ? ESCAPE '"+likeEscape+"'", containsPattern(w))
		}
	}
	if err := sq.Scan(ctx, &n); err != nil {
		return 0, false, fmt.Errorf("usermgmt: count users: %w", err)
	}
	return n, true, nil
}
