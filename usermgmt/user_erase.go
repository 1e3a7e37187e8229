package usermgmt

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/userdesk/userdesk/sqldb"
)

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
// The reasons operators typed in audit records about the user (free text
// that may name them) are deleted from beside the log; the records
// themselves stay, append-only. The OnErase hooks (the impersonation
// package blanks its token reasons there; referral, activity and the
// others delete their rows) and the status hooks (StatusChange.Erased set:
// sessions end, tokens are revoked) run in the same transaction.
//
// What stays, and why: a tombstone row with the UID, creation time, status
// (Invalidated), deleted_at and deleted_by, so that the host's own records
// (bookings, listings, payments) that point at the UID stay valid and
// nobody can reuse the UID; the audit log, which holds no personal data by
// design (field names and non-personal values only); and the erasure's own
// record with its reason, the accountability of the erasure (operators
// write a ticket reference there, not the user's data).
//
// On the storage: on SQLite (opened by sqldb.OpenSQLite, secure_delete on)
// the overwritten and deleted content is zeroed in the file, and when db
// is the *bun.DB itself EraseUser checkpoints the write-ahead log after
// the commit (sqldb.Checkpoint), so the erased values are readable neither
// in the file nor in its -wal; inside a host's transaction the host calls
// sqldb.Checkpoint after its commit. On PostgreSQL the old row versions
// stay in the table's pages as dead tuples until VACUUM (or autovacuum)
// reclaims them and later writes reuse the space, and in the WAL segments
// and base backups until those are recycled: run VACUUM on the userdesk_
// tables after erasures when that matters, and size backup retention to
// the erasure policy.
//
// Returns a *PermissionError, ErrNotFound (also for a user erased
// already), or a *ValidationError naming reason.
func (s *Service) EraseUser(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalid("reason", "required", "is required")
	}
	if err := CheckText("reason", reason); err != nil {
		return err
	}
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
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
		if err := eraseAuditReasons(ctx, tx, u.ID); err != nil {
			return err
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
	if err != nil {
		return err
	}
	if _, own := db.(*bun.DB); own {
		return sqldb.Checkpoint(ctx, db)
	}
	return nil
}
