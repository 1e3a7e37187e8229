package usermgmt

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// getLiveUser is getUser for writes: an erased user (a tombstone) is not
// found.
func getLiveUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*User, error) {
	u, err := getUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, ErrNotFound
	}
	return u, nil
}

// EraseHook is called by EraseUser inside its transaction, after the
// library's own tables were erased and before the status hooks: a package
// built on usermgmt (or the host) deletes or anonymises its own personal
// data of the user there, so that the erasure commits or fails as one. An
// error from the hook aborts the erasure.
type EraseHook func(ctx context.Context, tx bun.IDB, userID uuid.UUID) error

// OnErase registers a hook; hooks run in registration order.
func (s *Service) OnErase(h EraseHook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.eraseHooks = append(s.eraseHooks, h)
}

func (s *Service) eraseHookList() []EraseHook {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return append([]EraseHook(nil), s.eraseHooks...)
}

// EraseUser deletes a user the GDPR way, on behalf of an operator holding
// PermDelete, with a reason (required).
//
// What goes: every piece of personal data in the library's tables — names,
// email, phone, picture, languages, time zone, type and company, date of
// birth, country, both addresses, password hash, PSP identifiers and flags,
// the fee override, verification flags, categories, the bank account, the
// guest invitations the user made and those addressed to them, and the side
// card's counters. The email is free again for a new registration.
//
// What stays, and why: a tombstone row with the UID, creation time, status
// (Invalidated), deleted_at and deleted_by, so that the host's own records
// (bookings, listings, payments) that point at the UID stay valid and
// nobody can reuse the UID; and the audit log, which holds no personal data
// by design (field names and non-personal values only; operators are told
// not to write personal data in reasons).
//
// The status hooks run with StatusChange.Erased set, so hosts and the
// impersonation package end sessions and revoke tokens in the same
// transaction. Returns a *PermissionError, ErrNotFound (also for a user
// erased already), or a *ValidationError naming reason.
func (s *Service) EraseUser(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalid("reason", "required", "is required")
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermDelete)
		if err != nil {
			return err
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		from := u.Status
		now := s.clock()
		tomb := &User{
			ID: u.ID, Type: Individual, Status: StatusInvalidated,
			EmailNormalized: "erased:" + u.ID.String(),
			CreatedAt:       u.CreatedAt, UpdatedAt: now, DeletedAt: &now, DeletedBy: &op.ID,
		}
		// Every column is rewritten from the tombstone: nothing of the old
		// row survives but what tomb carries.
		tomb.Version = u.Version + 1
		res, err := tx.NewUpdate().Model(tomb).ExcludeColumn("id", "created_at").
			Where("id = ?", u.ID).Where("version = ?", u.Version).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usermgmt: erase user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStaleVersion
		}
		for _, q := range []*bun.DeleteQuery{
			tx.NewDelete().Model((*userRole)(nil)).Where("user_id = ?", u.ID),
			tx.NewDelete().Model((*userLanguage)(nil)).Where("user_id = ?", u.ID),
			tx.NewDelete().Model((*bankAccountRow)(nil)).Where("user_id = ?", u.ID),
			tx.NewDelete().Model((*userCategory)(nil)).Where("user_id = ?", u.ID),
			tx.NewDelete().Model((*Guest)(nil)).Where("owner_id = ? OR guest_user_id = ? OR email_normalized = ?", u.ID, u.ID, u.EmailNormalized),
		} {
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("usermgmt: erase user: %w", err)
			}
		}
		for _, h := range s.eraseHookList() {
			if err := h(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		if _, err := s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &u.ID, Action: ActionErase, Reason: reason, Fields: []string{"*"},
			Before: map[string]any{"status": from}, After: map[string]any{"status": StatusInvalidated},
		}); err != nil {
			return err
		}
		change := StatusChange{UserID: u.ID, From: from, To: StatusInvalidated, OperatorID: op.ID, Reason: reason, At: now, Erased: true}
		for _, h := range s.hooks() {
			if err := h(ctx, tx, change); err != nil {
				return err
			}
		}
		return nil
	})
}
