package verification

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DeliveryLease is the name of the lease RunExclusiveDelivery holds.
const DeliveryLease = "verification.delivery"

// MinLeaseTTL is the shortest lease RunExclusiveDelivery takes: a holder
// renews it once a third of it has passed (checked at every interval),
// and a lease of three intervals (at least this) survives a slow batch or
// a short pause of the database.
const MinLeaseTTL = 30 * time.Second

// TryLease takes or renews the lease name for holder until now + ttl, in
// the table userdesk_job_leases, and reports whether holder has it. It
// does when nobody held it, when holder held it already (a renewal), or
// when the previous holder's lease expired (that holder died or stopped
// renewing). One conditional upsert decides, so of two replicas asking
// at once exactly one gets a free lease. The times are the Service's
// clock (Config.Now): every replica should agree on it within a fraction
// of ttl.
//
// Returns a *usermgmt.ValidationError naming name, holder or ttl when one
// is empty or not positive, or the database's error.
func (s *Service) TryLease(ctx context.Context, db bun.IDB, name, holder string, ttl time.Duration) (bool, error) {
	switch {
	case name == "" || len(name) > 200:
		return false, invalid("name", "required", "must be 1 to 200 characters")
	case holder == "" || len(holder) > 200:
		return false, invalid("holder", "required", "must be 1 to 200 characters")
	case ttl <= 0:
		return false, invalid("ttl", "range", "must be positive")
	}
	now := s.now()
	res, err := db.NewRaw(`INSERT INTO userdesk_job_leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE userdesk_job_leases.holder = excluded.holder OR userdesk_job_leases.expires_at <= ?`,
		name, holder, now.Add(ttl), now).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("verification: lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("verification: lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name, so that another replica
// takes it at once rather than after it expired. Releasing a lease one
// does not hold does nothing.
func (s *Service) ReleaseLease(ctx context.Context, db bun.IDB, name, holder string) error {
	_, err := db.NewRaw(`DELETE FROM userdesk_job_leases WHERE name = ? AND holder = ?`, name, holder).Exec(ctx)
	if err != nil {
		return fmt.Errorf("verification: release lease %s: %w", name, err)
	}
	return nil
}

// RunExclusiveDelivery is RunDelivery on one replica at a time: every
// replica may run it, under a holder name of its own (a host name and
// process id, or a random id), and only the holder of the DeliveryLease
// delivers; the others keep asking at every interval and take over once
// the holder released the lease (it does when ctx ends) or, if it died,
// once its lease expired (three intervals, at least MinLeaseTTL). The
// holder renews the lease once a third of it has passed (every 10 s for
// intervals up to 10 s), so that an idle loop does not write to the
// database at every interval.
//
// The lease keeps the SMTP server and the SMS provider to one client; it
// is not what keeps a message from going out twice (the claims of Deliver
// are: a holder whose batch outlasted its lease and a new holder never
// send one message both).
//
// Returns a *usermgmt.ValidationError naming holder when it is empty or
// longer than 200 characters, else ctx's error when ctx ends.
func (s *Service) RunExclusiveDelivery(ctx context.Context, db bun.IDB, interval time.Duration, holder string) error {
	if holder == "" || len(holder) > 200 {
		return invalid("holder", "required", "must be 1 to 200 characters")
	}
	if interval <= 0 {
		interval = 5 * time.Second
	}
	ttl := max(3*interval, MinLeaseTTL)
	const batch = 100
	t := time.NewTicker(interval)
	defer t.Stop()
	// The lease is released on the way out whatever the last renewal
	// said (a renewal cut short by ctx reports an error, not the truth);
	// releasing a lease one does not hold changes nothing.
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.ReleaseLease(rctx, db, DeliveryLease, holder); err != nil {
			s.log.WarnContext(rctx, "verification: releasing the delivery lease", "error", err)
		}
	}()
	held := false
	var renewed time.Time // when the lease was last taken or renewed
	for {
		ok, err := held, error(nil)
		// The holder renews once a third of the lease has passed, not at
		// every interval: each renewal is a committed write, and on SQLite
		// every committed write makes each reader connection drop its page
		// cache and memory map at its next read (tens of milliseconds at a
		// million users, package doc). The lease keeps at least two thirds
		// of its life, less one interval, at every delivery.
		if now := s.now(); !held || now.Sub(renewed) >= ttl/3 || now.Before(renewed) {
			ok, err = s.TryLease(ctx, db, DeliveryLease, holder, ttl)
			if err == nil && ok {
				renewed = now
			}
		}
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.ErrorContext(ctx, "verification: delivery lease", "error", err)
		case err == nil && ok != held:
			s.log.InfoContext(ctx, "verification: delivery lease", "holder", holder, "held", ok)
		}
		if err != nil {
			ok = false // unknown: deliver nothing this round, and ask again
		}
		held = ok
		full := false
		if ok {
			rep, err := s.Deliver(ctx, db, batch)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "verification: delivery", "error", err)
			}
			full = rep.Sent+rep.Retried+rep.Failed == batch
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if full {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
