package api

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"golang.org/x/text/unicode/norm"

	"github.com/userdesk/userdesk/usermgmt"
)

// The login throttle. Failed guesses are counted in the database (table
// userdesk_login_throttle), so every replica sees the same counts, under
// three keys:
//
//   - the account from one client address: ThrottleFreeFailures free
//     failures, then growing delays;
//   - the account from every address: ThrottleFreeAccountFailures free
//     failures, then growing delays, except from an address the account
//     logged in from successfully in the last ThrottleKnownFor (so an
//     attacker elsewhere cannot lock the owner out of a known address);
//   - the client address, whatever the account:
//     ThrottleFreeAddressFailures free failures, then growing delays.
//
// A delay doubles with each failure past the free ones, from
// ThrottleFirstDelay up to ThrottleMaxDelay; a request inside a delay is
// answered 429 too_many_attempts with Retry-After, without checking the
// password (so it cannot count either). Counts start again after
// ThrottleForgetAfter without a failure. There is no hard lockout and so
// no unlock path: the worst an attacker achieves against an owner on a
// new address is ThrottleMaxDelay between tries.
const (
	ThrottleFreeFailures        = 5
	ThrottleFreeAccountFailures = 20
	ThrottleFreeAddressFailures = 50
	ThrottleFirstDelay          = time.Second
	ThrottleMaxDelay            = 15 * time.Minute
	ThrottleForgetAfter         = 24 * time.Hour
	ThrottleKnownFor            = 90 * 24 * time.Hour
)

// throttle counts failed guesses in the database.
type throttle struct {
	db  bun.IDB
	now func() time.Time
}

func newThrottle(db bun.IDB, now func() time.Time) *throttle { return &throttle{db: db, now: now} }

// throttleKey is one counted key, hashed.
type throttleKey struct {
	hash string
	free int
}

func hashKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

type throttleRow struct {
	bun.BaseModel `bun:"table:userdesk_login_throttle"`
	KeyHash       string    `bun:"key_hash,pk"`
	Failures      int       `bun:"failures"`
	LastAt        time.Time `bun:"last_at"`
	BlockedUntil  time.Time `bun:"blocked_until"`
}

// delayAfter is the delay after n failures of a key with free free ones.
func delayAfter(n, free int) time.Duration {
	if n <= free {
		return 0
	}
	d := ThrottleFirstDelay
	for i := free + 1; i < n && d < ThrottleMaxDelay; i++ {
		d *= 2
	}
	return min(d, ThrottleMaxDelay)
}

// keys are the counted keys of a guess at account from addr, and the key
// that marks addr as known for account.
func (t *throttle) keys(account, addr string) (counted []throttleKey, known string) {
	return []throttleKey{
		{hashKey("pair", account, addr), ThrottleFreeFailures},
		{hashKey("account", account), ThrottleFreeAccountFailures},
		{hashKey("address", addr), ThrottleFreeAddressFailures},
	}, hashKey("known", account, addr)
}

// reserve counts an attempt at account from addr under every key before
// the password is checked, so that parallel guesses cannot all slip
// through before the first failure is written. Each key's row is changed
// by one conditional upsert: it counts the attempt and sets the delay the
// next attempt must wait, unless a delay is running, in which case
// nothing changes and reserve returns how long is left. An address the
// account logged in from recently is not held back by the account-wide
// key. release undoes what reserve counted.
func (t *throttle) reserve(ctx context.Context, account, addr string) (wait time.Duration, release func(success bool), err error) {
	counted, known := t.keys(account, addr)
	now := t.now().UTC()
	var knownRow throttleRow
	err = t.db.NewSelect().Model(&knownRow).Where("key_hash = ?", known).Where("last_at > ?", now.Add(-ThrottleKnownFor)).Scan(ctx)
	switch {
	case err == nil:
		counted = []throttleKey{counted[0], counted[2]}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, nil, err
	}
	var done []throttleKey
	release = func(success bool) {
		ctx := context.WithoutCancel(ctx)
		for _, k := range done {
			var err error
			if success && k.hash == counted[0].hash {
				// The owner got in from this address: its failures go.
				_, err = t.db.NewDelete().Model((*throttleRow)(nil)).Where("key_hash = ?", k.hash).Exec(ctx)
			} else {
				_, err = t.db.NewUpdate().Model((*throttleRow)(nil)).Set("failures = failures - 1").
					Where("key_hash = ?", k.hash).Where("failures > 0").Exec(ctx)
			}
			if err != nil {
				return
			}
		}
		if success {
			_, _ = t.db.NewRaw(`INSERT INTO userdesk_login_throttle AS t (key_hash, failures, last_at, blocked_until) VALUES (?, 0, ?, ?)
				ON CONFLICT (key_hash) DO UPDATE SET last_at = EXCLUDED.last_at`, known, now, now).Exec(ctx)
			_, _ = t.db.NewDelete().Model((*throttleRow)(nil)).Where("last_at < ?", now.Add(-ThrottleKnownFor)).Exec(ctx)
		}
	}
	for _, k := range counted {
		var n int
		q, args := reserveSQL(t.db, k, now)
		err := t.db.NewRaw(q, args...).Scan(ctx, &n)
		if errors.Is(err, sql.ErrNoRows) {
			release(false)
			var row throttleRow
			if err := t.db.NewSelect().Model(&row).Where("key_hash = ?", k.hash).Scan(ctx); err != nil {
				return 0, nil, err
			}
			return max(row.BlockedUntil.Sub(now), time.Second), nil, nil
		}
		if err != nil {
			release(false)
			return 0, nil, err
		}
		done = append(done, k)
	}
	return 0, release, nil
}

// reserveSQL is the conditional upsert of one key: count the attempt
// (from 1 again after ThrottleForgetAfter) and set blocked_until to now
// plus the delay after that many attempts, unless blocked_until is still
// to come, in which case it changes nothing and returns no row.
func reserveSQL(db bun.IDB, k throttleKey, now time.Time) (string, []any) {
	// A CASE of bare literals is text to PostgreSQL: cast the times.
	ts := "?"
	if db.Dialect().Name() == dialect.PG {
		ts = "CAST(? AS timestamptz)"
	}
	forget := now.Add(-ThrottleForgetAfter)
	first := now.Add(delayAfter(1, k.free))
	var b strings.Builder
	b.WriteString(`INSERT INTO userdesk_login_throttle AS t (key_hash, failures, last_at, blocked_until) VALUES (?, 1, ?, ?)
		ON CONFLICT (key_hash) DO UPDATE SET
		  failures = CASE WHEN t.last_at < ? THEN 1 ELSE t.failures + 1 END,
		  blocked_until = CASE WHEN t.last_at < ? THEN ` + ts + ` WHEN t.failures + 1 <= ? THEN ` + ts + ` `)
	args := []any{k.hash, now, first, forget, forget, first, k.free, now}
	// The delay after n attempts takes a handful of values: one WHEN per
	// value, the maximum in ELSE.
	for n := k.free + 1; delayAfter(n, k.free) < ThrottleMaxDelay; n++ {
		b.WriteString("WHEN t.failures + 1 <= ? THEN " + ts + " ")
		args = append(args, n, now.Add(delayAfter(n, k.free)))
	}
	b.WriteString(`ELSE ` + ts + ` END,
		  last_at = EXCLUDED.last_at
		WHERE t.blocked_until <= ?
		RETURNING failures`)
	return b.String(), append(args, now.Add(ThrottleMaxDelay), now)
}

// normalizeEmail is the account key of an email: the same folding the
// library applies before looking an account up (trimmed, NFC, lower
// case), so that every spelling that reaches one account shares its
// budget.
func normalizeEmail(email string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(email)))
}

// clientAddr is the request's client address: Config.ClientAddr's answer,
// or else the remote IP. The reference server trusts no proxy header.
func (a *API) clientAddr(r *http.Request) string {
	if a.addrOf != nil {
		return a.addrOf(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errTooManyAttempts is the 429 answer of the throttle.
var errTooManyAttempts = &badRequest{status: http.StatusTooManyRequests, code: "too_many_attempts", detail: "too many failed attempts; try again after the Retry-After delay"}

// throttled runs check, a guess at account's password, under the
// throttle: refused with 429 inside a delay, counted as a failure unless
// check succeeds or fails for another reason than
// usermgmt.ErrInvalidCredentials.
func (a *API) throttled(w http.ResponseWriter, r *http.Request, account string, check func() error) error {
	wait, release, err := a.throttle.reserve(r.Context(), account, a.clientAddr(r))
	if err != nil {
		return err
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return errTooManyAttempts
	}
	err = check()
	switch {
	case errors.Is(err, usermgmt.ErrInvalidCredentials):
	case err == nil:
		release(true)
	default:
		release(false)
	}
	return err
}
