package referral

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// ReferralStatus is where a user stands as a referee.
type ReferralStatus string

// The referral statuses.
const (
	// StatusNone: the user has no referrer.
	StatusNone ReferralStatus = "none"
	// StatusPending: the user has a referrer and has not qualified yet.
	StatusPending ReferralStatus = "pending"
	// StatusRewarded: the user qualified and one of the referrer's credits
	// was consumed for it.
	StatusRewarded ReferralStatus = "rewarded"
	// StatusUnrewarded: the user qualified but the referrer had no credit
	// left (or was erased): the referral is recorded, not rewarded.
	StatusUnrewarded ReferralStatus = "unrewarded"
)

// Account is a user's part in the referral programme: the code, the
// credits balance and the user's own referrer.
type Account struct {
	bun.BaseModel `bun:"table:userdesk_referral_accounts"`

	// UserID is the user's UID.
	UserID uuid.UUID `bun:"user_id,pk,type:uuid" json:"user_id"`
	// Code is the user's current referral code (CodeLength characters of
	// Crockford's base32); nil once the user is erased.
	Code          *string    `bun:"code" json:"code"`
	CodeCreatedAt *time.Time `bun:"code_created_at" json:"code_created_at"`
	// Balance is the number of people the user may still refer.
	Balance int64 `bun:"balance,notnull" json:"balance"`
	// Version grows by one with every ledger entry; it is the seq of the
	// newest entry, and what a "set credits to N" names.
	Version int64 `bun:"version,notnull" json:"version"`
	// LastDelta is the amount of the last change: the conditional UPDATE
	// of a "set to N" computes the difference from the row as it was and
	// returns it from here.
	LastDelta int64 `bun:"last_delta,notnull" json:"-"`
	// ChangedBy is the operator of the last credits change, nil for the
	// system; ChangedAt is when it was made.
	ChangedBy *uuid.UUID `bun:"changed_by,type:uuid" json:"changed_by"`
	ChangedAt *time.Time `bun:"changed_at" json:"changed_at"`
	// ReferrerID is who referred the user, nil for nobody; ReferredAt is
	// when it was recorded.
	ReferrerID *uuid.UUID `bun:"referrer_id,type:uuid" json:"referrer_id"`
	ReferredAt *time.Time `bun:"referred_at" json:"referred_at"`
	// Status is where the user stands as a referee; QualifiedAt is when
	// the host reported the referral as qualifying (Qualify).
	Status      ReferralStatus `bun:"referral_status,notnull" json:"referral_status"`
	QualifiedAt *time.Time     `bun:"qualified_at" json:"qualified_at"`
	// ErasedAt is set when the user was erased; ErasedSoon when that was
	// within Config.ErasedReferees.Window of the referral.
	ErasedAt   *time.Time `bun:"erased_at" json:"-"`
	ErasedSoon bool       `bun:"erased_soon,notnull" json:"-"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
}

// getAccount reads a user's account, holding its row lock on PostgreSQL
// when lock is true. Returns ErrNotFound when there is none.
func getAccount(ctx context.Context, db bun.IDB, userID uuid.UUID, lock bool) (*Account, error) {
	a := new(Account)
	q := db.NewSelect().Model(a).Where("user_id = ?", userID)
	if lock && isPostgres(db) {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("referral: get account: %w", err)
	}
	return a, nil
}

// Open opens the user's referral account, with a fresh code and
// Config.InitialCredits (a "granted" entry), or returns the account the
// user has. It checks no permission: the host calls it at registration and
// from the user's own pages (the account holds the user's code and
// balance). It is safe to call concurrently for one user.
// Returns ErrNotFound for an unknown or erased user.
func (s *Service) Open(ctx context.Context, db bun.IDB, userID uuid.UUID) (*Account, error) {
	var out *Account
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		a, err := s.ensureAccount(ctx, tx, userID)
		out = a
		return err
	})
	return out, err
}

// ensureAccount returns the user's account, creating it when missing.
// Returns ErrNotFound for an unknown or erased user.
func (s *Service) ensureAccount(ctx context.Context, tx bun.IDB, userID uuid.UUID) (*Account, error) {
	a, err := getAccount(ctx, tx, userID, false)
	if err == nil {
		if a.ErasedAt != nil {
			return nil, ErrNotFound
		}
		return a, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	st, err := s.users.UserStanding(ctx, tx, userID)
	if errors.Is(err, usermgmt.ErrNotFound) || (err == nil && st.Deleted) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	created := false
	// A new code collides with a live one with probability n/2^50: retry
	// a few times, each attempt in its own savepoint so that a unique
	// violation does not abort the caller's transaction on PostgreSQL.
	for attempt := 0; ; attempt++ {
		code, err := newCode(s.rand)
		if err != nil {
			return nil, err
		}
		a = &Account{UserID: userID, Code: &code, CodeCreatedAt: &now, Status: StatusNone, CreatedAt: now}
		if s.cfg.InitialCredits > 0 {
			a.Balance, a.Version, a.LastDelta = s.cfg.InitialCredits, 1, s.cfg.InitialCredits
		}
		err = tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
			res, err := sp.NewInsert().Model(a).On("CONFLICT (user_id) DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			created = n == 1
			return nil
		})
		if err == nil {
			break
		}
		if !sqldb.IsUniqueViolation(err) || attempt == 4 {
			return nil, fmt.Errorf("referral: open account: %w", err)
		}
	}
	if !created {
		// Another transaction opened it first.
		return getAccount(ctx, tx, userID, false)
	}
	if s.cfg.InitialCredits > 0 {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		e := &Entry{ID: id, UserID: userID, Seq: 1, Amount: s.cfg.InitialCredits, BalanceAfter: s.cfg.InitialCredits,
			Kind: KindGranted, Reason: "initial credits", CreatedAt: now}
		if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
			return nil, fmt.Errorf("referral: open account: %w", err)
		}
	}
	return a, nil
}

// RotateCode gives the user a new referral code; the old one stops working
// at once (Attach answers ErrUnknownCode for it). It checks no permission:
// the host calls it for the user themself, or from its own operator tool.
// Returns the new code, or ErrNotFound for an unknown or erased user.
func (s *Service) RotateCode(ctx context.Context, db bun.IDB, userID uuid.UUID) (string, error) {
	var code string
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.ensureAccount(ctx, tx, userID); err != nil {
			return err
		}
		now := s.clock()
		for attempt := 0; ; attempt++ {
			c, err := newCode(s.rand)
			if err != nil {
				return err
			}
			var n int64
			err = tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
				res, err := sp.NewUpdate().Model((*Account)(nil)).Set("code = ?", c).Set("code_created_at = ?", now).
					Where("user_id = ?", userID).Where("erased_at IS NULL").Exec(ctx)
				if err != nil {
					return err
				}
				n, _ = res.RowsAffected()
				return nil
			})
			if err == nil {
				if n == 0 {
					return ErrNotFound
				}
				code = c
				return nil
			}
			if !sqldb.IsUniqueViolation(err) || attempt == 4 {
				return fmt.Errorf("referral: rotate code: %w", err)
			}
		}
	})
	return code, err
}

// ownerOfCode returns the live account holding code. Returns
// ErrUnknownCode.
func ownerOfCode(ctx context.Context, db bun.IDB, code string) (uuid.UUID, error) {
	var id uuid.UUID
	err := db.NewSelect().Model((*Account)(nil)).Column("user_id").
		Where("code = ?", code).Where("erased_at IS NULL").Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, ErrUnknownCode
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("referral: find code: %w", err)
	}
	return id, nil
}
