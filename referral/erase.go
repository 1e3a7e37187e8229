package referral

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// eraseUser is the usermgmt erase hook (registered by New), run inside
// usermgmt.EraseUser's transaction.
//
// What stays: the account row under the tombstone UID with its balance,
// version, referrer and referral status, and every ledger entry's amount,
// balance after, kind, actor, referee and time. So the erased user's
// ledger still adds up, and so do the referrer's (its consumption entry
// names the tombstone UID) and the referees'.
//
// What goes: the referral code (nobody can use it again), the reasons and
// idempotency keys of the user's ledger entries (free text written by an
// operator or the host), the user's stored idempotency keys, and the
// device digests.
//
// It also feeds the "erased soon after" signal: a referee erased within
// Config.ErasedReferees.Window of the referral counts against the
// referrer, and the Threshold-th one raises FlagErasedReferees.
func (s *Service) eraseUser(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	now := s.clock()
	a, err := getAccount(ctx, tx, userID, true)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if a != nil {
		soon := a.ReferrerID != nil && a.ReferredAt != nil && now.Sub(*a.ReferredAt) <= s.cfg.ErasedReferees.Window
		if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("code = NULL").Set("code_created_at = NULL").
			Set("erased_at = ?", now).Set("erased_soon = ?", soon).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("referral: erase: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*Entry)(nil)).Set("reason = ''").Set("idempotency_key = ''").
			Where("user_id = ?", userID).Where("reason <> '' OR idempotency_key <> ''").Exec(ctx); err != nil {
			return fmt.Errorf("referral: erase: %w", err)
		}
		if soon {
			n, err := tx.NewSelect().Model((*Account)(nil)).Where("referrer_id = ?", *a.ReferrerID).
				Where("erased_soon = ?", true).Count(ctx)
			if err != nil {
				return fmt.Errorf("referral: erase: %w", err)
			}
			if n >= int64(s.cfg.ErasedReferees.Threshold) {
				detail := fmt.Sprintf("%d referees erased within %s of their referral", n, s.cfg.ErasedReferees.Window)
				if _, err := raise(ctx, tx, *a.ReferrerID, nil, FlagErasedReferees, detail, now); err != nil {
					return err
				}
			}
		}
	}
	// An operator's reason for clearing a flag is free text about the
	// two users of the flag.
	if _, err := tx.NewUpdate().Model((*Flag)(nil)).Set("clear_reason = ''").
		Where("referrer_id = ? OR referee_id = ?", userID, userID).Where("clear_reason <> ''").Exec(ctx); err != nil {
		return fmt.Errorf("referral: erase: %w", err)
	}
	if _, err := tx.NewDelete().Model((*idempotencyKey)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("referral: erase: %w", err)
	}
	if _, err := tx.NewDelete().Model((*deviceRow)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("referral: erase: %w", err)
	}
	return nil
}
