package impersonation

import (
	"context"
	"encoding/base64"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// ListFilter selects and pages live impersonations.
type ListFilter struct {
	// UserID keeps the impersonations of one user; nil keeps all.
	UserID *uuid.UUID
	// OperatorID keeps one operator's impersonations; nil keeps all.
	OperatorID *uuid.UUID
	// Limit is the page size, 1–200; zero means 50.
	Limit int
	// Cursor is the next-page cursor of the previous page; empty for the
	// first.
	Cursor string
}

// ListActive returns the live impersonations (neither revoked nor
// expired), newest first, one page at a time (keyset pagination on the
// token ID), and the cursor of the next page ("" on the last page): the
// admin screen of who is acting as whom. The acting operator needs
// usermgmt.PermImpersonate, and sees every operator's impersonations, so
// it can report or (with Config.RevokeOthers) revoke them.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden),
// usermgmt.ErrInvalidCursor, or a *usermgmt.ValidationError for a bad
// limit.
func (s *Service) ListActive(ctx context.Context, db bun.IDB, actor uuid.UUID, f ListFilter) ([]Record, string, error) {
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, "", usermgmt.Invalid("limit", "range", "must be between 1 and 200")
	}
	var after uuid.UUID
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err != nil || len(b) != len(after) {
			return nil, "", usermgmt.ErrInvalidCursor
		}
		copy(after[:], b)
		if after.Version() != 7 {
			return nil, "", usermgmt.ErrInvalidCursor
		}
	}
	if _, err := s.users.Authorize(ctx, db, actor, usermgmt.PermImpersonate); err != nil {
		return nil, "", err
	}
	recs, err := listLive(ctx, db, f, s.clock(), after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1].ID
		next = base64.RawURLEncoding.EncodeToString(last[:])
	}
	return recs, next, nil
}
