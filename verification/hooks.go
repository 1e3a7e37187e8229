package verification

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// onProfileChange runs inside every profile update's transaction. A new
// email voids every link bound to the old one (verification, pending
// change, password reset) and, with SendAfterEmailChange, sends a
// verification link to the new address; a new phone voids the codes sent
// to the old one.
func (s *Service) onProfileChange(ctx context.Context, tx bun.IDB, ch usermgmt.ProfileChange) error {
	if ch.Changed("email") {
		if err := s.voidTokens(ctx, tx, ch.UserID, purposeEmail, purposeEmailChange, purposeReset); err != nil {
			return err
		}
		if ctx.Value(confirmingChange{}) == nil && s.cfg.SendAfterEmailChange && ch.After != nil && ch.After.Email != "" {
			if err := s.sendEmailLink(ctx, tx, ch.After); err != nil {
				return err
			}
		}
	}
	if ch.Changed("phone") {
		if err := s.voidCodes(ctx, tx, ch.UserID); err != nil {
			return err
		}
	}
	return nil
}

// onErase deletes the package's personal data of an erased user: links,
// codes, queued and sent messages and the ID verification evidence. The
// audit log keeps what happened (no personal data); the throttle table
// holds only hashed keys.
func (s *Service) onErase(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	for _, model := range []any{(*tokenRow)(nil), (*codeRow)(nil), (*Message)(nil), (*IDVerificationRecord)(nil)} {
		if _, err := tx.NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("verification: erase: %w", err)
		}
	}
	return nil
}
