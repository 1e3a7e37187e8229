package referral

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// ActionReferrerChange is the audit action of ChangeReferrer.
const ActionReferrerChange = "referral.referrer_change"

// Signals are what the host knows about the device a referee registers
// from, for the abuse checks.
type Signals struct {
	// DeviceID identifies the device (an app installation ID, a
	// fingerprint); optional. Only its SHA-256 digest is stored.
	DeviceID string
}

// Referral is a user's referrer as recorded.
type Referral struct {
	RefereeID uuid.UUID `json:"referee_id"`
	// ReferrerID is nil when an operator removed the referrer.
	ReferrerID *uuid.UUID     `json:"referrer_id"`
	ReferredAt *time.Time     `json:"referred_at"`
	Status     ReferralStatus `json:"status"`
	// Flags are the abuse flags this write raised (see FlagReason); the
	// referral is recorded all the same, for an operator to review.
	Flags []FlagReason `json:"flags"`
}

// maxChain bounds the walk up a referrer chain; a longer chain is refused
// as if it were a cycle (it can only come from corrupted data).
const maxChain = 100_000

// Attach records the referrer of a user who registered with a referral
// code. Call it in the transaction of usermgmt.Register (see the package
// example), or within Config.AttachWindow of the registration. The
// referrer is recorded once: a user who has one gets ErrAlreadyReferred,
// whoever the code names. Opens the referee's account (Open) when needed,
// stores the device digest, and runs the abuse checks (shared verified
// phone or email, payout account, device; velocity), which flag the
// referral for review without refusing it.
//
// Returns a *usermgmt.ValidationError ("code", rule "format") for a
// malformed code, ErrUnknownCode, ErrNotFound for an unknown or erased
// referee, ErrAttachWindowClosed, ErrAlreadyReferred, ErrSelfReferral
// (the user's own code) or ErrCycle.
func (s *Service) Attach(ctx context.Context, db bun.IDB, refereeID uuid.UUID, code string, sig Signals) (*Referral, error) {
	norm, ok := NormalizeCode(code)
	if !ok {
		return nil, usermgmt.Invalid("code", "format", fmt.Sprintf("must be %d characters of 0-9 and A-Z without I, L, O, U", CodeLength))
	}
	if err := usermgmt.CheckText("device_id", sig.DeviceID); err != nil {
		return nil, err
	}
	if len(sig.DeviceID) > 1024 {
		return nil, usermgmt.Invalid("device_id", "max", "must be at most 1024 bytes")
	}
	var out *Referral
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		referee, err := s.users.GetOwnUser(asSystem(ctx), tx, refereeID)
		if errors.Is(err, usermgmt.ErrNotFound) || (err == nil && referee.Deleted()) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		now := s.clock()
		if now.Sub(referee.CreatedAt) > s.cfg.AttachWindow {
			return ErrAttachWindowClosed
		}
		referrerID, err := ownerOfCode(ctx, tx, norm)
		if err != nil {
			return err
		}
		if _, err := s.ensureAccount(ctx, tx, refereeID); err != nil {
			return err
		}
		if err := s.writeReferrer(ctx, tx, refereeID, &referrerID, true, "code", now); err != nil {
			return err
		}
		if sig.DeviceID != "" {
			if err := recordDevice(ctx, tx, refereeID, sig.DeviceID, now); err != nil {
				return err
			}
		}
		flags, err := s.screen(ctx, tx, refereeID, referrerID, true, now)
		if err != nil {
			return err
		}
		out = &Referral{RefereeID: refereeID, ReferrerID: &referrerID, ReferredAt: &now, Status: StatusPending, Flags: flags}
		return nil
	})
	return out, err
}

// ChangeReferrer sets (or, with a nil referrerID, removes) a user's
// referrer on behalf of an operator holding PermChangeReferrer, with a
// reason (required, at most 500 characters); audited
// (ActionReferrerChange, the old and new referrer IDs). Credits already
// consumed or granted for the referral stay where they are: the ledger is
// not rewritten. A qualified referral keeps its status; a pending one stays
// pending with the new referrer; a removed one goes back to StatusNone.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError,
// ErrNotFound (the referee or the new referrer unknown or erased),
// ErrSelfReferral or ErrCycle.
func (s *Service) ChangeReferrer(ctx context.Context, db bun.IDB, actor, refereeID uuid.UUID, referrerID *uuid.UUID, reason string) (*Referral, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *Referral
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, PermChangeReferrer)
		if err != nil {
			return err
		}
		before, err := s.ensureAccount(ctx, tx, refereeID)
		if err != nil {
			return err
		}
		if referrerID != nil && *referrerID != refereeID {
			if _, err := s.ensureAccount(ctx, tx, *referrerID); err != nil {
				return err
			}
		}
		now := s.clock()
		if err := s.writeReferrer(ctx, tx, refereeID, referrerID, false, "referrer_id", now); err != nil {
			return err
		}
		after, err := getAccount(ctx, tx, refereeID, false)
		if err != nil {
			return err
		}
		out = &Referral{RefereeID: refereeID, ReferrerID: after.ReferrerID, ReferredAt: after.ReferredAt, Status: after.Status, Flags: []FlagReason{}}
		if sameID(before.ReferrerID, after.ReferrerID) {
			return nil
		}
		if _, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &op.ID, UserID: &refereeID, Action: ActionReferrerChange, Reason: reason,
			Fields: []string{"referrer_id"},
			Before: map[string]any{"referrer_id": idOrNil(before.ReferrerID), "referral_status": before.Status},
			After:  map[string]any{"referrer_id": idOrNil(after.ReferrerID), "referral_status": after.Status},
		}); err != nil {
			return err
		}
		if referrerID != nil {
			out.Flags, err = s.screen(ctx, tx, refereeID, *referrerID, false, now)
		}
		return err
	})
	return out, err
}

// writeReferrer is the one place that writes a referrer. Every path that
// records or changes one (Attach, ChangeReferrer) goes through it, so the
// rules hold for all of them: never oneself (also a CHECK in the schema),
// never a cycle, and, with onlyIfNone, never a second referrer. The
// referee's account must exist (ensureAccount).
//
// Cycles: the referee's row is locked, then the chain above the new
// referrer is walked one row at a time, each row locked (FOR UPDATE on
// PostgreSQL) before its referrer is read. Two concurrent writes that would
// together close a cycle therefore meet on a locked row: the second waits,
// then reads the first's committed edge and refuses (or PostgreSQL reports
// a deadlock, which aborts one of them). On SQLite write transactions are
// serialised.
func (s *Service) writeReferrer(ctx context.Context, tx bun.IDB, refereeID uuid.UUID, referrerID *uuid.UUID, onlyIfNone bool, field string, now time.Time) error {
	if referrerID != nil && *referrerID == refereeID {
		return refusal(ErrSelfReferral, field, "self_referral", "a user cannot be their own referrer")
	}
	cur, err := getAccount(ctx, tx, refereeID, true)
	if err != nil {
		return lockConflict(err)
	}
	if onlyIfNone && cur.ReferrerID != nil {
		return ErrAlreadyReferred
	}
	if sameID(cur.ReferrerID, referrerID) {
		return nil
	}
	if referrerID != nil {
		seen := map[uuid.UUID]bool{}
		for at := *referrerID; ; {
			if at == refereeID {
				return refusal(ErrCycle, field, "referral_cycle", "the user is already among this referrer's referrers")
			}
			if seen[at] || len(seen) > maxChain {
				return refusal(ErrCycle, field, "referral_cycle", "the referrer chain does not end")
			}
			seen[at] = true
			up, err := getAccount(ctx, tx, at, true)
			if errors.Is(err, ErrNotFound) {
				break
			}
			if err != nil {
				return lockConflict(err)
			}
			if up.ReferrerID == nil {
				break
			}
			at = *up.ReferrerID
		}
	}
	q := tx.NewUpdate().Model((*Account)(nil)).Where("user_id = ?", refereeID).Set("referrer_id = ?", referrerID)
	switch {
	case referrerID == nil:
		q = q.Set("referred_at = NULL").Set("referral_status = ?", StatusNone)
	case cur.Status == StatusNone || cur.Status == StatusPending:
		q = q.Set("referred_at = ?", now).Set("referral_status = ?", StatusPending)
	default:
		q = q.Set("referred_at = ?", now)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("referral: write referrer: %w", err)
	}
	return nil
}

func sameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func idOrNil(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

// lockConflict turns PostgreSQL's verdict on two transactions that locked
// the same chain in opposite orders (deadlock_detected, or
// serialization_failure under REPEATABLE READ) into ErrConflict: one of two
// concurrent referrer changes that would have closed a cycle together.
func lockConflict(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") {
		return fmt.Errorf("%w: concurrent referrer change: %v", ErrConflict, err)
	}
	return err
}
