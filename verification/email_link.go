package verification

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// The audit actions the package records (usermgmt's audit log).
const (
	ActionEmailVerified     = "verification.email_verified"
	ActionEmailChanged      = "verification.email_changed"
	ActionPhoneVerified     = "verification.phone_verified"
	ActionPasswordResetSent = "verification.password_reset_sent"
	ActionPasswordReset     = "verification.password_reset"
	ActionIDVerification    = "verification.id_verification_set"
)

// liveUser reads a user that is not erased. Returns usermgmt.ErrNotFound.
func (s *Service) liveUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*usermgmt.User, error) {
	u, err := s.users.GetOwnUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, usermgmt.ErrNotFound
	}
	return u, nil
}

func greeting(u *usermgmt.User) string {
	if u.FirstName != "" {
		return u.FirstName
	}
	return u.FullName()
}

func minutes(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

// sendEmailLink replaces the user's email verification link with a new
// one bound to the current address and queues it.
func (s *Service) sendEmailLink(ctx context.Context, tx bun.IDB, u *usermgmt.User) error {
	token, err := s.issueToken(ctx, tx, u.ID, purposeEmail, usermgmt.NormalizeEmail(u.Email), s.cfg.EmailLinkTTL)
	if err != nil {
		return err
	}
	return s.compose(ctx, tx, &u.ID, ChannelEmail, KindEmailVerification, u.Email, u.PreferredLanguage,
		TemplateData{Name: greeting(u), Link: s.link(KindEmailVerification, token), Address: u.Email}, minutes(s.cfg.EmailLinkTTL))
}

// SendEmailVerification sends a logged-in user a link that verifies their
// current address; the previous link stops working. Limited per address,
// per user and per client.
//
// Returns usermgmt.ErrNotFound, ErrAlreadyVerified, or a *RateLimitError.
func (s *Service) SendEmailVerification(ctx context.Context, db bun.IDB, userID uuid.UUID, c Client) error {
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.liveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.Verifications.Email.Verified {
			return ErrAlreadyVerified
		}
		if err := s.limits(ctx, tx, usermgmt.NormalizeEmail(u.Email), u.ID.String(), c); err != nil {
			return err
		}
		return s.sendEmailLink(ctx, tx, u)
	})
}

// ConfirmEmail spends an email verification link: the account's email
// becomes verified by the system (no operator), audited as
// ActionEmailVerified. The link must be the user's latest, unexpired and
// unused, and the account's address must still be the one it was sent
// to.
//
// Returns ErrInvalidLink otherwise.
func (s *Service) ConfirmEmail(ctx context.Context, db bun.IDB, token string) error {
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.useToken(ctx, tx, token, purposeEmail)
		if err != nil {
			return err
		}
		u, err := s.liveUser(ctx, tx, row.UserID)
		if err != nil || usermgmt.NormalizeEmail(u.Email) != row.Address {
			return ErrInvalidLink
		}
		if _, err := s.users.RecordVerification(ctx, tx, u.ID, usermgmt.VerifyEmail, true, nil); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{UserID: &u.ID, Action: ActionEmailVerified,
			Fields: []string{"email_verified"}, Before: map[string]any{"email_verified": u.Verifications.Email.Verified},
			After: map[string]any{"email_verified": true}})
		return err
	})
}
