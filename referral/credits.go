package referral

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// EntryKind says why a ledger entry changed a balance.
type EntryKind string

// The kinds of ledger entries.
const (
	// KindOperatorSet: an operator set the balance to a number; the entry
	// holds the difference.
	KindOperatorSet EntryKind = "operator_set"
	// KindOperatorStep: an operator clicked an arrow: +1 or -1.
	KindOperatorStep EntryKind = "operator_step"
	// KindConsumed: a qualifying referral consumed one credit (-1).
	KindConsumed EntryKind = "consumed"
	// KindRestored: the system gave credits back (a reversed referral).
	KindRestored EntryKind = "restored"
	// KindGranted: a rule granted credits (initial credits, a reward).
	KindGranted EntryKind = "granted"
	// KindExpired: a rule took credits away (expiry).
	KindExpired EntryKind = "expired"
)

// MaxCredits bounds a balance and the amount of one change.
const MaxCredits = 1_000_000

// MaxIdempotencyKeyLength is the longest idempotency key accepted, in
// characters (Stripe's limit).
const MaxIdempotencyKeyLength = 255

// maxReason bounds reasons, in characters.
const maxReason = 500

// Entry is one entry of the append-only credits ledger.
type Entry struct {
	bun.BaseModel `bun:"table:userdesk_referral_credit_entries"`

	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// UserID is whose balance changed.
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// Seq numbers the user's entries 1, 2, 3… without gaps: it is the
	// account's Version after the entry.
	Seq int64 `bun:"seq,notnull" json:"seq"`
	// Amount is the signed change, never zero.
	Amount int64 `bun:"amount,notnull" json:"amount"`
	// BalanceAfter is the balance once the entry applied, never negative.
	BalanceAfter int64     `bun:"balance_after,notnull" json:"balance_after"`
	Kind         EntryKind `bun:"kind,notnull" json:"kind"`
	// OperatorID is the acting operator; nil for the system.
	OperatorID *uuid.UUID `bun:"operator_id,type:uuid" json:"operator_id"`
	// RefereeID names the referee of a consumption or a reward.
	RefereeID *uuid.UUID `bun:"referee_id,type:uuid" json:"referee_id"`
	// Reason is the operator's or the rule's reason; blanked when the user
	// is erased.
	Reason string `bun:"reason,notnull" json:"reason"`
	// IdempotencyKey is the key the change was made with, if any; blanked
	// when the user is erased.
	IdempotencyKey string    `bun:"idempotency_key,notnull" json:"idempotency_key"`
	CreatedAt      time.Time `bun:"created_at,notnull" json:"created_at"`
}

// CreditChange is the result of a credits change.
type CreditChange struct {
	// Entry is the ledger entry written; nil when a "set to N" found the
	// balance at N already (nothing to write).
	Entry *Entry `json:"entry"`
	// Balance and Version are the balance and its version after the
	// change.
	Balance int64 `json:"balance"`
	Version int64 `json:"version"`
	// Replayed is true when the idempotency key had been used for this
	// very request: the result is the first one and nothing was written.
	Replayed bool `json:"replayed"`
}

// CreditSet is an operator's "set credits to N".
type CreditSet struct {
	// To is the new balance, 0–MaxCredits.
	To int64 `json:"to"`
	// SeenVersion is the Version of the balance the operator saw (the
	// card's); a change since makes the set fail with a
	// *StaleCreditsError.
	SeenVersion int64 `json:"seen_version"`
	// Reason is optional, at most 500 characters.
	Reason string `json:"reason"`
	// IdempotencyKey is optional, at most 255 characters.
	IdempotencyKey string `json:"idempotency_key"`
}

// CreditStep is one arrow click of an operator.
type CreditStep struct {
	// Delta is +1 or -1.
	Delta int64 `json:"delta"`
	// Reason is optional, at most 500 characters.
	Reason string `json:"reason"`
	// IdempotencyKey is optional, at most 255 characters.
	IdempotencyKey string `json:"idempotency_key"`
}

// Adjustment is a change made by a rule of the host (no operator).
type Adjustment struct {
	// Kind is KindGranted or KindRestored (credits added) or KindExpired
	// (credits taken away).
	Kind EntryKind `json:"kind"`
	// Amount is how many credits, 1–MaxCredits; the sign comes from Kind.
	Amount int64 `json:"amount"`
	// RefereeID optionally names the referee the change is about.
	RefereeID *uuid.UUID `json:"referee_id"`
	// Reason is required, at most 500 characters.
	Reason string `json:"reason"`
	// IdempotencyKey is optional, at most 255 characters.
	IdempotencyKey string `json:"idempotency_key"`
}

// SetCredits sets a user's balance to set.To on behalf of an operator
// holding PermChangeCredits, writing the difference as one
// KindOperatorSet entry. The balance changes in one conditional UPDATE
// that names set.SeenVersion, so a change made since the operator looked
// (another operator's, a consumption) is never overwritten. Setting the
// balance it already has writes nothing (Entry is nil).
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden), a
// *usermgmt.ValidationError, ErrNotFound for an unknown or erased user, a
// *StaleCreditsError (ErrStaleVersion) carrying the current balance and who
// changed it, or ErrIdempotencyKeyReused.
func (s *Service) SetCredits(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, set CreditSet) (*CreditChange, error) {
	v := checkCommon(set.Reason, set.IdempotencyKey)
	if set.To < 0 || set.To > MaxCredits {
		v = add(v, "to", "range", fmt.Sprintf("must be between 0 and %d", MaxCredits))
	}
	if set.SeenVersion < 0 {
		v = add(v, "seen_version", "min", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := changeReq{user: userID, kind: KindOperatorSet, set: true, to: set.To, seen: set.SeenVersion,
		operator: &actor, reason: strings.TrimSpace(set.Reason), key: set.IdempotencyKey}
	return s.operatorChange(ctx, db, r)
}

// StepCredits adds step.Delta (+1 or -1) to a user's balance on behalf of
// an operator holding PermChangeCredits: one KindOperatorStep entry per
// click, so two operators' clicks both count. A -1 on a zero balance is
// refused.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError,
// ErrNotFound, ErrInsufficientCredits or ErrIdempotencyKeyReused.
func (s *Service) StepCredits(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, step CreditStep) (*CreditChange, error) {
	v := checkCommon(step.Reason, step.IdempotencyKey)
	if step.Delta != 1 && step.Delta != -1 {
		v = add(v, "delta", "oneof", "must be 1 or -1")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := changeReq{user: userID, kind: KindOperatorStep, delta: step.Delta,
		operator: &actor, reason: strings.TrimSpace(step.Reason), key: step.IdempotencyKey}
	return s.operatorChange(ctx, db, r)
}

func (s *Service) operatorChange(ctx context.Context, db bun.IDB, r changeReq) (*CreditChange, error) {
	if oneStatement(db, r) {
		if _, err := s.users.Authorize(ctx, db, *r.operator, PermChangeCredits); err != nil {
			return nil, err
		}
		if out, err := s.changeOneStatement(ctx, db, r); out != nil || err != nil {
			return out, err
		}
	}
	var out *CreditChange
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.users.Authorize(ctx, tx, *r.operator, PermChangeCredits); err != nil {
			return err
		}
		var err error
		out, err = s.applyChange(ctx, tx, r)
		return err
	})
	return out, err
}

// AdjustCredits applies a rule of the host (no operator, no permission):
// grants, restorations and expiries, each one entry. It is what a
// scheduled job or the host's own business rules call.
//
// Returns a *usermgmt.ValidationError, ErrNotFound, ErrInsufficientCredits
// (an expiry larger than the balance: expire what is left by reading the
// balance first and passing the idempotency key of the job run) or
// ErrIdempotencyKeyReused.
func (s *Service) AdjustCredits(ctx context.Context, db bun.IDB, userID uuid.UUID, adj Adjustment) (*CreditChange, error) {
	v := checkCommon(adj.Reason, adj.IdempotencyKey)
	if strings.TrimSpace(adj.Reason) == "" {
		v = add(v, "reason", "required", "is required")
	}
	if adj.Amount < 1 || adj.Amount > MaxCredits {
		v = add(v, "amount", "range", fmt.Sprintf("must be between 1 and %d", MaxCredits))
	}
	delta := adj.Amount
	switch adj.Kind {
	case KindGranted, KindRestored:
	case KindExpired:
		delta = -adj.Amount
	default:
		v = add(v, "kind", "oneof", "must be one of: granted restored expired")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := changeReq{user: userID, kind: adj.Kind, delta: delta, referee: adj.RefereeID,
		reason: strings.TrimSpace(adj.Reason), key: adj.IdempotencyKey}
	if oneStatement(db, r) {
		if out, err := s.changeOneStatement(ctx, db, r); out != nil || err != nil {
			return out, err
		}
	}
	var out *CreditChange
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.applyChange(ctx, tx, r)
		return err
	})
	return out, err
}

// oneStatement reports whether change r on db can skip the transaction:
// on PostgreSQL, outside a transaction of the host's (db is the *bun.DB),
// a change without an idempotency key is one statement (changeAndAppend:
// the conditional UPDATE and the entry INSERT in one data-modifying CTE),
// atomic on its own, so BEGIN and COMMIT would only add two round trips
// while the hot row stays locked. The operator's permission is read just
// before it (Authorize). With a key, the key's claim and the change must
// commit together, and inside the host's transaction the host decides.
//
// Only deltas take it (an arrow click, a rule's grant): an operator's "set
// to N" often matches nothing (the same value again, a stale version) and
// would then pay the refused statement and the transactional path after it.
func oneStatement(db bun.IDB, r changeReq) bool {
	_, plain := db.(*bun.DB)
	return plain && !r.set && r.key == "" && isPostgres(db)
}

// changeOneStatement applies r as the one statement of oneStatement. It
// returns (nil, nil) when the conditional UPDATE matched nothing (no
// account yet, an erased user, a stale set, a balance that would leave its
// range): the caller then runs the transactional path, which writes
// nothing more than this did (nothing) and finds out why.
func (s *Service) changeOneStatement(ctx context.Context, db bun.IDB, r changeReq) (*CreditChange, error) {
	entryID, err := newID()
	if err != nil {
		return nil, err
	}
	e := &Entry{ID: entryID, UserID: r.user, Kind: r.kind, OperatorID: r.operator, RefereeID: r.referee,
		Reason: r.reason, CreatedAt: s.clock()}
	switch err := changeAndAppend(ctx, db, r, e); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("referral: change credits: %w", err)
	}
	return &CreditChange{Entry: e, Balance: e.BalanceAfter, Version: e.Seq}, nil
}

// checkCommon validates the reason and idempotency key every change has.
func checkCommon(reason, key string) *usermgmt.ValidationError {
	var v *usermgmt.ValidationError
	if err := textError("reason", reason); err != nil {
		v = add(v, "reason", "text", err.Message)
	} else if utf8.RuneCountInString(reason) > maxReason {
		v = add(v, "reason", "max", fmt.Sprintf("must be at most %d characters", maxReason))
	}
	if err := textError("idempotency_key", key); err != nil {
		v = add(v, "idempotency_key", "text", err.Message)
	} else if utf8.RuneCountInString(key) > MaxIdempotencyKeyLength {
		v = add(v, "idempotency_key", "max", fmt.Sprintf("must be valid UTF-8 of at most %d characters", MaxIdempotencyKeyLength))
	}
	return v
}

// textError is usermgmt.CheckText's refusal of s (a NUL byte, invalid
// UTF-8) as the one FieldError it names, or nil.
func textError(field, s string) *usermgmt.FieldError {
	var verr *usermgmt.ValidationError
	if errors.As(usermgmt.CheckText(field, s), &verr) && len(verr.Fields) > 0 {
		return &verr.Fields[0]
	}
	return nil
}

// checkReason validates an operator's reason: text (usermgmt.CheckText),
// not blank once trimmed, at most maxReason characters.
func checkReason(reason string) error {
	if err := usermgmt.CheckText("reason", reason); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return usermgmt.Invalid("reason", "required", "is required")
	}
	if utf8.RuneCountInString(reason) > maxReason {
		return usermgmt.Invalid("reason", "max", fmt.Sprintf("must be at most %d characters", maxReason))
	}
	return nil
}

// add appends a field error to v, creating it when nil.
func add(v *usermgmt.ValidationError, field, rule, message string) *usermgmt.ValidationError {
	if v == nil {
		return usermgmt.Invalid(field, rule, message)
	}
	return v.Add(field, rule, message)
}

// changeReq is one change of a balance: a delta, or a set to a value
// against a seen version.
type changeReq struct {
	user     uuid.UUID
	kind     EntryKind
	delta    int64
	set      bool
	to, seen int64
	operator *uuid.UUID
	referee  *uuid.UUID
	reason   string
	key      string
}

// fingerprint identifies the request behind an idempotency key: the same
// key with another fingerprint is refused.
func (r changeReq) fingerprint() string {
	op, ref := "", ""
	if r.operator != nil {
		op = r.operator.String()
	}
	if r.referee != nil {
		ref = r.referee.String()
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "v1\x00%s\x00%s\x00%s\x00%s\x00%d\x00%t\x00%d\x00%d\x00%s",
		r.user, r.kind, op, ref, r.delta, r.set, r.to, r.seen, r.reason))
	return hex.EncodeToString(sum[:])
}

// idempotencyKey is a stored key and the first result it produced.
type idempotencyKey struct {
	bun.BaseModel `bun:"table:userdesk_referral_idempotency_keys"`
	Key           string     `bun:"key,pk"`
	Fingerprint   string     `bun:"fingerprint,notnull"`
	UserID        uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	EntryID       *uuid.UUID `bun:"entry_id,type:uuid"`
	Balance       int64      `bun:"balance,notnull"`
	Version       int64      `bun:"version,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// applyChange is the one place that changes a balance, on tx (which the
// caller opened: on error the caller's transaction or savepoint rolls back
// whatever was written here).
//
// With an idempotency key it first claims the key (INSERT … ON CONFLICT DO
// NOTHING): on PostgreSQL a concurrent request with the same key waits on
// that row until the first commits or rolls back, on SQLite writers are
// serialised, so exactly one request does the work and the others read its
// result. The balance then changes in one conditional UPDATE … RETURNING,
// and the entry is inserted with the returned balance and version; the row
// stays locked from the UPDATE to the commit, the only time a hot balance
// is held.
func (s *Service) applyChange(ctx context.Context, tx bun.IDB, r changeReq) (*CreditChange, error) {
	now := s.clock()
	entryID, err := newID()
	if err != nil {
		return nil, err
	}
	fp := ""
	if r.key != "" {
		fp = r.fingerprint()
		k := &idempotencyKey{Key: r.key, Fingerprint: fp, UserID: r.user, EntryID: &entryID, CreatedAt: now}
		res, err := tx.NewInsert().Model(k).On("CONFLICT (key) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("referral: claim idempotency key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return replay(ctx, tx, r.key, fp)
		}
	}
	e := &Entry{ID: entryID, UserID: r.user, Kind: r.kind, OperatorID: r.operator, RefereeID: r.referee,
		Reason: r.reason, IdempotencyKey: r.key, CreatedAt: now}
	pg := isPostgres(tx)
	for attempt := 0; ; attempt++ {
		var err error
		if pg {
			err = changeAndAppend(ctx, tx, r, e)
		} else {
			err = changeThenAppend(ctx, tx, r, e)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("referral: change credits: %w", err)
		}
		// Nothing matched: find out why (a read after the refusal, never
		// before a write).
		a, err := getAccount(ctx, tx, r.user, false)
		if errors.Is(err, ErrNotFound) && attempt == 0 {
			if _, err := s.ensureAccount(ctx, tx, r.user); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case a.ErasedAt != nil:
			return nil, ErrNotFound
		case attempt < 3 && permits(a, r):
			// The UPDATE ran before a concurrent opening of the account
			// committed (PostgreSQL's READ COMMITTED: each statement sees
			// what had committed when it began), and the account read
			// after it allows the change: run the UPDATE again.
			continue
		case r.set && a.Version == r.seen && a.Balance == r.to:
			out := &CreditChange{Balance: a.Balance, Version: a.Version}
			if r.key != "" {
				if _, err := tx.NewUpdate().Model((*idempotencyKey)(nil)).Set("entry_id = NULL").
					Set("balance = ?", a.Balance).Set("version = ?", a.Version).Where("key = ?", r.key).Exec(ctx); err != nil {
					return nil, fmt.Errorf("referral: record idempotency key: %w", err)
				}
			}
			return out, nil
		case r.set:
			return nil, &StaleCreditsError{Balance: a.Balance, Version: a.Version, ChangedBy: a.ChangedBy, ChangedAt: a.ChangedAt}
		case a.Balance+r.delta > MaxCredits:
			return nil, usermgmt.Invalid("delta", "range", fmt.Sprintf("the balance must stay at most %d", MaxCredits))
		default:
			return nil, ErrInsufficientCredits
		}
	}
	return &CreditChange{Entry: e, Balance: e.BalanceAfter, Version: e.Seq}, nil
}

// permits reports whether the conditional UPDATE of r would match a.
func permits(a *Account, r changeReq) bool {
	if r.set {
		return a.Version == r.seen && a.Balance != r.to
	}
	b := a.Balance + r.delta
	return b >= 0 && b <= MaxCredits
}

// updateSQL is the conditional UPDATE of a balance, with its arguments; it
// returns the new balance, the new version and the applied delta (for a
// set, the difference: SET expressions read the row as it was).
func updateSQL(r changeReq, now time.Time) (string, []any) {
	if r.set {
		return `UPDATE userdesk_referral_accounts
SET last_delta = ? - balance, balance = ?, version = version + 1, changed_by = ?, changed_at = ?
WHERE user_id = ? AND erased_at IS NULL AND version = ? AND balance <> ?
RETURNING balance, version, last_delta`, []any{r.to, r.to, r.operator, now, r.user, r.seen, r.to}
	}
	return `UPDATE userdesk_referral_accounts
SET balance = balance + ?, version = version + 1, last_delta = ?, changed_by = ?, changed_at = ?
WHERE user_id = ? AND erased_at IS NULL AND balance + ? >= 0 AND balance + ? <= ?
RETURNING balance, version, last_delta`, []any{r.delta, r.delta, r.operator, now, r.user, r.delta, r.delta, MaxCredits}
}

// changeThenAppend runs the conditional UPDATE, then inserts the entry
// with what it returned (SQLite: two statements in the serialised write
// transaction). Returns sql.ErrNoRows when the UPDATE matched nothing.
func changeThenAppend(ctx context.Context, tx bun.IDB, r changeReq, e *Entry) error {
	q, args := updateSQL(r, e.CreatedAt)
	if err := tx.NewRaw(q, args...).Scan(ctx, &e.BalanceAfter, &e.Seq, &e.Amount); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(e).Exec(ctx)
	return err
}

// changeAndAppend is changeThenAppend in one statement (PostgreSQL: the
// UPDATE in a data-modifying CTE feeding the INSERT), so the balance row
// is locked for one round trip fewer before the commit, which is what
// bounds the changes per second of one hot user.
func changeAndAppend(ctx context.Context, tx bun.IDB, r changeReq, e *Entry) error {
	q, args := updateSQL(r, e.CreatedAt)
	q = "WITH u AS (" + q + `)
INSERT INTO userdesk_referral_credit_entries
    (id, user_id, seq, amount, balance_after, kind, operator_id, referee_id, reason, idempotency_key, created_at)
SELECT ?::uuid, ?::uuid, u.version, u.last_delta, u.balance, ?, ?::uuid, ?::uuid, ?, ?, ?::timestamptz FROM u
RETURNING balance_after, seq, amount`
	args = append(args, e.ID, e.UserID, e.Kind, e.OperatorID, e.RefereeID, e.Reason, e.IdempotencyKey, e.CreatedAt)
	return tx.NewRaw(q, args...).Scan(ctx, &e.BalanceAfter, &e.Seq, &e.Amount)
}

// replay returns the first result of an idempotency key, or
// ErrIdempotencyKeyReused when the key came with another request.
func replay(ctx context.Context, tx bun.IDB, key, fp string) (*CreditChange, error) {
	k := new(idempotencyKey)
	if err := tx.NewSelect().Model(k).Where("key = ?", key).Scan(ctx); err != nil {
		return nil, fmt.Errorf("referral: read idempotency key: %w", err)
	}
	if k.Fingerprint != fp {
		return nil, ErrIdempotencyKeyReused
	}
	if k.EntryID == nil {
		return &CreditChange{Balance: k.Balance, Version: k.Version, Replayed: true}, nil
	}
	e := new(Entry)
	if err := tx.NewSelect().Model(e).Where("id = ?", *k.EntryID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("referral: read replayed entry: %w", err)
	}
	return &CreditChange{Entry: e, Balance: e.BalanceAfter, Version: e.Seq, Replayed: true}, nil
}

// PruneIdempotencyKeys deletes the idempotency keys older than
// Config.IdempotencyTTL (at least 24 hours) and returns how many went. A
// host runs it from a periodic job; until it runs, older keys keep being
// honoured. The ledger keeps the key of each entry regardless.
func (s *Service) PruneIdempotencyKeys(ctx context.Context, db bun.IDB) (int64, error) {
	res, err := db.NewDelete().Model((*idempotencyKey)(nil)).
		Where("created_at < ?", s.clock().Add(-s.cfg.IdempotencyTTL)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("referral: prune idempotency keys: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
