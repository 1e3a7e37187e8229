package usermgmt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"

	"github.com/userdesk/userdesk/fees"
)

// ListSort names an order of the users list.
type ListSort string

// The orders of the users list. Each is a keyset on (sort key, UID).
const (
	// SortCreated orders by creation date; the default, newest first.
	SortCreated ListSort = "created"
	// SortUpdated orders by the date of the last change.
	SortUpdated ListSort = "updated"
	// SortName orders alphabetically by last name, then first name,
	// ignoring letter case and accents ("Élodie" sorts with "Elodie").
	SortName ListSort = "name"
)

// SortDir is the direction of a sort.
type SortDir string

// The sort directions.
const (
	Asc  SortDir = "asc"
	Desc SortDir = "desc"
)

// RoleFilter restricts the users list by role.
type RoleFilter string

// The role filters. The zero value ("") keeps every user.
const (
	// RoleFilterOfferorsOnly keeps vendors who are not customers.
	RoleFilterOfferorsOnly RoleFilter = "offerors_only"
	// RoleFilterAskersOnly keeps customers who are not vendors.
	RoleFilterAskersOnly RoleFilter = "askers_only"
	// RoleFilterBoth keeps users who are vendors and customers.
	RoleFilterBoth RoleFilter = "both"
	// RoleFilterAnyOfferor keeps every vendor, customer or not.
	RoleFilterAnyOfferor RoleFilter = "offeror"
	// RoleFilterAnyAsker keeps every customer, vendor or not.
	RoleFilterAnyAsker RoleFilter = "asker"
)

// Page sizes of the users list.
const (
	// DefaultListLimit is the page size when ListQuery.Limit is zero.
	DefaultListLimit = 50
	// MaxListLimit is the largest page size ListUsers accepts.
	MaxListLimit = 200
	// MaxKeywordLen bounds ListQuery.Keyword, in characters.
	MaxKeywordLen = 200
)

// ListQuery asks for one page of the users list (and, without Limit and
// Cursor, for a count or an export). Every filter is optional: nil or
// empty means "not filtered"; filters combine with AND. Erased users are
// never listed.
type ListQuery struct {
	// Keyword searches first name, last name, full name, email, phone and
	// company name, ignoring case and accents (NormalizeSearch), as a
	// substring of each; several words must all match, in any field and any
	// order. A keyword made only of digits and phone punctuation
	// ("+33 6 12-34") also matches the phone's digits, with a national
	// leading 0 (or an international 00) dropped. A UID (36 or 32 hex
	// digits) finds exactly that user, and so does a complete email address
	// of an account (through the unique email index, whatever its letter
	// case): a pasted address means that account. An address that is no
	// account's is searched as a fragment like any other keyword. Empty: no
	// search.
	//
	// For an operator without PermReadPersonalData the search is no oracle
	// of what is masked: email and phone match only when complete (a whole
	// email address of an account; a whole phone number, international as
	// "+33612345678" or "0033…", or national as "0612345678", which must
	// then be the number but for its 1–3 digit country code, and at least
	// 7 digits; digits without a prefix are taken as international). Names, company and UID stay substring searches. Fragments
	// of an address or a number therefore find nothing, and rebuilding a
	// masked number digit by digit takes as many searches as guessing it.
	Keyword string `json:"keyword,omitempty"`
	// Roles keeps vendors, customers or both; "" keeps everyone.
	Roles RoleFilter `json:"roles,omitempty"`
	// Statuses keeps users in any of these statuses.
	Statuses []Status `json:"statuses,omitempty"`
	// HasListing keeps users with (true) or without (false) at least one
	// listing, whatever the listing's status (the listings counter).
	HasListing *bool `json:"has_listing,omitempty"`
	// Languages keeps users who speak any of these BCP 47 tags; a tag
	// without region ("en") also matches its regional forms ("en-GB").
	Languages []string `json:"languages,omitempty"`
	// CreatedFrom and CreatedTo bound the creation date: From inclusive,
	// To exclusive.
	CreatedFrom *time.Time `json:"created_from,omitempty"`
	CreatedTo   *time.Time `json:"created_to,omitempty"`
	// Fees keeps users on standard or on customized fees (fees.Override's
	// Mode).
	Fees *fees.Mode `json:"fees,omitempty"`
	// IDVerified, EmailVerified and PhoneVerified keep users whose flag
	// has this value.
	IDVerified    *bool `json:"id_verified,omitempty"`
	EmailVerified *bool `json:"email_verified,omitempty"`
	PhoneVerified *bool `json:"phone_verified,omitempty"`
	// CategoryID keeps users in this category.
	CategoryID *uuid.UUID `json:"category_id,omitempty"`
	// Sort is the order; "" means SortCreated.
	Sort ListSort `json:"sort,omitempty"`
	// Dir is the direction; "" means Desc (newest or most recently
	// updated first, Z to A for SortName).
	Dir SortDir `json:"dir,omitempty"`
	// Limit is the page size, 1–MaxListLimit; zero means
	// DefaultListLimit. Count and export ignore it.
	Limit int `json:"-"`
	// Cursor is the NextCursor of the previous page, made for the same
	// query; "" asks for the first page. Count and export ignore it.
	Cursor string `json:"-"`
}

// ListRow is one user as the users list shows it. Email and Phone are
// masked (MaskEmail, MaskPhone) unless the operator may read personal
// data; Masked says which.
type ListRow struct {
	ID                uuid.UUID `json:"id"`
	PictureURL        string    `json:"picture_url"`
	FirstName         string    `json:"first_name"`
	LastName          string    `json:"last_name"`
	FullName          string    `json:"full_name"`
	Email             string    `json:"email"`
	Phone             string    `json:"phone"`
	Masked            bool      `json:"masked"`
	PreferredLanguage string    `json:"preferred_language"`
	Timezone          string    `json:"timezone"`
	// Fees is Standard or Customized (fees.Override.Mode).
	Fees            fees.Mode `json:"fees"`
	Status          Status    `json:"status"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	AskerBookings   int64     `json:"asker_bookings"`
	OfferorBookings int64     `json:"offeror_bookings"`
	Listings        int64     `json:"listings"`
}

// ListPage is one page of the users list.
type ListPage struct {
	Items []ListRow `json:"items"`
	// NextCursor asks for the next page (ListQuery.Cursor); "" on the last
	// page.
	NextCursor string `json:"next_cursor"`
}

// ListUsers returns one page of the users list: the users matching q, in
// q's order, with email and phone masked unless the acting operator holds
// PermReadPersonalData. Pages are keyset pages: each costs the same
// whatever its depth, a user inserted or changed meanwhile never makes
// another one skipped or repeated, and no COUNT runs (CountUsers answers
// "how many").
//
// The acting operator needs PermReadUsers. Returns a *PermissionError
// (ErrForbidden), a *ValidationError (ErrInvalid) for a bad query, or
// ErrInvalidCursor for a cursor that this package did not make for this
// same query (keyword, filters and sort).
func (s *Service) ListUsers(ctx context.Context, db bun.IDB, actor uuid.UUID, q ListQuery) (ListPage, error) {
	lq, err := compileList(q)
	if err != nil {
		return ListPage{}, err
	}
	if err := lq.decodeCursor(q.Cursor); err != nil {
		return ListPage{}, err
	}
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return ListPage{}, err
	}
	if err := lq.resolve(ctx, db, s.seesPersonalData(op)); err != nil {
		return ListPage{}, err
	}
	// The page may come from a read replica (sqldb.Replicas); the
	// permissions above were read on the primary.
	recs, err := lq.fetch(sqldb.ReplicaSafe(ctx), db, lq.limit+1)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Items: make([]ListRow, 0, min(len(recs), lq.limit))}
	if len(recs) > lq.limit {
		recs = recs[:lq.limit]
		page.NextCursor = lq.encodeCursor(recs[len(recs)-1])
	}
	plain := s.Can(op, PermReadPersonalData)
	for i := range recs {
		page.Items = append(page.Items, recs[i].row(plain))
	}
	return page, nil
}

// CountUsers returns how many users match q (Limit and Cursor are
// ignored). The count is exact. Without a keyword and with no filter but
// statuses and roles it is a sum of the counters the migrations' triggers
// keep per status and role (userdesk_user_counts), whatever the number of
// users; otherwise its cost grows with the number of matching users (an
// index-only scan on PostgreSQL, a few tens of milliseconds per million
// matches): call it apart from the page, and only when the count is
// shown.
//
// The acting operator needs PermReadUsers. Returns a *PermissionError
// (ErrForbidden) or a *ValidationError (ErrInvalid).
func (s *Service) CountUsers(ctx context.Context, db bun.IDB, actor uuid.UUID, q ListQuery) (int64, error) {
	q.Limit, q.Cursor = 0, ""
	lq, err := compileList(q)
	if err != nil {
		return 0, err
	}
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return 0, err
	}
	lq.counting = true
	if err := lq.resolve(ctx, db, s.seesPersonalData(op)); err != nil {
		return 0, err
	}
	if lq.countedByCells() {
		return lq.countCells(sqldb.ReplicaSafe(ctx), db)
	}
	if n, ok, err := lq.countFromIndex(sqldb.ReplicaSafe(ctx), db); ok || err != nil {
		return n, err
	}
	n, err := lq.count(sqldb.ReplicaSafe(ctx), db)
	if err != nil {
		return 0, fmt.Errorf("usermgmt: count users: %w", err)
	}
	return n, nil
}

// listKeyword is a keyword compiled into the conditions it stands for.
type listKeyword struct {
	id       *uuid.UUID // a UID: that user only
	email    string     // a complete email address, normalised: that user only
	words    []string   // normalised words, each a substring of search_text
	phrase   string     // the whole normalised keyword (phone-like input)
	digits   string     // phone digits, national prefix dropped
	national bool       // the phone-like keyword had a national leading 0
}

// compileKeyword classifies the operator's keyword.
func compileKeyword(kw string) (listKeyword, bool) {
	kw = strings.TrimSpace(kw)
	if kw == "" {
		return listKeyword{}, false
	}
	if len(kw) == 36 || len(kw) == 32 {
		if id, err := uuid.Parse(kw); err == nil {
			return listKeyword{id: &id}, true
		}
	}
	norm := NormalizeSearch(kw)
	if norm == "" {
		return listKeyword{}, false
	}
	k := listKeyword{words: strings.Fields(norm)}
	if isEmailAddress(kw) {
		k.email = normalizeEmail(kw) // resolve keeps it only if it exists
	}
	if isPhoneLike(kw) {
		d := Digits(kw)
		switch {
		case strings.HasPrefix(d, "00"):
			d = d[2:]
		case strings.HasPrefix(d, "0"):
			d, k.national = d[1:], true
		}
		if len(d) >= 3 {
			k.digits = d
			k.phrase = norm
			k.words = nil
		}
	}
	return k, true
}

// isEmailAddress reports whether s is a whole email address (one "@",
// something on both sides, a dot in the domain, no space): the operator
// pasted an address, and wants that account.
func isEmailAddress(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(s, " \t") && !strings.Contains(domain, "@")
}

// isPhoneLike reports whether s holds only digits and phone punctuation,
// with at least three digits.
func isPhoneLike(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case strings.ContainsRune("+-.()/ \t", r):
		default:
			return false
		}
	}
	return n >= 3
}

// validate checks q and fills its defaults.
func (q *ListQuery) validate() error {
	var errs []FieldError
	bad := func(field, rule, msg string) {
		errs = append(errs, FieldError{Field: field, Rule: rule, Message: msg})
	}
	if q.Sort == "" {
		q.Sort = SortCreated
	}
	if q.Dir == "" {
		q.Dir = Desc
	}
	if q.Limit == 0 {
		q.Limit = DefaultListLimit
	}
	switch q.Sort {
	case SortCreated, SortUpdated, SortName:
	default:
		bad("sort", "oneof", "must be created, updated or name")
	}
	if q.Dir != Asc && q.Dir != Desc {
		bad("dir", "oneof", "must be asc or desc")
	}
	if q.Limit < 1 || q.Limit > MaxListLimit {
		bad("limit", "range", fmt.Sprintf("must be between 1 and %d", MaxListLimit))
	}
	if msg := textProblem(q.Keyword); msg != "" {
		bad("keyword", "text", msg)
	}
	if len([]rune(q.Keyword)) > MaxKeywordLen {
		bad("keyword", "max", fmt.Sprintf("must be at most %d characters", MaxKeywordLen))
	}
	switch q.Roles {
	case "", RoleFilterOfferorsOnly, RoleFilterAskersOnly, RoleFilterBoth, RoleFilterAnyOfferor, RoleFilterAnyAsker:
	default:
		bad("roles", "oneof", "must be offerors_only, askers_only, both, offeror or asker")
	}
	for i, st := range q.Statuses {
		if !st.Valid() {
			bad(fmt.Sprintf("statuses[%d]", i), "oneof", "must be live, in_review or invalidated")
		}
	}
	for i, l := range q.Languages {
		if msg := textProblem(l); msg != "" {
			bad(fmt.Sprintf("languages[%d]", i), "text", msg)
		} else if l == "" || len(l) > 35 || strings.ContainsAny(l, "%_! ") {
			bad(fmt.Sprintf("languages[%d]", i), "bcp47", "must be a BCP 47 language tag")
		}
	}
	if q.Fees != nil && *q.Fees != fees.Standard && *q.Fees != fees.Customized {
		bad("fees", "oneof", "must be standard or customized")
	}
	if q.CreatedFrom != nil && q.CreatedTo != nil && !q.CreatedTo.After(*q.CreatedFrom) {
		bad("created_to", "gtfield", "must be after created_from")
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}
