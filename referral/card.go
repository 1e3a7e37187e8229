package referral

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Person names a user on the card: the referrer, a referee. Erased users
// show as a tombstone (Erased true, no name).
type Person struct {
	ID     uuid.UUID       `json:"id"`
	Name   string          `json:"name"`
	Status usermgmt.Status `json:"status"`
	Erased bool            `json:"erased"`
}

// Referee is one of the people a user referred.
type Referee struct {
	Person
	ReferredAt  time.Time      `json:"referred_at"`
	Status      ReferralStatus `json:"referral_status"`
	QualifiedAt *time.Time     `json:"qualified_at"`
}

// Card is the read model of the user page's referral card.
type Card struct {
	UserID uuid.UUID `json:"user_id"`
	// Code is the user's referral code; empty when the user never opened
	// an account (Open).
	Code string `json:"code"`
	// Referrer is who invited the user, nil for nobody.
	Referrer   *Person        `json:"referrer"`
	ReferredAt *time.Time     `json:"referred_at"`
	Status     ReferralStatus `json:"referral_status"`
	// Balance and Version are the credits and the version a "set to N"
	// must name (CreditSet.SeenVersion); ChangedBy and ChangedAt the last
	// change (ChangedBy nil: the system).
	Balance   int64      `json:"balance"`
	Version   int64      `json:"version"`
	ChangedBy *uuid.UUID `json:"changed_by"`
	ChangedAt *time.Time `json:"changed_at"`
	// Entries are the newest ledger entries; MoreEntriesBefore, when not
	// zero, is the EntryPage.Before that reads on.
	Entries           []Entry `json:"entries"`
	MoreEntriesBefore int64   `json:"more_entries_before"`
	// Referees are the people the user referred, newest first, and
	// RefereeCount how many there are in all.
	Referees     []Referee `json:"referees"`
	RefereeCount int64     `json:"referee_count"`
	// OpenFlags counts the open abuse flags on the user as a referrer.
	OpenFlags int64 `json:"open_flags"`
}

// CardOptions sizes the card's lists.
type CardOptions struct {
	// Entries is how many ledger entries, 1–100; zero means 10.
	Entries int
	// Referees is how many referees, 1–200; zero means 20.
	Referees int
}

// Card reads the referral card of a user for an operator holding PermRead:
// code, referrer, balance with its version, the newest ledger entries, the
// people the user referred with their status, and the count of open flags.
// A user without an account gets an empty card (no code, balance 0,
// version 0).
//
// Names come from usermgmt's users table, joined in the same query (the
// packages share one schema). Returns a *usermgmt.PermissionError, a
// *usermgmt.ValidationError for bad sizes, or ErrNotFound for an unknown
// or erased user.
func (s *Service) Card(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, opt CardOptions) (*Card, error) {
	if opt.Entries == 0 {
		opt.Entries = 10
	}
	if opt.Referees == 0 {
		opt.Referees = 20
	}
	if opt.Entries < 1 || opt.Entries > 100 {
		return nil, usermgmt.Invalid("entries", "range", "must be between 1 and 100")
	}
	if opt.Referees < 1 || opt.Referees > 200 {
		return nil, usermgmt.Invalid("referees", "range", "must be between 1 and 200")
	}
	if _, err := s.users.Authorize(ctx, db, actor, PermRead); err != nil {
		return nil, err
	}
	st, err := s.users.UserStanding(ctx, db, userID)
	if errors.Is(err, usermgmt.ErrNotFound) || (err == nil && st.Deleted) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c := &Card{UserID: userID, Status: StatusNone, Entries: []Entry{}, Referees: []Referee{}}
	a, err := getAccount(ctx, db, userID, false)
	if errors.Is(err, ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if a.Code != nil {
		c.Code = *a.Code
	}
	c.ReferredAt, c.Status, c.Balance, c.Version, c.ChangedBy, c.ChangedAt = a.ReferredAt, a.Status, a.Balance, a.Version, a.ChangedBy, a.ChangedAt
	if a.ReferrerID != nil {
		people, err := persons(ctx, db, *a.ReferrerID)
		if err != nil {
			return nil, err
		}
		if len(people) == 1 {
			c.Referrer = &people[0]
		}
	}
	page, err := entries(ctx, db, userID, opt.Entries, 0)
	if err != nil {
		return nil, err
	}
	c.Entries, c.MoreEntriesBefore = page.Entries, page.Before
	var rows []struct {
		UserID      uuid.UUID       `bun:"user_id"`
		ReferredAt  time.Time       `bun:"referred_at"`
		Status      ReferralStatus  `bun:"referral_status"`
		QualifiedAt *time.Time      `bun:"qualified_at"`
		FirstName   string          `bun:"first_name"`
		LastName    string          `bun:"last_name"`
		UserStatus  usermgmt.Status `bun:"status"`
		DeletedAt   *time.Time      `bun:"deleted_at"`
	}
	if err := db.NewRaw(`SELECT a.user_id, a.referred_at, a.referral_status, a.qualified_at,
u.first_name, u.last_name, u.status, u.deleted_at
FROM userdesk_referral_accounts a JOIN userdesk_users u ON u.id = a.user_id
WHERE a.referrer_id = ? ORDER BY a.referred_at DESC, a.user_id DESC LIMIT ?`, userID, opt.Referees).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("referral: card referees: %w", err)
	}
	for _, r := range rows {
		c.Referees = append(c.Referees, Referee{
			Person:     person(r.UserID, r.FirstName, r.LastName, r.UserStatus, r.DeletedAt),
			ReferredAt: r.ReferredAt.UTC(), Status: r.Status, QualifiedAt: r.QualifiedAt,
		})
	}
	if c.RefereeCount, err = db.NewSelect().Model((*Account)(nil)).Where("referrer_id = ?", userID).Count(ctx); err != nil {
		return nil, fmt.Errorf("referral: card referees: %w", err)
	}
	if c.OpenFlags, err = db.NewSelect().Model((*Flag)(nil)).Where("referrer_id = ?", userID).Where("cleared_at IS NULL").Count(ctx); err != nil {
		return nil, fmt.Errorf("referral: card flags: %w", err)
	}
	return c, nil
}

func person(id uuid.UUID, first, last string, status usermgmt.Status, deletedAt *time.Time) Person {
	p := Person{ID: id, Status: status, Erased: deletedAt != nil}
	u := usermgmt.User{FirstName: first, LastName: last}
	if !p.Erased {
		p.Name = u.FullName()
	}
	return p
}

// persons reads the names and standing of users from usermgmt's table.
func persons(ctx context.Context, db bun.IDB, ids ...uuid.UUID) ([]Person, error) {
	var rows []struct {
		ID        uuid.UUID       `bun:"id"`
		FirstName string          `bun:"first_name"`
		LastName  string          `bun:"last_name"`
		Status    usermgmt.Status `bun:"status"`
		DeletedAt *time.Time      `bun:"deleted_at"`
	}
	if err := db.NewRaw(`SELECT id, first_name, last_name, status, deleted_at FROM userdesk_users WHERE id IN (?)`,
		bun.List(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("referral: read people: %w", err)
	}
	out := make([]Person, 0, len(rows))
	for _, r := range rows {
		out = append(out, person(r.ID, r.FirstName, r.LastName, r.Status, r.DeletedAt))
	}
	return out, nil
}

// EntryPage asks for one page of a user's ledger, newest first.
type EntryPage struct {
	// Limit is the page size, 1–200; zero means 50.
	Limit int `json:"limit"`
	// Before reads the entries with a Seq below it; zero means from the
	// newest.
	Before int64 `json:"before"`
}

// Entries is one page of a ledger.
type Entries struct {
	Entries []Entry `json:"entries"`
	// Before, when not zero, is the EntryPage.Before of the next page.
	Before int64 `json:"before"`
}

// Ledger reads a page of a user's credits ledger for an operator holding
// PermRead, newest first (keyset pagination on Seq). Returns a
// *usermgmt.PermissionError or a *usermgmt.ValidationError.
func (s *Service) Ledger(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, page EntryPage) (*Entries, error) {
	if page.Limit == 0 {
		page.Limit = 50
	}
	if page.Limit < 1 || page.Limit > 200 {
		return nil, usermgmt.Invalid("limit", "range", "must be between 1 and 200")
	}
	if page.Before < 0 {
		return nil, usermgmt.Invalid("before", "min", "must not be negative")
	}
	if _, err := s.users.Authorize(ctx, db, actor, PermRead); err != nil {
		return nil, err
	}
	return entries(ctx, db, userID, page.Limit, page.Before)
}

func entries(ctx context.Context, db bun.IDB, userID uuid.UUID, limit int, before int64) (*Entries, error) {
	var es []Entry
	q := db.NewSelect().Model(&es).Where("user_id = ?", userID).OrderExpr("seq DESC").Limit(int64(limit + 1))
	if before > 0 {
		q = q.Where("seq < ?", before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("referral: read ledger: %w", err)
	}
	out := &Entries{Entries: es}
	if len(es) > limit {
		out.Entries = es[:limit]
		out.Before = es[limit-1].Seq
	}
	if out.Entries == nil {
		out.Entries = []Entry{}
	}
	return out, nil
}

// RefereeCount returns how many people a user referred (the Card's
// RefereeCount) for an operator holding PermRead, in one statement, for
// a tab bar or a list that shows the number without the card. Returns a
// *usermgmt.PermissionError, or ErrNotFound for an unknown or erased
// user.
func (s *Service) RefereeCount(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) (int64, error) {
	if _, err := s.users.Authorize(ctx, db, actor, PermRead); err != nil {
		return 0, err
	}
	var row struct {
		DeletedAt *time.Time `bun:"deleted_at"`
		Referees  int64      `bun:"referees"`
	}
	err := db.NewRaw(`SELECT u.deleted_at, (SELECT count(*) FROM userdesk_referral_accounts AS a WHERE a.referrer_id = u.id) AS referees
FROM userdesk_users AS u WHERE u.id = ?`, userID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.DeletedAt != nil) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("referral: referee count: %w", err)
	}
	return row.Referees, nil
}
