package thirdparty

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// GetLink returns the user's link to provider on behalf of an operator
// holding PermReadLinks. Without usermgmt.PermReadPersonalData the
// snapshot is left out (it holds the profile's email and phone).
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden), or
// ErrNotFound when the user has no link to provider.
func (s *Service) GetLink(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, provider string) (*Link, error) {
	op, err := s.users.Authorize(ctx, db, actor, PermReadLinks)
	if err != nil {
		return nil, err
	}
	l, err := FindLink(ctx, db, userID, provider)
	if err != nil {
		return nil, err
	}
	s.mask(op, l)
	return l, nil
}

// mask drops the snapshot (the remote profile, with its email and phone)
// for an operator who may not read personal data.
func (s *Service) mask(op *usermgmt.Operator, links ...*Link) {
	if s.users.Can(op, usermgmt.PermReadPersonalData) {
		return
	}
	for _, l := range links {
		l.Snapshot = nil
	}
}

// ListLinks returns every link of the user (one per provider, sorted by
// provider) on behalf of an operator holding PermReadLinks.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden).
func (s *Service) ListLinks(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) ([]Link, error) {
	op, err := s.users.Authorize(ctx, db, actor, PermReadLinks)
	if err != nil {
		return nil, err
	}
	var out []Link
	if err := db.NewSelect().Model(&out).Where("user_id = ?", userID).Order("provider").Scan(ctx); err != nil {
		return nil, fmt.Errorf("thirdparty: list links: %w", err)
	}
	for i := range out {
		s.mask(op, &out[i])
	}
	return out, nil
}

// AmbiguousQueue returns up to limit ambiguous links of provider, oldest
// first, after the link with id after (uuid.Nil for the first page), for
// an operator holding PermReadLinks. Each carries its candidates.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden).
func (s *Service) AmbiguousQueue(ctx context.Context, db bun.IDB, actor uuid.UUID, provider string, after uuid.UUID, limit int) ([]Link, error) {
	op, err := s.users.Authorize(ctx, db, actor, PermReadLinks)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []Link
	q := db.NewSelect().Model(&out).Where("provider = ?", provider).Where("status = ?", StatusAmbiguous)
	if after != uuid.Nil {
		q = q.Where("id > ?", after)
	}
	if err := q.Order("id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("thirdparty: ambiguous queue: %w", err)
	}
	for i := range out {
		s.mask(op, &out[i])
	}
	return out, nil
}

// FindLink returns the user's link to provider without a permission
// check: for providers' system flows (health checks, login). Returns
// ErrNotFound.
func FindLink(ctx context.Context, db bun.IDB, userID uuid.UUID, provider string) (*Link, error) {
	l := new(Link)
	err := db.NewSelect().Model(l).Where("user_id = ?", userID).Where("provider = ?", provider).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("thirdparty: find link: %w", err)
	}
	return l, nil
}

// FindByExternalID returns the link of provider's profile externalID in
// environment. Returns ErrNotFound.
func FindByExternalID(ctx context.Context, db bun.IDB, provider, environment, externalID string) (*Link, error) {
	l := new(Link)
	err := db.NewSelect().Model(l).Where("provider = ?", provider).Where("environment = ?", environment).
		Where("external_id = ?", externalID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("thirdparty: find link: %w", err)
	}
	return l, nil
}

// DueForCheck returns up to limit links of provider that point at a
// profile, checked longest ago first (never checked first), and not
// checked since notSince.
func DueForCheck(ctx context.Context, db bun.IDB, provider string, notSince time.Time, limit int) ([]Link, error) {
	var out []Link
	err := db.NewSelect().Model(&out).Where("provider = ?", provider).Where("external_id <> ''").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("last_checked_at IS NULL").WhereOr("last_checked_at < ?", notSince.UTC())
		}).
		OrderExpr("last_checked_at IS NOT NULL, last_checked_at, id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("thirdparty: due links: %w", err)
	}
	return out, nil
}

// DueForRetry returns up to limit links of provider whose queued retry
// is due at now.
func DueForRetry(ctx context.Context, db bun.IDB, provider string, now time.Time, limit int) ([]Link, error) {
	var out []Link
	err := db.NewSelect().Model(&out).Where("provider = ?", provider).Where("retry_at IS NOT NULL").
		Where("retry_at <= ?", now.UTC()).Order("retry_at", "id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("thirdparty: due retries: %w", err)
	}
	return out, nil
}

// LinkChange is a new state of a user's link, written by SaveLink.
type LinkChange struct {
	UserID   uuid.UUID
	Provider string
	// Version is the link version the change was made against; zero when
	// the user has no link yet.
	Version     int64
	ExternalID  string
	Environment string
	Status      Status
	Reason      Reason
	Detail      string
	// Checked, when set, is recorded as the last health check.
	Checked *time.Time
	// Snapshot replaces the snapshot when not nil.
	Snapshot []byte
	// Candidates of an ambiguous link (replaced every time; nil clears).
	Candidates []Candidate
	// RetryAt queues an automatic retry; nil clears the queue.
	RetryAt *time.Time
	// Attempts is the count of automatic attempts so far.
	Attempts int
	// OperatorID is the acting operator; nil for the system.
	OperatorID *uuid.UUID
	// AuditReason is the audit record's reason (the operator's, or what
	// the system saw: "webhook client deleted").
	AuditReason string
}

// SaveLink writes a link's new state and audits it, in one transaction
// on db (joining the caller's). A change with Version 0 creates the link;
// otherwise the stored link must still be at Version.
//
// Returns ErrConflict when the link changed since Version (or exists when
// Version is 0), ErrTaken when the external profile is linked to another
// user, a *usermgmt.ValidationError for an inconsistent change (broken
// without a reason, linked without an external id).
func (s *Service) SaveLink(ctx context.Context, db bun.IDB, ch LinkChange) (*Link, error) {
	if err := checkChange(ch); err != nil {
		return nil, err
	}
	var out *Link
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := s.Now()
		var before *Link
		if ch.Version != 0 {
			l, err := FindLink(ctx, tx, ch.UserID, ch.Provider)
			if errors.Is(err, ErrNotFound) {
				return ErrConflict
			}
			if err != nil {
				return err
			}
			if l.Version != ch.Version {
				return ErrConflict
			}
			before = l
		}
		if ch.ExternalID != "" {
			other, err := FindByExternalID(ctx, tx, ch.Provider, ch.Environment, ch.ExternalID)
			if err == nil && other.UserID != ch.UserID {
				return ErrTaken
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		l := &Link{UserID: ch.UserID, Provider: ch.Provider, CreatedAt: now}
		if before != nil {
			c := *before
			l = &c
		}
		l.ExternalID, l.Environment, l.Status, l.Reason, l.Detail = ch.ExternalID, ch.Environment, ch.Status, ch.Reason, ch.Detail
		if ch.Checked != nil {
			t := ch.Checked.UTC().Truncate(time.Microsecond)
			l.LastCheckedAt = &t
		}
		if ch.Snapshot != nil {
			l.Snapshot = ch.Snapshot
		}
		if ch.Status == StatusUnlinked && ch.ExternalID == "" {
			l.Snapshot = nil
		}
		l.Candidates = ch.Candidates
		l.RetryAt = nil
		if ch.RetryAt != nil {
			t := ch.RetryAt.UTC().Truncate(time.Microsecond)
			l.RetryAt = &t
		}
		l.Attempts = ch.Attempts
		l.UpdatedAt = now
		if before == nil {
			id, err := newID()
			if err != nil {
				return err
			}
			l.ID, l.Version = id, 1
			if _, err := tx.NewInsert().Model(l).Exec(ctx); err != nil {
				return s.writeErr(err)
			}
		} else {
			l.Version = before.Version + 1
			res, err := tx.NewUpdate().Model(l).WherePK().Where("version = ?", before.Version).Exec(ctx)
			if err != nil {
				return s.writeErr(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrConflict
			}
		}
		out = l
		// A change of only the check time, snapshot, candidates or retry
		// queue (a health check that found the link as it was) is not
		// audited.
		fields := changedFields(before, l)
		if len(fields) == 0 {
			return nil
		}
		_, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: ch.OperatorID, UserID: &l.UserID, Action: ActionLinkChange, Fields: fields,
			Before: auditState(before), After: auditState(l), Reason: ch.AuditReason,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writeErr turns a unique violation (a concurrent write) into ErrConflict.
func (s *Service) writeErr(err error) error {
	if sqldb.IsUniqueViolation(err) {
		return ErrConflict
	}
	return fmt.Errorf("thirdparty: save link: %w", err)
}

func checkChange(ch LinkChange) error {
	v := &usermgmt.ValidationError{}
	if ch.Provider == "" {
		v.Add("provider", "required", "is required")
	}
	switch ch.Status {
	case StatusLinked, StatusAmbiguous, StatusUnlinked:
		if ch.Reason != ReasonNone {
			v.Add("reason", "excluded_unless", "is set only on a broken link")
		}
	case StatusBroken:
		if ch.Reason == ReasonNone {
			v.Add("reason", "required_if", "is required on a broken link")
		}
	default:
		v.Add("status", "oneof", "must be linked, broken, ambiguous or unlinked")
	}
	if (ch.Status == StatusLinked || ch.Status == StatusBroken) && ch.ExternalID == "" {
		v.Add("external_id", "required_if", "is required on a linked or broken link")
	}
	return v.Err()
}

func changedFields(before, after *Link) []string {
	if before == nil {
		return []string{"status", "external_id", "environment", "reason"}
	}
	var f []string
	if before.Status != after.Status {
		f = append(f, "status")
	}
	if before.ExternalID != after.ExternalID {
		f = append(f, "external_id")
	}
	if before.Environment != after.Environment {
		f = append(f, "environment")
	}
	if before.Reason != after.Reason {
		f = append(f, "reason")
	}
	return f
}

// auditState is the non-personal part of a link for the audit log: the
// external id stays out (it identifies a person at the provider).
func auditState(l *Link) map[string]any {
	if l == nil {
		return map[string]any{"status": StatusUnlinked}
	}
	return map[string]any{"provider": l.Provider, "status": l.Status, "reason": l.Reason, "environment": l.Environment}
}

// Unlink detaches the user from the provider's profile on behalf of an
// operator holding PermReconnect: the link becomes unlinked, without
// external id, snapshot, candidates or queued retry. version is the link
// version the operator saw. The external profile is not touched.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError (reason
// required), ErrNotFound, ErrConflict when the link changed since version.
func (s *Service) Unlink(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, provider string, version int64, reason string) (*Link, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, usermgmt.Invalid("reason", "required", "is required")
	}
	var out *Link
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.users.Authorize(ctx, tx, actor, PermReconnect); err != nil {
			return err
		}
		if _, err := FindLink(ctx, tx, userID, provider); err != nil {
			return err
		}
		var err error
		out, err = s.SaveLink(ctx, tx, LinkChange{
			UserID: userID, Provider: provider, Version: version, Status: StatusUnlinked,
			OperatorID: &actor, AuditReason: reason, Detail: "unlinked by an operator",
		})
		return err
	})
	return out, err
}
