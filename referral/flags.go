package referral

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// FlagReason is the machine-readable reason of an abuse flag.
type FlagReason string

// The reasons of abuse flags.
const (
	// FlagSharedPhone: referee and referrer have the same phone number,
	// verified by at least one of them.
	FlagSharedPhone FlagReason = "shared_phone"
	// FlagSharedEmail: their emails reach the same mailbox (case, a
	// "+tag", and Gmail's dots aside), verified by at least one of them.
	FlagSharedEmail FlagReason = "shared_email"
	// FlagSharedPayoutAccount: the same IBAN, or the same account at the
	// same payment service provider.
	FlagSharedPayoutAccount FlagReason = "shared_payout_account"
	// FlagSharedDevice: the host reported the same device for both
	// (Signals.DeviceID, RecordDevice).
	FlagSharedDevice FlagReason = "shared_device"
	// FlagErasedReferees: Config.ErasedReferees.Threshold of the
	// referrer's referees were erased soon after being referred.
	FlagErasedReferees FlagReason = "erased_referees"
	// FlagVelocity: the referrer referred more than Config.Velocity.Limit
	// people within Config.Velocity.Window.
	FlagVelocity FlagReason = "velocity"
)

// ActionFlagClear is the audit action of ClearFlag.
const ActionFlagClear = "referral.flag_clear"

// Flag is an abuse flag for review. It holds no personal data: the IDs,
// the reason code and a detail naming what matched (never the value).
type Flag struct {
	bun.BaseModel `bun:"table:userdesk_referral_flags"`

	ID         uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	ReferrerID uuid.UUID `bun:"referrer_id,notnull,type:uuid" json:"referrer_id"`
	// RefereeID is nil for flags about the referrer as a whole
	// (velocity, erased referees).
	RefereeID *uuid.UUID `bun:"referee_id,type:uuid" json:"referee_id"`
	Reason    FlagReason `bun:"reason,notnull" json:"reason"`
	Detail    string     `bun:"detail,notnull" json:"detail"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	// ClearedAt, ClearedBy and ClearReason are set when an operator
	// cleared the flag.
	ClearedAt   *time.Time `bun:"cleared_at" json:"cleared_at"`
	ClearedBy   *uuid.UUID `bun:"cleared_by,type:uuid" json:"cleared_by"`
	ClearReason string     `bun:"clear_reason,notnull" json:"clear_reason"`
}

// raise records an open flag unless the same one is open already (the
// partial unique index); it reports whether it wrote one.
func raise(ctx context.Context, tx bun.IDB, referrerID uuid.UUID, refereeID *uuid.UUID, reason FlagReason, detail string, now time.Time) (bool, error) {
	id, err := newID()
	if err != nil {
		return false, err
	}
	f := &Flag{ID: id, ReferrerID: referrerID, RefereeID: refereeID, Reason: reason, Detail: detail, CreatedAt: now}
	res, err := tx.NewInsert().Model(f).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("referral: raise flag: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// screen runs the abuse checks of one referral and raises the flags that
// apply; it returns the reasons that hold (raised now or open already).
// velocity adds the referrer's velocity check (at Attach only).
func (s *Service) screen(ctx context.Context, tx bun.IDB, refereeID, referrerID uuid.UUID, velocity bool, now time.Time) ([]FlagReason, error) {
	referee, err := s.users.GetOwnUser(asSystem(ctx), tx, refereeID)
	if errors.Is(err, usermgmt.ErrNotFound) {
		return []FlagReason{}, nil // erased: nothing left to compare
	}
	if err != nil {
		return nil, err
	}
	referrer, err := s.users.GetOwnUser(asSystem(ctx), tx, referrerID)
	if errors.Is(err, usermgmt.ErrNotFound) {
		return []FlagReason{}, nil
	}
	if err != nil {
		return nil, err
	}
	type hit struct {
		reason FlagReason
		detail string
	}
	var hits []hit
	if referee.Phone != "" && referee.Phone == referrer.Phone &&
		(referee.Verifications.Phone.Verified || referrer.Verifications.Phone.Verified) {
		hits = append(hits, hit{FlagSharedPhone, "the same phone number, verified"})
	}
	if m := mailbox(referee.Email); m != "" && m == mailbox(referrer.Email) &&
		(referee.Verifications.Email.Verified || referrer.Verifications.Email.Verified) {
		hits = append(hits, hit{FlagSharedEmail, "emails reaching the same mailbox, verified"})
	}
	if p := referee.PSP; p.Provider != "" && p.AccountID != "" &&
		p.Provider == referrer.PSP.Provider && p.AccountID == referrer.PSP.AccountID {
		hits = append(hits, hit{FlagSharedPayoutAccount, "the same payment provider account"})
	}
	same, err := s.sameIBAN(ctx, tx, refereeID, referrerID)
	if err != nil {
		return nil, err
	}
	if same {
		hits = append(hits, hit{FlagSharedPayoutAccount, "the same IBAN"})
	}
	var shared int
	if err := tx.NewRaw(`SELECT COUNT(*) FROM userdesk_referral_devices a
JOIN userdesk_referral_devices b ON b.device_hash = a.device_hash
WHERE a.user_id = ? AND b.user_id = ?`, refereeID, referrerID).Scan(ctx, &shared); err != nil {
		return nil, fmt.Errorf("referral: device check: %w", err)
	}
	if shared > 0 {
		hits = append(hits, hit{FlagSharedDevice, "the same device"})
	}
	var out []FlagReason
	for _, h := range hits {
		if _, err := raise(ctx, tx, referrerID, &refereeID, h.reason, h.detail, now); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1] != h.reason {
			out = append(out, h.reason)
		}
	}
	if velocity {
		n, err := tx.NewSelect().Model((*Account)(nil)).Where("referrer_id = ?", referrerID).
			Where("referred_at > ?", now.Add(-s.cfg.Velocity.Window)).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("referral: velocity check: %w", err)
		}
		if n > int64(s.cfg.Velocity.Limit) {
			detail := fmt.Sprintf("%d referrals within %s (limit %d)", n, s.cfg.Velocity.Window, s.cfg.Velocity.Limit)
			if _, err := raise(ctx, tx, referrerID, nil, FlagVelocity, detail, now); err != nil {
				return nil, err
			}
			out = append(out, FlagVelocity)
		}
	}
	if out == nil {
		out = []FlagReason{} // JSON [], never null
	}
	return out, nil
}

// profileChanged is the usermgmt profile hook (registered by New): a
// referee who changes their phone or email after the referral is checked
// again against the referrer, in the update's transaction.
func (s *Service) profileChanged(ctx context.Context, tx bun.IDB, ch usermgmt.ProfileChange) error {
	if !ch.Changed("phone") && !ch.Changed("email") {
		return nil
	}
	a, err := getAccount(ctx, tx, ch.UserID, false)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || a.ReferrerID == nil || a.ErasedAt != nil {
		return err
	}
	_, err = s.screen(ctx, tx, ch.UserID, *a.ReferrerID, false, s.clock())
	return err
}

// sameIBAN reports whether both users have a bank account with the same
// IBAN. Without a key ring (usermgmt.ErrNoBankKey) or an account on either
// side the check has nothing to compare and reports false.
func (s *Service) sameIBAN(ctx context.Context, tx bun.IDB, a, b uuid.UUID) (bool, error) {
	var ibans [2]string
	for i, id := range []uuid.UUID{a, b} {
		acct, err := s.users.GetOwnBankAccount(asSystem(ctx), tx, id)
		if errors.Is(err, usermgmt.ErrNotFound) || errors.Is(err, usermgmt.ErrNoBankKey) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		ibans[i] = acct.IBAN
	}
	return ibans[0] != "" && ibans[0] == ibans[1], nil
}

// mailbox is the mailbox an address reaches, for comparing two users:
// lower case, without a "+tag", and for Gmail without dots.
func mailbox(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return ""
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	if local == "" {
		return ""
	}
	return local + "@" + domain
}

// RecordDevice records that the host saw the user on a device (an app
// installation ID, a fingerprint), so that a later referral between two
// users of one device is flagged. Only a SHA-256 digest of deviceID is
// stored; erasure deletes it. It checks no permission.
// Returns a *usermgmt.ValidationError ("device_id") or ErrNotFound.
func (s *Service) RecordDevice(ctx context.Context, db bun.IDB, userID uuid.UUID, deviceID string) error {
	if deviceID == "" || len(deviceID) > 1024 {
		return usermgmt.Invalid("device_id", "required", "is required, at most 1024 bytes")
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		st, err := s.users.UserStanding(ctx, tx, userID)
		if errors.Is(err, usermgmt.ErrNotFound) || (err == nil && st.Deleted) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return recordDevice(ctx, tx, userID, deviceID, s.clock())
	})
}

type deviceRow struct {
	bun.BaseModel `bun:"table:userdesk_referral_devices"`
	UserID        uuid.UUID `bun:"user_id,pk,type:uuid"`
	DeviceHash    string    `bun:"device_hash,pk"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}

func recordDevice(ctx context.Context, tx bun.IDB, userID uuid.UUID, deviceID string, now time.Time) error {
	sum := sha256.Sum256([]byte(deviceID))
	row := &deviceRow{UserID: userID, DeviceHash: hex.EncodeToString(sum[:]), CreatedAt: now}
	if _, err := tx.NewInsert().Model(row).On("CONFLICT (user_id, device_hash) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("referral: record device: %w", err)
	}
	return nil
}

// FlagStatus selects flags by whether they were cleared.
type FlagStatus string

// The flag statuses of a FlagQuery.
const (
	FlagsOpen    FlagStatus = "open"
	FlagsCleared FlagStatus = "cleared"
	FlagsAll     FlagStatus = "all"
)

// FlagQuery asks for one page of abuse flags, newest first.
type FlagQuery struct {
	// Status is FlagsOpen (the zero value), FlagsCleared or FlagsAll.
	Status FlagStatus `json:"status"`
	// ReferrerID limits the list to one referrer's flags.
	ReferrerID *uuid.UUID `json:"referrer_id"`
	// Limit is the page size, 1–200; zero means 50.
	Limit int `json:"limit"`
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string `json:"cursor"`
}

// FlagPage is one page of flags.
type FlagPage struct {
	Flags []Flag `json:"flags"`
	// NextCursor asks for the next page; empty on the last.
	NextCursor string `json:"next_cursor"`
}

// ListFlags lists abuse flags for an operator holding PermManageFlags,
// newest first, with keyset pagination on the flag ID.
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError for a
// bad status or limit, or usermgmt.ErrInvalidCursor.
func (s *Service) ListFlags(ctx context.Context, db bun.IDB, actor uuid.UUID, q FlagQuery) (*FlagPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, usermgmt.Invalid("limit", "range", "must be between 1 and 200")
	}
	if q.Status == "" {
		q.Status = FlagsOpen
	}
	if q.Status != FlagsOpen && q.Status != FlagsCleared && q.Status != FlagsAll {
		return nil, usermgmt.Invalid("status", "oneof", "must be one of: open cleared all")
	}
	var after uuid.UUID
	if q.Cursor != "" {
		var err error
		if after, err = uuid.Parse(q.Cursor); err != nil || after.Version() != 7 {
			return nil, usermgmt.ErrInvalidCursor
		}
	}
	if _, err := s.users.Authorize(ctx, db, actor, PermManageFlags); err != nil {
		return nil, err
	}
	var flags []Flag
	sel := db.NewSelect().Model(&flags).OrderExpr("id DESC").Limit(int64(limit + 1))
	switch q.Status {
	case FlagsOpen:
		sel = sel.Where("cleared_at IS NULL")
	case FlagsCleared:
		sel = sel.Where("cleared_at IS NOT NULL")
	}
	if q.ReferrerID != nil {
		sel = sel.Where("referrer_id = ?", *q.ReferrerID)
	}
	if q.Cursor != "" {
		sel = sel.Where("id < ?", after)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("referral: list flags: %w", err)
	}
	page := &FlagPage{Flags: flags}
	if len(flags) > limit {
		page.Flags = flags[:limit]
		page.NextCursor = flags[limit-1].ID.String()
	}
	if page.Flags == nil {
		page.Flags = []Flag{}
	}
	return page, nil
}

// ClearFlag clears an open flag on behalf of an operator holding
// PermManageFlags, with a reason (required, at most 500 characters);
// audited (ActionFlagClear on the referrer). The same check may raise a new
// flag later.
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError,
// ErrNotFound, or ErrConflict for a flag cleared already.
func (s *Service) ClearFlag(ctx context.Context, db bun.IDB, actor, flagID uuid.UUID, reason string) (*Flag, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *Flag
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, PermManageFlags)
		if err != nil {
			return err
		}
		f := new(Flag)
		err = tx.NewSelect().Model(f).Where("id = ?", flagID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("referral: clear flag: %w", err)
		}
		now := s.clock()
		res, err := tx.NewUpdate().Model((*Flag)(nil)).Set("cleared_at = ?", now).Set("cleared_by = ?", op.ID).
			Set("clear_reason = ?", reason).Where("id = ?", flagID).Where("cleared_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("referral: clear flag: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		f.ClearedAt, f.ClearedBy, f.ClearReason = &now, &op.ID, reason
		if _, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &op.ID, UserID: &f.ReferrerID, Action: ActionFlagClear, Reason: reason,
			Fields: []string{"referral_flag"},
			Before: map[string]any{"flag_id": f.ID.String(), "flag_reason": f.Reason, "cleared": false},
			After:  map[string]any{"flag_id": f.ID.String(), "flag_reason": f.Reason, "cleared": true},
		}); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}
