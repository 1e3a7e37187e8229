package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// hit counts one request against limit l for key in scope, on tx, and
// returns a *RateLimitError when the count passes l.Max. The key is
// stored hashed (no address or phone number in the throttle table). The
// count is written in the caller's transaction, so a request refused
// later in that transaction (or by this limit) does not count.
func (s *Service) hit(ctx context.Context, tx bun.IDB, scope, key string, l Limit) error {
	if l.Max < 0 || key == "" {
		return nil
	}
	now := s.now()
	start := now.Truncate(l.Window)
	sum := sha256.Sum256([]byte(scope + "\x00" + key + "\x00" + l.Window.String()))
	var hits int
	err := tx.NewRaw(`INSERT INTO userdesk_verification_throttle (key_hash, window_start, hits) VALUES (?, ?, 1)
ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = userdesk_verification_throttle.hits + 1
RETURNING hits`, hex.EncodeToString(sum[:]), start).Scan(ctx, &hits)
	if err != nil {
		return fmt.Errorf("verification: throttle: %w", err)
	}
	if hits > l.Max {
		return &RateLimitError{Scope: scope, RetryAfter: start.Add(l.Window).Sub(now)}
	}
	return nil
}

// day is the window of the daily SMS caps.
const day = 24 * time.Hour

// limits counts one request against each limit that applies: per address
// (email or phone, when given), per user (when known) and per client.
func (s *Service) limits(ctx context.Context, tx bun.IDB, address, user string, c Client) error {
	if err := s.hit(ctx, tx, "address", address, s.cfg.Limits.PerAddress); err != nil {
		return err
	}
	if err := s.hit(ctx, tx, "user", user, s.cfg.Limits.PerUser); err != nil {
		return err
	}
	return s.hit(ctx, tx, "client", c.IP, s.cfg.Limits.PerClient)
}
