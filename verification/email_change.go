package verification

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// checkEmail trims an address and checks its shape; the field is "email".
func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", invalid("email", "required", "is required")
	}
	a, err := mail.ParseAddress(email)
	if len(email) > 254 || err != nil || a.Address != email {
		return "", invalid("email", "email", "must be an email address")
	}
	return email, nil
}

// RequestEmailChange starts a logged-in user's change of address: the new
// address receives a link (ConfirmEmailChange) and the account keeps its
// current address until the link is used. Asking again replaces the
// previous link.
//
// The answer does not tell whether the new address has an account: when
// it has, nothing changes and its owner receives KindEmailChangeAttempt
// instead of a link, and the call returns nil all the same. Limited per
// (new) address, per user and per client.
//
// The address is a credential (it receives reset links): an operator
// impersonating the user cannot change it.
//
// Returns usermgmt.ErrUnderImpersonation, usermgmt.ErrNotFound, a
// *usermgmt.ValidationError naming email (malformed, or the current
// address), or a *RateLimitError.
func (s *Service) RequestEmailChange(ctx context.Context, db bun.IDB, userID uuid.UUID, newEmail string, c Client) error {
	defer s.floor(ctx, padEmailChange, time.Now())
	if err := usermgmt.NotImpersonated(ctx); err != nil {
		return err
	}
	email, err := checkEmail(newEmail)
	if err != nil {
		return err
	}
	norm := usermgmt.NormalizeEmail(email)
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.liveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if norm == usermgmt.NormalizeEmail(u.Email) {
			return invalid("email", "unchanged", "is the account's address already")
		}
		if err := s.limits(ctx, tx, norm, u.ID.String(), c); err != nil {
			return err
		}
		owner, err := s.users.FindUserByEmail(ctx, tx, email)
		switch {
		case err == nil:
			return s.compose(ctx, tx, &owner.ID, ChannelEmail, KindEmailChangeAttempt, owner.Email, owner.PreferredLanguage,
				TemplateData{Name: greeting(owner), Address: owner.Email}, 0)
		case !errors.Is(err, usermgmt.ErrNotFound):
			return err
		}
		token, err := s.issueToken(ctx, tx, u.ID, purposeEmailChange, email, s.cfg.EmailLinkTTL)
		if err != nil {
			return err
		}
		return s.compose(ctx, tx, &u.ID, ChannelEmail, KindEmailChange, email, u.PreferredLanguage,
			TemplateData{Name: greeting(u), Link: s.link(KindEmailChange, token), Address: email}, minutes(s.cfg.EmailLinkTTL))
	})
}

// confirmingChange marks the context of ConfirmEmailChange's profile
// update, so that the profile hook does not send a verification link to
// the address being verified.
type confirmingChange struct{}

// ConfirmEmailChange spends an email change link: the account's address
// becomes the new one, verified (the link proved it), the old address is
// told (KindEmailChanged), and every other pending link of the account is
// void. Audited as ActionEmailChanged.
//
// Returns usermgmt.ErrUnderImpersonation, ErrInvalidLink for a link that
// is unknown, used, replaced or expired, or usermgmt.ErrEmailTaken when
// another account took the address in the meantime (the link is then not
// spent, and answers the same until it expires).
func (s *Service) ConfirmEmailChange(ctx context.Context, db bun.IDB, token string) error {
	if err := usermgmt.NotImpersonated(ctx); err != nil {
		return err
	}
	ctx = context.WithValue(ctx, confirmingChange{}, true)
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.useToken(ctx, tx, token, purposeEmailChange)
		if err != nil {
			return err
		}
		u, err := s.liveUser(ctx, tx, row.UserID)
		if err != nil {
			return ErrInvalidLink
		}
		old := *u
		if _, err := s.users.UpdateOwnProfile(ctx, tx, u.ID, usermgmt.UserUpdate{Version: u.Version, Email: &row.Address}); err != nil {
			return err
		}
		if _, err := s.users.RecordVerification(ctx, tx, u.ID, usermgmt.VerifyEmail, true, nil); err != nil {
			return err
		}
		if err := s.compose(ctx, tx, &u.ID, ChannelEmail, KindEmailChanged, old.Email, old.PreferredLanguage,
			TemplateData{Name: greeting(&old), Address: row.Address}, 0); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{UserID: &u.ID, Action: ActionEmailChanged,
			Fields: []string{"email", "email_verified"}, After: map[string]any{"email_verified": true}})
		return err
	})
}
