package usermgmt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/hotsql"
)

// SQL of the users list. The statements read the same on both dialects:
// LIKE over columns normalised in Go, row-value comparisons for the keyset,
// EXISTS probes into the join tables. Only the indexes differ (migration
// 20261122000006): pg_trgm GIN indexes make the LIKE an index search on
// PostgreSQL; SQLite reads rare words from its FTS5 trigram index with
// MATCH (user_list_fts.go) and checks frequent ones row by row while
// walking a sort index.

// listRecord is what one list row reads from userdesk_users.
type listRecord struct {
	bun.BaseModel `bun:"table:userdesk_users,alias:u"`

	ID                uuid.UUID `bun:"id,type:uuid"`
	PictureURL        string    `bun:"picture_url"`
	FirstName         string    `bun:"first_name"`
	LastName          string    `bun:"last_name"`
	Email             string    `bun:"email"`
	Phone             string    `bun:"phone"`
	PreferredLanguage string    `bun:"preferred_language"`
	Timezone          string    `bun:"timezone"`
	Status            Status    `bun:"status"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
	SortName          string    `bun:"sort_name"`
	Listings          int64     `bun:"listings_count"`
	AskerBookings     int64     `bun:"asker_bookings_count"`
	OfferorBookings   int64     `bun:"offeror_bookings_count"`
	FeeCustomized     bool      `bun:"fee_customized"`
}

// listColumns are the columns listRecord reads; fee_customized is the rule
// of fees.Override.Mode in SQL.
const listColumns = "u.id, u.picture_url, u.first_name, u.last_name, u.email, u.phone, " +
	"u.preferred_language, u.timezone, u.status, u.created_at, u.updated_at, u.sort_name, " +
	listColumnsTail

// listColumnsSQLite are listColumns on SQLite, with the two timestamps read
// as text. modernc.org/sqlite turns a column declared TIMESTAMP into a
// time.Time itself, first trying (and failing, an error allocated each
// time) the layout of time.Time.String before the one bun writes: 13 % of
// the server's CPU for a page of 50 rows under load (BENCHMARKS.md, issue
// 18). An expression has no declared type, so the driver hands the text
// to bun, which parses it once in the layout it wrote.
const listColumnsSQLite = "u.id, u.picture_url, u.first_name, u.last_name, u.email, u.phone, " +
	"u.preferred_language, u.timezone, u.status, CAST(u.created_at AS TEXT) AS created_at, " +
	"CAST(u.updated_at AS TEXT) AS updated_at, u.sort_name, " + listColumnsTail

const listColumnsTail = "u.listings_count, u.asker_bookings_count, u.offeror_bookings_count, " +
	"(" + feesCustomizedSQL + ") AS fee_customized"

// listColumnsOf returns the list's columns for db's dialect.
func listColumnsOf(db bun.IDB) string {
	if db.Dialect().Name() == dialect.SQLite {
		return listColumnsSQLite
	}
	return listColumns
}

// feesCustomizedSQL is true for a user on customized fees: the switch off
// and at least one fee field set (fees.Override.Mode).
const feesCustomizedSQL = "u.fee_use_standard = ? AND (u.fee_asker_percent IS NOT NULL OR " +
	"u.fee_asker_fixed IS NOT NULL OR u.fee_offeror_percent IS NOT NULL OR u.fee_offeror_fixed IS NOT NULL)"

// row turns the record into a list row, masking email and phone unless
// plain is true.
func (r *listRecord) row(plain bool) ListRow {
	row := ListRow{
		ID: r.ID, PictureURL: r.PictureURL, FirstName: r.FirstName, LastName: r.LastName,
		Email: r.Email, Phone: r.Phone, Masked: !plain,
		PreferredLanguage: r.PreferredLanguage, Timezone: r.Timezone, Fees: fees.Standard, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		AskerBookings: r.AskerBookings, OfferorBookings: r.OfferorBookings, Listings: r.Listings,
	}
	row.FullName = (&User{FirstName: r.FirstName, LastName: r.LastName}).FullName()
	if r.FeeCustomized {
		row.Fees = fees.Customized
	}
	if !plain {
		row.Email, row.Phone = MaskEmail(r.Email), MaskPhone(r.Phone)
	}
	return row
}

// listQuery is a validated ListQuery ready to run.
type listQuery struct {
	q       ListQuery
	kw      listKeyword
	hasKW   bool
	limit   int
	sortCol string // "u.created_at", "u.updated_at" or "u.sort_name"
	after   *listKey
	fp      string // fingerprint of the query, bound into cursors
	// personal is true when the operator may read personal data, and so
	// search email and phone by fragments.
	personal bool
	// counting is true for CountUsers: on SQLite every word the trigram
	// index can serve goes through it, without a probe.
	counting bool
	// fts marks the keyword words (by index) that SQLite looks up in its
	// FTS5 trigram index (userdesk_user_search) rather than checking row
	// by row with LIKE while walking the sort index.
	fts map[int]bool
	// ftsDriven is true when the statement reads the FTS5 matches itself
	// (count): where then adds no membership test.
	ftsDriven bool
	// hot, while selectQuery runs for a page that goes through the
	// statement cache (fetch), numbers the cursor's values as arguments.
	hot *hotsql.Params
}

// listKey is a position in the list: the last row's sort key and UID.
type listKey struct {
	t  time.Time // SortCreated, SortUpdated
	s  string    // SortName
	id uuid.UUID
}

// compileList validates q and prepares its SQL. Returns a *ValidationError.
func compileList(q ListQuery) (*listQuery, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	lq := &listQuery{q: q, limit: q.Limit}
	lq.kw, lq.hasKW = compileKeyword(q.Keyword)
	switch q.Sort {
	case SortUpdated:
		lq.sortCol = "u.updated_at"
	case SortName:
		lq.sortCol = "u.sort_name"
	default:
		lq.sortCol = "u.created_at"
	}
	lq.fp = fingerprint(q)
	return lq, nil
}

// resolve settles what a keyword that is a complete email address means:
// that account when one has it, else a fragment search like any keyword;
// personal says whether the operator may search personal data by
// fragments.
func (lq *listQuery) resolve(ctx context.Context, db bun.IDB, personal bool) error {
	lq.personal = personal
	if err := lq.planSearch(ctx, db); err != nil {
		return err
	}
	if lq.kw.email == "" {
		return nil
	}
	ok, err := db.NewSelect().Model((*User)(nil)).Where("email_normalized = ?", lq.kw.email).Where("deleted_at IS NULL").Exists(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: list users: %w", err)
	}
	if !ok {
		lq.kw.email = ""
	}
	return nil
}

// keyOf returns the keyset position of r.
func (lq *listQuery) keyOf(r *listRecord) listKey {
	k := listKey{id: r.ID}
	switch lq.q.Sort {
	case SortUpdated:
		k.t = r.UpdatedAt.UTC()
	case SortName:
		k.s = r.SortName
	default:
		k.t = r.CreatedAt.UTC()
	}
	return k
}

// fetch reads up to n rows after lq.after.
//
// A page without a keyword, a date range or a category is a statement
// whose text depends only on the filters' shape and the page size (its
// cursor, the one value that changes from page to page, is bound as an
// argument): on a database opened by sqldb it is compiled (SQLite) or
// prepared (PostgreSQL) once per connection, as the detail view's is
// (scanOne), which saves SQLite's compile and PostgreSQL's parse and plan
// on every page. Keywords, dates and category IDs are values an operator
// types or picks freely: their statements stay one-off text (bun writes
// them in), so they do not crowd the per-connection caches.
func (lq *listQuery) fetch(ctx context.Context, db bun.IDB, n int) ([]listRecord, error) {
	recs := make([]listRecord, 0, n)
	q := lq.q
	if mode := hotsql.ModeOf(db); mode != hotsql.Inline && n <= MaxListLimit+1 && !lq.hasKW && q.CreatedFrom == nil && q.CreatedTo == nil && q.CategoryID == nil {
		lq.hot = hotsql.NewParams(mode)
	}
	sq := lq.selectQuery(db, &recs, n)
	qctx := ctx
	if lq.hot != nil {
		var err error
		qctx, err = hotsql.Bind(ctx, db, sq, lq.hot)
		lq.hot = nil
		if err != nil {
			return nil, fmt.Errorf("usermgmt: list users: %w", err)
		}
	}
	if err := sq.Scan(qctx); err != nil {
		return nil, fmt.Errorf("usermgmt: list users: %w", err)
	}
	return recs, nil
}

// selectQuery is the SELECT of up to n rows after lq.after into dest.
//
// A page (a few dozen rows) finds its UIDs first, then reads their rows:
// the sort indexes carry status and listings_count, so a page filtered on
// those (and on roles, languages or categories, probed through their own
// indexes) walks the sort index alone and reads the wide rows of the page
// only, not of every row the filters turn down. An export batch reads
// every row it walks anyway, so it selects the rows directly, which saves
// the second lookup per row.
func (lq *listQuery) selectQuery(db bun.IDB, dest *[]listRecord, n int) *bun.SelectQuery {
	dir := " DESC"
	if lq.q.Dir == Asc {
		dir = " ASC"
	}
	page := n <= MaxListLimit+1
	var sq *bun.SelectQuery
	if page {
		sq = db.NewSelect().TableExpr("userdesk_users AS u").ColumnExpr("u.id")
	} else {
		sq = db.NewSelect().Model(dest).ColumnExpr(listColumnsOf(db), false)
	}
	sq = lq.where(sq)
	if k := lq.after; k != nil {
		var key any = k.t
		if lq.q.Sort == SortName {
			key = k.s
		}
		op := "<"
		if lq.q.Dir == Asc {
			op = ">"
		}
		sq = sq.Where("("+lq.sortCol+", u.id) "+op+" (?, ?)", lq.hot.Param(key), lq.hot.Param(k.id))
	}
	sq = sq.OrderExpr(lq.sortCol + dir).OrderExpr("u.id" + dir).Limit(int64(n))
	if !page {
		return sq
	}
	return db.NewSelect().Model(dest).ColumnExpr(listColumnsOf(db), false).Where("u.id IN (?)", sq).
		OrderExpr(lq.sortCol + dir).OrderExpr("u.id" + dir)
}

// count counts the matching users.
func (lq *listQuery) count(ctx context.Context, db bun.IDB) (int64, error) {
	var n int64
	sq := db.NewSelect().TableExpr("userdesk_users AS u").ColumnExpr("count(*)")
	if ws := lq.ftsWords(); len(ws) > 0 {
		// SQLite, a keyword with other filters: start from the index's
		// matches and read only their users (the planner would otherwise
		// walk a filter's index, the status index of nearly every user,
		// and look each one up in the list of matches).
		lq.ftsDriven = true
		sq = db.NewSelect().TableExpr("userdesk_user_search AS f CROSS JOIN userdesk_user_search_ids AS i CROSS JOIN userdesk_users AS u").
			ColumnExpr("count(*)").Where("userdesk_user_search MATCH ?", ftsMatchExpr(lq.personal, ws)).
			Where("i.rowid = f.rowid").Where("u.id = i.user_id")
	}
	if err := lq.where(sq).Scan(ctx, &n); err != nil {
		return 0, err
	}
	return n, nil
}

// likeEscape is the LIKE escape character: not a backslash, whose meaning
// in string literals differs between SQL dialects and settings.
const likeEscape = "!"

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")

// minNationalDigits is the shortest national number (without its leading
// 0) that a search by a complete national phone number accepts.
const minNationalDigits = 7

// containsPattern returns the LIKE pattern matching s as a substring.
func containsPattern(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}

// where adds the query's filters and keyword to sq.
func (lq *listQuery) where(sq *bun.SelectQuery) *bun.SelectQuery {
	q := lq.q
	sq = sq.Where("u.deleted_at IS NULL")
	if lq.hasKW {
		switch k := lq.kw; {
		case k.id != nil:
			sq = sq.Where("u.id = ?", *k.id)
		case k.email != "":
			sq = sq.Where("u.email_normalized = ?", k.email)
		case k.digits != "" && lq.personal:
			sq = sq.Where("(u.phone_digits LIKE ? ESCAPE '"+likeEscape+"' OR u.search_text LIKE ? ESCAPE '"+likeEscape+"')",
				containsPattern(k.digits), containsPattern(k.phrase))
		case k.digits != "" && !k.national:
			sq = sq.Where("(u.phone_digits = ? OR u.name_text LIKE ? ESCAPE '"+likeEscape+"')", k.digits, containsPattern(k.phrase))
		case k.digits != "" && len(k.digits) >= minNationalDigits:
			// A whole national number: the stored digits are its country
			// code (1 to 3 digits) followed by it.
			sq = sq.Where("((u.phone_digits LIKE ? ESCAPE '"+likeEscape+"' AND length(u.phone_digits) BETWEEN ? AND ?) OR u.name_text LIKE ? ESCAPE '"+likeEscape+"')",
				"%"+likeEscaper.Replace(k.digits), len(k.digits)+1, len(k.digits)+3, containsPattern(k.phrase))
		case k.digits != "":
			sq = sq.Where("u.name_text LIKE ? ESCAPE '"+likeEscape+"'", containsPattern(k.phrase))
		default:
			col := "u.search_text"
			if !lq.personal {
				col = "u.name_text"
			}
			if ws := lq.ftsWords(); len(ws) > 0 && !lq.ftsDriven {
				sq = sq.Where("u.id IN ("+ftsMatches+")", ftsMatchExpr(lq.personal, ws))
			}
			for i, w := range k.words {
				if lq.fts[i] && ftsExact(w) {
					continue
				}
				sq = sq.Where(col+" LIKE ? ESCAPE '"+likeEscape+"'", containsPattern(w))
			}
		}
	}
	// On PostgreSQL the roles and languages are read from userdesk_users'
	// filter columns, which ride in the sort indexes (migration
	// 20261203000401): a filtered page is an index-only walk that probes
	// no join table. SQLite probes the join tables.
	pg := sq.Dialect().Name() == dialect.PG
	if len(q.Statuses) > 0 {
		if lq.walkSortIndex(sq) {
			// SQLite would otherwise start from the status index and sort
			// every live user for a name or update order; "+" keeps the
			// condition a row check while it walks the order's index.
			sq = sq.Where("+u.status IN (?)", bun.List(q.Statuses))
		} else {
			sq = sq.Where("u.status IN (?)", bun.List(q.Statuses))
		}
	}
	if q.HasListing != nil {
		if *q.HasListing {
			sq = sq.Where("u.listings_count > 0")
		} else {
			sq = sq.Where("u.listings_count = 0")
		}
	}
	if len(q.Languages) > 0 && pg {
		// language_keys holds each spoken tag and its primary subtag, so
		// "fr" meets "fr" and "fr-CA", and "fr-CA" only itself.
		sq = sq.Where("u.language_keys && ARRAY[?]::text[]", bun.List(q.Languages))
	} else if len(q.Languages) > 0 {
		var conds []string
		var args []any
		for _, l := range q.Languages {
			conds = append(conds, "l.language = ?")
			args = append(args, l)
			if !strings.Contains(l, "-") {
				conds = append(conds, "l.language LIKE ?")
				args = append(args, l+"-%")
			}
		}
		sq = sq.Where("EXISTS (SELECT 1 FROM userdesk_user_languages AS l WHERE l.user_id = u.id AND ("+
			strings.Join(conds, " OR ")+"))", args...)
	}
	// The roles come after the status, listings and languages: on
	// SQLite, which checks the conditions in this order while it walks a
	// sort index, the two role probes run only for the rows the cheaper
	// checks kept (half the time of the filtered, name-sorted page at a
	// million users).
	const hasRole = "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = ?)"
	switch {
	case q.Roles == "":
	case pg:
		// The mask of userdesk_user_counts' cells (roleMasks).
		sq = sq.Where("u.role_mask IN (?)", bun.List(roleMasks[q.Roles]))
	case q.Roles == RoleFilterAnyOfferor:
		sq = sq.Where(hasRole, RoleOfferor)
	case q.Roles == RoleFilterAnyAsker:
		sq = sq.Where(hasRole, RoleAsker)
	case q.Roles == RoleFilterBoth:
		sq = sq.Where(hasRole, RoleOfferor).Where(hasRole, RoleAsker)
	case q.Roles == RoleFilterOfferorsOnly:
		sq = sq.Where(hasRole, RoleOfferor).Where("NOT "+hasRole, RoleAsker)
	case q.Roles == RoleFilterAskersOnly:
		sq = sq.Where(hasRole, RoleAsker).Where("NOT "+hasRole, RoleOfferor)
	}
	if q.CreatedFrom != nil {
		sq = sq.Where("u.created_at >= ?", q.CreatedFrom.UTC())
	}
	if q.CreatedTo != nil {
		sq = sq.Where("u.created_at < ?", q.CreatedTo.UTC())
	}
	if q.Fees != nil {
		if *q.Fees == fees.Customized {
			sq = sq.Where("("+feesCustomizedSQL+")", false)
		} else {
			sq = sq.Where("NOT ("+feesCustomizedSQL+")", false)
		}
	}
	for _, f := range []struct {
		col string
		v   *bool
	}{{"u.id_verified", q.IDVerified}, {"u.email_verified", q.EmailVerified}, {"u.phone_verified", q.PhoneVerified}} {
		if f.v != nil {
			sq = sq.Where(f.col+" = ?", *f.v)
		}
	}
	if q.CategoryID != nil {
		sq = sq.Where("EXISTS (SELECT 1 FROM userdesk_user_categories AS c WHERE c.user_id = u.id AND c.category_id = ?)", *q.CategoryID)
	}
	return sq
}
