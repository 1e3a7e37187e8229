package thirdparty

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// A lease row in userdesk_thirdparty_leases lets one replica at a time run
// a provider's background work (health checks, queued retries). A row
// rather than a PostgreSQL advisory lock: it works the same on SQLite, it
// survives a connection pool that recycles connections, and an operator
// can see who holds it.

// AcquireLease takes the lease called name for holder until now+ttl, or
// renews it when holder already holds it, in one conditional statement.
// It reports whether holder holds the lease afterwards: false when another
// holder's lease has not expired at now.
//
// Returns a database error.
func AcquireLease(ctx context.Context, db bun.IDB, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, errors.New("thirdparty: lease: name, holder and a positive ttl are required")
	}
	now = now.UTC().Truncate(time.Microsecond)
	res, err := db.NewRaw(`INSERT INTO userdesk_thirdparty_leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE userdesk_thirdparty_leases.holder = excluded.holder OR userdesk_thirdparty_leases.expires_at <= ?`,
		name, holder, now.Add(ttl), now).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("thirdparty: acquire lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("thirdparty: acquire lease: %w", err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease called name up if holder holds it, so that
// another replica may take it at once. Returns a database error.
func ReleaseLease(ctx context.Context, db bun.IDB, name, holder string) error {
	_, err := db.NewDelete().Table("userdesk_thirdparty_leases").Where("name = ?", name).Where("holder = ?", holder).Exec(ctx)
	if err != nil {
		return fmt.Errorf("thirdparty: release lease: %w", err)
	}
	return nil
}

// LeaseConfig configures RunExclusive. Every field's zero value is a
// documented default, except Name.
type LeaseConfig struct {
	// Name names the work, such as "sevenrooms.background". Required.
	Name string
	// Holder names this replica in the lease row. Empty means a random id.
	Holder string
	// TTL is how long the lease lives without renewal: how long the work
	// stays stopped after its holder dies. The holder renews it every
	// TTL/3 and stops the work when a renewal fails. Zero means 1 min.
	// Replicas' clocks must agree to well within TTL/3.
	TTL time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives lease changes. Nil discards.
	Logger *slog.Logger
}

// RunExclusive runs work while this replica holds the lease cfg.Name,
// until ctx ends: on every replica that calls it, work runs on at most one
// at a time. It waits for the lease (trying every TTL/3), runs work with a
// context that is cancelled when a renewal fails (the lease was taken over
// after expiring, or the database could not confirm it) or ctx ends, and
// then tries again. A work that returns by itself gives the lease up and
// is run again at the next acquisition. On the way out the lease is
// released so that another replica takes over at once.
//
// Returns ctx's error, or an error for an invalid configuration.
func RunExclusive(ctx context.Context, db bun.IDB, cfg LeaseConfig, work func(ctx context.Context) error) error {
	if cfg.Name == "" {
		return errors.New("thirdparty: lease: Name is required")
	}
	if cfg.Holder == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.Holder = hex.EncodeToString(b[:])
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	every := cfg.TTL / 3
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		held, err := AcquireLease(ctx, db, cfg.Name, cfg.Holder, cfg.Now(), cfg.TTL)
		if err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "lease acquisition failed", "lease", cfg.Name, "err", err)
		}
		if held {
			log.InfoContext(ctx, "lease acquired", "lease", cfg.Name, "holder", cfg.Holder)
			runHeld(ctx, db, cfg, log, tick, work)
			// Given up: on the way out, or the work ended, or the lease
			// was lost (then the release deletes nothing).
			relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := ReleaseLease(relCtx, db, cfg.Name, cfg.Holder); err != nil {
				log.WarnContext(ctx, "lease release failed", "lease", cfg.Name, "err", err)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// runHeld runs work while the lease is renewed, and returns when work
// returns, ctx ends or a renewal fails; work has returned by then.
func runHeld(ctx context.Context, db bun.IDB, cfg LeaseConfig, log *slog.Logger, tick *time.Ticker, work func(ctx context.Context) error) {
	workCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := work(workCtx); err != nil && workCtx.Err() == nil {
			log.WarnContext(ctx, "leased work ended", "lease", cfg.Name, "err", err)
		}
	}()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			stop()
			<-done
			return
		case <-tick.C:
			held, err := AcquireLease(ctx, db, cfg.Name, cfg.Holder, cfg.Now(), cfg.TTL)
			if err != nil || !held {
				if ctx.Err() == nil {
					log.WarnContext(ctx, "lease lost; stopping the work", "lease", cfg.Name, "err", err)
				}
				stop()
				<-done
				return
			}
		}
	}
}
