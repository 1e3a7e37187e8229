package verification

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Register signs a user up without telling whether the address has an
// account already. For a new address it creates the account
// (usermgmt.Service.Register) and, with SendAtRegistration, sends the
// email verification link. For a registered address it creates nothing
// and sends that account's owner KindRegistrationAttempt. Both paths hash
// the password (the expensive part) and queue one message, and both
// return nil: the caller answers "check your inbox" either way, and must
// not log the new user in from this call. Limited per address and per
// client.
//
// Returns a *usermgmt.ValidationError naming each bad field (the same for
// both paths: validation never reads the database), or a
// *RateLimitError.
func (s *Service) Register(ctx context.Context, db bun.IDB, reg usermgmt.Registration, c Client) error {
	defer s.floor(ctx, padRegister, time.Now())
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if err := s.limits(ctx, tx, usermgmt.NormalizeEmail(reg.Email), "", c); err != nil {
			return err
		}
		u, err := s.users.Register(ctx, tx, reg)
		if errors.Is(err, usermgmt.ErrEmailTaken) {
			owner, err := s.users.FindUserByEmail(ctx, tx, reg.Email)
			if err != nil {
				return err
			}
			if _, _, err := newToken(s.rand); err != nil { // the work of the other path
				return err
			}
			return s.compose(ctx, tx, &owner.ID, ChannelEmail, KindRegistrationAttempt, owner.Email, owner.PreferredLanguage,
				TemplateData{Name: greeting(owner), Address: owner.Email}, 0)
		}
		if err != nil {
			return err
		}
		if s.cfg.SendAtRegistration {
			return s.sendEmailLink(ctx, tx, u)
		}
		return nil
	})
}

// ResendEmailVerification is "resend my link" for someone who is not
// logged in and gives an address: an account's owner receives a fresh
// verification link (the previous one stops working), an address without
// an account receives KindNoAccount, after the same work, and the call
// returns nil either way. Limited per address and per client.
//
// Returns a *usermgmt.ValidationError naming email, or a
// *RateLimitError.
func (s *Service) ResendEmailVerification(ctx context.Context, db bun.IDB, email string, c Client) error {
	defer s.floor(ctx, padResend, time.Now())
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
		// A verified address gets a link too: confirming it again is
		// harmless, and answering otherwise would differ in work.
		return s.sendEmailLink(ctx, tx, u)
	})
}
