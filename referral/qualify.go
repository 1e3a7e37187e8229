package referral

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Qualification is what Qualify did.
type Qualification struct {
	RefereeID  uuid.UUID      `json:"referee_id"`
	ReferrerID uuid.UUID      `json:"referrer_id"`
	Status     ReferralStatus `json:"status"`
	// Rewarded is true when one of the referrer's credits was consumed.
	// False means the referral is recorded but not rewarded: the referrer
	// had no credit left, or was erased. The host tells whom it needs to.
	Rewarded bool `json:"rewarded"`
	// Consumed is the referrer's KindConsumed entry; Grants the rewards
	// (Config.Rewards) as KindGranted entries. Both empty when not
	// rewarded or already qualified.
	Consumed *Entry  `json:"consumed"`
	Grants   []Entry `json:"grants"`
	// AlreadyQualified is true when the referee had qualified before: the
	// call changed nothing and Status is the recorded outcome.
	AlreadyQualified bool       `json:"already_qualified"`
	QualifiedAt      *time.Time `json:"qualified_at"`
	// Flags are abuse flags raised by the checks run again at
	// qualification (verifications may have been made since the
	// registration).
	Flags []FlagReason `json:"flags"`
}

// Qualify is the host's report that a referee's referral qualifies (the
// referee's first honoured booking, say). It consumes one credit of the
// referrer, exactly once per referee however often and however
// concurrently it is called: the referee's status moves from pending in one
// conditional UPDATE, and only the call that moved it consumes. With no
// credit left the referral is recorded as StatusUnrewarded and Rewarded is
// false. When rewarded, Config.Rewards are granted to the referrer and the
// referee. It checks no permission (a system call).
//
// Returns ErrNotFound when the referee is unknown, erased, or has no
// referrer.
func (s *Service) Qualify(ctx context.Context, db bun.IDB, refereeID uuid.UUID) (*Qualification, error) {
	var out *Qualification
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		now := s.clock()
		var referrerID uuid.UUID
		err := tx.NewRaw(`UPDATE userdesk_referral_accounts SET referral_status = ?, qualified_at = ?
WHERE user_id = ? AND referral_status = ? AND erased_at IS NULL RETURNING referrer_id`,
			StatusUnrewarded, now, refereeID, StatusPending).Scan(ctx, &referrerID)
		if errors.Is(err, sql.ErrNoRows) {
			a, err := getAccount(ctx, tx, refereeID, false)
			if err != nil {
				return err
			}
			if a.ErasedAt != nil || a.ReferrerID == nil {
				return ErrNotFound
			}
			out = &Qualification{RefereeID: refereeID, ReferrerID: *a.ReferrerID, Status: a.Status,
				Rewarded: a.Status == StatusRewarded, AlreadyQualified: true, QualifiedAt: a.QualifiedAt,
				Grants: []Entry{}, Flags: []FlagReason{}}
			return nil
		}
		if err != nil {
			return fmt.Errorf("referral: qualify: %w", err)
		}
		out = &Qualification{RefereeID: refereeID, ReferrerID: referrerID, Status: StatusUnrewarded, QualifiedAt: &now,
			Grants: []Entry{}, Flags: []FlagReason{}}
		var consumed *CreditChange
		err = tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
			var err error
			consumed, err = s.applyChange(ctx, sp, changeReq{user: referrerID, kind: KindConsumed, delta: -1,
				referee: &refereeID, reason: "referral qualified"})
			return err
		})
		switch {
		case errors.Is(err, ErrInsufficientCredits), errors.Is(err, ErrNotFound):
			// Recorded, not rewarded.
		case err != nil:
			return err
		default:
			out.Rewarded, out.Status, out.Consumed = true, StatusRewarded, consumed.Entry
			if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("referral_status = ?", StatusRewarded).
				Where("user_id = ?", refereeID).Exec(ctx); err != nil {
				return fmt.Errorf("referral: qualify: %w", err)
			}
			for _, g := range []struct {
				user   uuid.UUID
				amount int64
				reason string
			}{
				{referrerID, s.cfg.Rewards.Referrer, "referral reward (referrer)"},
				{refereeID, s.cfg.Rewards.Referee, "referral reward (referee)"},
			} {
				if g.amount == 0 {
					continue
				}
				ch, err := s.applyChange(ctx, tx, changeReq{user: g.user, kind: KindGranted, delta: g.amount,
					referee: &refereeID, reason: g.reason})
				if err != nil {
					return err
				}
				out.Grants = append(out.Grants, *ch.Entry)
			}
		}
		out.Flags, err = s.screen(ctx, tx, refereeID, referrerID, false, now)
		return err
	})
	return out, err
}
