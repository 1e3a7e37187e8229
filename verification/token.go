package verification

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// purpose says what a link token is for.
type purpose string

const (
	purposeEmail       purpose = "email"
	purposeEmailChange purpose = "email_change"
	purposeReset       purpose = "password_reset"
)

// tokenRow is a link: only the hash of its token is stored. It is bound to
// a user and to the address it was sent to.
type tokenRow struct {
	bun.BaseModel `bun:"table:userdesk_verification_tokens"`

	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID    uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	Purpose   purpose    `bun:"purpose,notnull"`
	TokenHash string     `bun:"token_hash,notnull"`
	Address   string     `bun:"address,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
	VoidedAt  *time.Time `bun:"voided_at"`
}

// issueToken voids the user's live links of that purpose (asking again
// replaces the previous link) and stores a new one bound to address.
func (s *Service) issueToken(ctx context.Context, tx bun.IDB, userID uuid.UUID, p purpose, address string, ttl time.Duration) (string, error) {
	if err := s.voidTokens(ctx, tx, userID, p); err != nil {
		return "", err
	}
	token, hash, err := newToken(s.rand)
	if err != nil {
		return "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("verification: token id: %w", err)
	}
	now := s.now()
	row := &tokenRow{ID: id, UserID: userID, Purpose: p, TokenHash: hash, Address: address, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", fmt.Errorf("verification: store token: %w", err)
	}
	return token, nil
}

// voidTokens voids the user's live links of the given purposes.
func (s *Service) voidTokens(ctx context.Context, tx bun.IDB, userID uuid.UUID, ps ...purpose) error {
	_, err := tx.NewUpdate().Model((*tokenRow)(nil)).Set("voided_at = ?", s.now()).
		Where("user_id = ?", userID).Where("purpose IN (?)", bun.List(ps)).
		Where("used_at IS NULL").Where("voided_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("verification: void tokens: %w", err)
	}
	return nil
}

// useToken spends a live link of purpose p: one conditional update, so
// that of two concurrent uses exactly one succeeds. Returns
// ErrInvalidLink for an unknown, used, voided or expired token.
func (s *Service) useToken(ctx context.Context, tx bun.IDB, token string, p purpose) (*tokenRow, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrInvalidLink
	}
	row := new(tokenRow)
	err := tx.NewSelect().Model(row).Where("token_hash = ?", hashToken(token)).Where("purpose = ?", p).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidLink
	}
	if err != nil {
		return nil, fmt.Errorf("verification: read token: %w", err)
	}
	now := s.now()
	res, err := tx.NewUpdate().Model((*tokenRow)(nil)).Set("used_at = ?", now).
		Where("id = ?", row.ID).Where("used_at IS NULL").Where("voided_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("verification: use token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, ErrInvalidLink
	}
	row.UsedAt = &now
	return row, nil
}
