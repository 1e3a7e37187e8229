package verification

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// sendResetLink replaces the user's reset link with a new one bound to the
// current address and queues it.
func (s *Service) sendResetLink(ctx context.Context, tx bun.IDB, u *usermgmt.User) error {
	token, err := s.issueToken(ctx, tx, u.ID, purposeReset, usermgmt.NormalizeEmail(u.Email), s.cfg.ResetLinkTTL)
	if err != nil {
		return err
	}
	return s.compose(ctx, tx, &u.ID, ChannelEmail, KindPasswordReset, u.Email, u.PreferredLanguage,
		TemplateData{Name: greeting(u), Link: s.link(KindPasswordReset, token), Address: u.Email}, minutes(s.cfg.ResetLinkTTL))
}

// RequestPasswordReset is "forgot my password": when the address has an
// account, its owner receives a single-use reset link (ResetLinkTTL,
// replacing any previous one); when it has none, the address receives
// KindNoAccount. Either way the call does the same work and returns nil,
// so the answer does not tell whether the address has an account.
// Limited per address and per client (not per user, which would tell).
//
// Returns a *usermgmt.ValidationError naming email (malformed), or a
// *RateLimitError.
func (s *Service) RequestPasswordReset(ctx context.Context, db bun.IDB, email string, c Client) error {
	defer s.floor(ctx, padReset, time.Now())
	email, err := checkEmail(email)
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if err := s.limits(ctx, tx, usermgmt.NormalizeEmail(email), "", c); err != nil {
			return err
		}
		u, err := s.users.FindUserByEmail(ctx, tx, email)
		switch {
		case errors.Is(err, usermgmt.ErrNotFound):
			return s.noAccount(ctx, tx, email, c)
		case err != nil:
			return err
		}
		return s.sendResetLink(ctx, tx, u)
	})
}

// noAccount answers a request for an address without an account with the
// same amount of work as the answer for an account: a token is made and
// hashed (and thrown away), and one message is queued.
func (s *Service) noAccount(ctx context.Context, tx bun.IDB, email string, c Client) error {
	if _, _, err := newToken(s.rand); err != nil {
		return err
	}
	return s.compose(ctx, tx, nil, ChannelEmail, KindNoAccount, email, c.Language, TemplateData{Address: email}, 0)
}

// SendPasswordReset sends a user a reset link on behalf of an operator
// holding PermSendPasswordReset, audited as ActionPasswordResetSent. This
// is what an operator should prefer to typing a password for the user
// (see the package documentation). Limited per user.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden),
// usermgmt.ErrNotFound, or a *RateLimitError.
func (s *Service) SendPasswordReset(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) error {
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, PermSendPasswordReset)
		if err != nil {
			return err
		}
		u, err := s.liveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := s.hit(ctx, tx, "user", u.ID.String(), s.cfg.Limits.PerUser); err != nil {
			return err
		}
		if err := s.sendResetLink(ctx, tx, u); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{OperatorID: &op.ID, UserID: &u.ID, Action: ActionPasswordResetSent})
		return err
	})
}

// ResetPassword spends a reset link and sets the password the user chose.
// The password rules are checked before the link is spent, so a refused
// password leaves the link usable. Every session of the user ends (the
// user is typically logged out when they use a link; whoever held a
// session, an attacker included, is logged out too), the user is told by
// email (KindPasswordChanged), and the reset is audited as
// ActionPasswordReset (never the password). The link must be unexpired,
// unused, the latest, and the account's address must still be the one it
// was sent to.
//
// Under an impersonation it is refused: only the user sets their password.
//
// Returns usermgmt.ErrUnderImpersonation, a *usermgmt.ValidationError
// naming password, or ErrInvalidLink.
func (s *Service) ResetPassword(ctx context.Context, db bun.IDB, token, password string) error {
	if err := usermgmt.NotImpersonated(ctx); err != nil {
		return err
	}
	if err := s.users.CheckPassword("password", password); err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.useToken(ctx, tx, token, purposeReset)
		if err != nil {
			return err
		}
		u, err := s.liveUser(ctx, tx, row.UserID)
		if err != nil || usermgmt.NormalizeEmail(u.Email) != row.Address {
			return ErrInvalidLink
		}
		if err := s.users.ResetPassword(ctx, tx, u.ID, password); err != nil {
			return err
		}
		if err := s.compose(ctx, tx, &u.ID, ChannelEmail, KindPasswordChanged, u.Email, u.PreferredLanguage,
			TemplateData{Name: greeting(u), Address: u.Email}, 0); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{UserID: &u.ID, Action: ActionPasswordReset, Fields: []string{"password"}})
		return err
	})
}
