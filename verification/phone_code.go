package verification

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// codeRow is one phone verification: the hash of its current code, bound
// to the user and the number, with its send and wrong-check counts.
type codeRow struct {
	bun.BaseModel `bun:"table:userdesk_verification_codes"`

	ID           uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID       uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	Purpose      string     `bun:"purpose,notnull"`
	Phone        string     `bun:"phone,notnull"`
	CodeHash     string     `bun:"code_hash,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	LastSentAt   time.Time  `bun:"last_sent_at,notnull"`
	Sends        int        `bun:"sends,notnull"`
	FailedChecks int        `bun:"failed_checks,notnull"`
	UsedAt       *time.Time `bun:"used_at"`
	VoidedAt     *time.Time `bun:"voided_at"`
}

const purposePhone = "phone"

// CodeStatus describes the live phone verification after a send.
type CodeStatus struct {
	// ExpiresAt is when the code sent last stops working.
	ExpiresAt time.Time `json:"expires_at"`
	// ResendAt is the earliest time of the next send.
	ResendAt time.Time `json:"resend_at"`
	// SendsLeft is how many more sends this verification allows.
	SendsLeft int `json:"sends_left"`
	// ChecksLeft is how many wrong checks the code survives.
	ChecksLeft int `json:"checks_left"`
}

// smsAllowed reports whether the number's calling code is on the
// allowlist (nil allows all).
func (s *Service) smsAllowed(phone string) bool {
	if s.cfg.SMSCallingCodes == nil {
		return true
	}
	for _, cc := range s.cfg.SMSCallingCodes {
		if strings.HasPrefix(phone, cc) {
			return true
		}
	}
	return false
}

func (s *Service) liveCode(ctx context.Context, tx bun.IDB, userID uuid.UUID) (*codeRow, error) {
	row := new(codeRow)
	err := tx.NewSelect().Model(row).Where("user_id = ?", userID).Where("purpose = ?", purposePhone).
		Where("used_at IS NULL").Where("voided_at IS NULL").OrderExpr("id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verification: read code: %w", err)
	}
	return row, nil
}

func (s *Service) voidCodes(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	_, err := tx.NewUpdate().Model((*codeRow)(nil)).Set("voided_at = ?", s.now()).
		Where("user_id = ?", userID).Where("used_at IS NULL").Where("voided_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("verification: void codes: %w", err)
	}
	return nil
}

// SendPhoneCode sends a logged-in user a six-digit code by SMS to the
// phone number of their profile.
//
// A resend replaces the code: the new one is valid for CodeTTL from now
// and the previous one stops working at once, while the verification's
// wrong checks keep counting (a resend never grants fresh guesses) and
// its sends are capped (CodeSends). Sends are CodeCooldown apart, and
// capped per UTC day per number and per user; the number's calling code
// must be allowed (SMSCallingCodes).
//
// Returns usermgmt.ErrNotFound, ErrAlreadyVerified, a
// *usermgmt.ValidationError naming phone (none on the profile, or a
// country not allowed), or a *RateLimitError ("cooldown", "sends",
// "sms_number_daily", "sms_user_daily", "client").
func (s *Service) SendPhoneCode(ctx context.Context, db bun.IDB, userID uuid.UUID, c Client) (*CodeStatus, error) {
	var st *CodeStatus
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.liveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		switch {
		case u.Verifications.Phone.Verified:
			return ErrAlreadyVerified
		case u.Phone == "":
			return invalid("phone", "required", "the profile has no phone number")
		case !s.smsAllowed(u.Phone):
			return invalid("phone", "sms_country", "codes cannot be sent to this country")
		}
		now := s.now()
		row, err := s.liveCode(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		resend := row != nil && row.Phone == u.Phone && row.ExpiresAt.After(now) && row.FailedChecks < s.cfg.CodeChecks
		if resend {
			if wait := row.LastSentAt.Add(s.cfg.CodeCooldown).Sub(now); wait > 0 {
				return &RateLimitError{Scope: "cooldown", RetryAfter: wait}
			}
			if row.Sends >= s.cfg.CodeSends {
				return &RateLimitError{Scope: "sends", RetryAfter: row.ExpiresAt.Sub(now)}
			}
		}
		if err := s.hit(ctx, tx, "sms_number_daily", u.Phone, Limit{Max: s.cfg.SMSDailyPerNumber, Window: day}); err != nil {
			return err
		}
		if err := s.hit(ctx, tx, "sms_user_daily", u.ID.String(), Limit{Max: s.cfg.SMSDailyPerUser, Window: day}); err != nil {
			return err
		}
		if err := s.hit(ctx, tx, "client", c.IP, s.cfg.Limits.PerClient); err != nil {
			return err
		}
		code, err := newCode(s.rand)
		if err != nil {
			return err
		}
		if resend {
			row.Sends++
			row.LastSentAt, row.ExpiresAt, row.CodeHash = now, now.Add(s.cfg.CodeTTL), hashCode(s.cfg.CodeKey, row.ID, code)
			res, err := tx.NewUpdate().Model(row).Column("sends", "last_sent_at", "expires_at", "code_hash").
				WherePK().Where("used_at IS NULL").Where("voided_at IS NULL").Where("sends = ?", row.Sends-1).Exec(ctx)
			if err != nil {
				return fmt.Errorf("verification: resend code: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return &RateLimitError{Scope: "cooldown", RetryAfter: s.cfg.CodeCooldown}
			}
		} else {
			if err := s.voidCodes(ctx, tx, u.ID); err != nil {
				return err
			}
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("verification: code id: %w", err)
			}
			row = &codeRow{ID: id, UserID: u.ID, Purpose: purposePhone, Phone: u.Phone, CodeHash: hashCode(s.cfg.CodeKey, id, code),
				CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL), LastSentAt: now, Sends: 1}
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				return fmt.Errorf("verification: store code: %w", err)
			}
		}
		if err := s.compose(ctx, tx, &u.ID, ChannelSMS, KindPhoneCode, u.Phone, u.PreferredLanguage,
			TemplateData{Name: greeting(u), Code: code}, minutes(s.cfg.CodeTTL)); err != nil {
			return err
		}
		st = &CodeStatus{ExpiresAt: row.ExpiresAt, ResendAt: now.Add(s.cfg.CodeCooldown), SendsLeft: s.cfg.CodeSends - row.Sends,
			ChecksLeft: s.cfg.CodeChecks - row.FailedChecks}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// CheckPhoneCode checks a code the user typed against their live phone
// verification, in constant time. A right code marks the phone verified
// by the system (audited as ActionPhoneVerified) and is spent: of two
// concurrent checks of one code exactly one succeeds. A wrong code counts
// (committed even though the call fails); after CodeChecks wrong checks
// the code is dead.
//
// Returns a *usermgmt.ValidationError naming code (not six digits),
// ErrNoCode (none live: never sent, expired, used, dead, or the number
// changed), or a *WrongCodeError (ErrWrongCode).
func (s *Service) CheckPhoneCode(ctx context.Context, db bun.IDB, userID uuid.UUID, code string) error {
	code = strings.TrimSpace(code)
	if !validCodeShape(code) {
		return invalid("code", "digits", "must be 6 digits")
	}
	var wrong error
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.liveUser(ctx, tx, userID)
		if err != nil {
			return ErrNoCode
		}
		row, err := s.liveCode(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if row == nil || row.Phone != u.Phone || !row.ExpiresAt.After(now) || row.FailedChecks >= s.cfg.CodeChecks {
			return ErrNoCode
		}
		if !codeMatches(row.CodeHash, hashCode(s.cfg.CodeKey, row.ID, code)) {
			var failed int
			err := tx.NewUpdate().Model((*codeRow)(nil)).Set("failed_checks = failed_checks + 1").
				Where("id = ?", row.ID).Where("used_at IS NULL").Where("failed_checks < ?", s.cfg.CodeChecks).
				Returning("failed_checks").Scan(ctx, &failed)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNoCode
			}
			if err != nil {
				return fmt.Errorf("verification: count wrong code: %w", err)
			}
			wrong = &WrongCodeError{Left: s.cfg.CodeChecks - failed}
			return nil // commit the count
		}
		res, err := tx.NewUpdate().Model((*codeRow)(nil)).Set("used_at = ?", now).
			Where("id = ?", row.ID).Where("used_at IS NULL").Where("voided_at IS NULL").
			Where("failed_checks < ?", s.cfg.CodeChecks).Where("expires_at > ?", now).Exec(ctx)
		if err != nil {
			return fmt.Errorf("verification: use code: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoCode
		}
		if _, err := s.users.RecordVerification(ctx, tx, u.ID, usermgmt.VerifyPhone, true, nil); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{UserID: &u.ID, Action: ActionPhoneVerified,
			Fields: []string{"phone_verified"}, Before: map[string]any{"phone_verified": u.Verifications.Phone.Verified},
			After: map[string]any{"phone_verified": true}})
		return err
	})
	if err != nil {
		return err
	}
	return wrong
}
