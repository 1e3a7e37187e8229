package activity

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// erase is the usermgmt erase hook: it deletes the user's reservations,
// events and devices inside EraseUser's transaction. Events are deleted,
// not kept as anonymous counts: see the package documentation.
func (s *Service) erase(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	for _, q := range []*bun.DeleteQuery{
		tx.NewDelete().Model((*Reservation)(nil)).Where("user_id = ?", userID),
		tx.NewDelete().Model((*Event)(nil)).Where("user_id = ?", userID),
		tx.NewDelete().Model((*Device)(nil)).Where("user_id = ?", userID),
	} {
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("activity: erase: %w", err)
		}
	}
	return nil
}
