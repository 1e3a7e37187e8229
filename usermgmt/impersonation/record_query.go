package impersonation

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

// SQL for token records. The queries are plain bun builders and read the
// same on both dialects (RETURNING included: PostgreSQL and SQLite ≥ 3.35).

func insertRecord(ctx context.Context, db bun.IDB, r *Record) error {
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("impersonation: insert token record: %w", err)
	}
	return nil
}

// getRecord reads a record. Returns usermgmt.ErrNotFound.
func getRecord(ctx context.Context, db bun.IDB, id uuid.UUID) (*Record, error) {
	r := new(Record)
	err := db.NewSelect().Model(r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, usermgmt.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("impersonation: get token record: %w", err)
	}
	r.normalize()
	return r, nil
}

// markFirstUse stamps first_used_at if nobody did yet, in one conditional
// UPDATE, and reports whether this call did: of many concurrent first
// uses, exactly one wins.
func markFirstUse(ctx context.Context, db bun.IDB, id uuid.UUID, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*Record)(nil)).Set("first_used_at = ?", at).
		Where("id = ?", id).Where("first_used_at IS NULL").Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("impersonation: record first use: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("impersonation: record first use: %w", err)
	}
	return n == 1, nil
}

// revokeFilter selects the live tokens a revocation ends.
type revokeFilter struct {
	tokenID, userID, operatorID *uuid.UUID
}

// revokeLive revokes the live (unrevoked, unexpired) tokens f selects and
// returns them as revoked, in one UPDATE … RETURNING: a token two callers
// revoke at once is returned, and so audited, by one of them only.
func revokeLive(ctx context.Context, db bun.IDB, f revokeFilter, now time.Time, by *uuid.UUID) ([]Record, error) {
	q := db.NewUpdate().Model((*Record)(nil)).Set("revoked_at = ?", now).Set("revoked_by = ?", by).
		Where("revoked_at IS NULL").Where("expires_at > ?", now)
	if f.tokenID != nil {
		q = q.Where("id = ?", *f.tokenID)
	}
	if f.userID != nil {
		q = q.Where("user_id = ?", *f.userID)
	}
	if f.operatorID != nil {
		q = q.Where("operator_id = ?", *f.operatorID)
	}
	var out []Record
	if _, err := q.Returning("*").Exec(ctx, &out); err != nil {
		return nil, fmt.Errorf("impersonation: revoke: %w", err)
	}
	for i := range out {
		out[i].normalize()
	}
	return out, nil
}

// listLive reads one page of live tokens, newest first, after the cursor
// ID (uuid.Nil: from the start).
func listLive(ctx context.Context, db bun.IDB, f ListFilter, now time.Time, after uuid.UUID, limit int) ([]Record, error) {
	var out []Record
	q := db.NewSelect().Model(&out).Where("revoked_at IS NULL").Where("expires_at > ?", now).
		OrderExpr("id DESC").Limit(int64(limit))
	if f.UserID != nil {
		q = q.Where("user_id = ?", *f.UserID)
	}
	if f.OperatorID != nil {
		q = q.Where("operator_id = ?", *f.OperatorID)
	}
	if after != uuid.Nil {
		q = q.Where("id < ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("impersonation: list: %w", err)
	}
	for i := range out {
		out[i].normalize()
	}
	return out, nil
}
