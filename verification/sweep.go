package verification

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Retention of what Sweep deletes.
const (
	// EndedSecretRetention is how long links and codes are kept after they
	// ended (used, voided or expired), for support questions.
	EndedSecretRetention = 24 * time.Hour
	// MessageRetention is how long sent and failed messages stay in the
	// outbox.
	MessageRetention = 30 * 24 * time.Hour
	// throttleRetention outlives the longest window (the daily caps).
	throttleRetention = 2 * day
)

// Sweep deletes what no flow needs any more: links and codes that ended
// more than EndedSecretRetention ago, throttle windows older than two
// days, and sent or failed messages older than MessageRetention (pending
// ones stay, whatever their age). Returns how many rows went. Run it from
// a daily job; nothing breaks if it never runs, the tables only grow.
func (s *Service) Sweep(ctx context.Context, db bun.IDB) (int64, error) {
	now := s.now()
	ended := now.Add(-EndedSecretRetention)
	var total int64
	del := func(q *bun.DeleteQuery) error {
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("verification: sweep: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		return nil
	}
	steps := []*bun.DeleteQuery{
		db.NewDelete().Model((*tokenRow)(nil)).Where("expires_at < ? OR used_at < ? OR voided_at < ?", ended, ended, ended),
		db.NewDelete().Model((*codeRow)(nil)).Where("expires_at < ? OR used_at < ? OR voided_at < ?", ended, ended, ended),
		db.NewDelete().Table("userdesk_verification_throttle").Where("window_start < ?", now.Add(-throttleRetention)),
		db.NewDelete().Model((*Message)(nil)).Where("status IN (?)", bun.List([]MessageStatus{StatusSent, StatusFailed})).
			Where("created_at < ?", now.Add(-MessageRetention)),
	}
	for _, q := range steps {
		if err := del(q); err != nil {
			return total, err
		}
	}
	return total, nil
}
