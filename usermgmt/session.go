package usermgmt

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// SessionKind says whose session it is.
type SessionKind string

// The session kinds.
const (
	OperatorSession SessionKind = "operator"
	UserSession     SessionKind = "user"
)

type sessionRow struct {
	bun.BaseModel `bun:"table:userdesk_sessions"`
	TokenHash     string      `bun:"token_hash,pk"`
	Kind          SessionKind `bun:"kind,notnull"`
	SubjectID     uuid.UUID   `bun:"subject_id,notnull,type:uuid"`
	CreatedAt     time.Time   `bun:"created_at,notnull"`
	ExpiresAt     time.Time   `bun:"expires_at,notnull"`
}

// StartSession opens a login session for an operator or a user and returns
// its token: 256 random bits, URL-safe, of which only a hash is stored. It
// expires after ttl (at most 30 days).
func (s *Service) StartSession(ctx context.Context, db bun.IDB, kind SessionKind, subject uuid.UUID, ttl time.Duration) (token string, expires time.Time, err error) {
	if kind != OperatorSession && kind != UserSession {
		return "", time.Time{}, invalid("kind", "oneof", "must be operator or user")
	}
	if ttl <= 0 || ttl > 30*24*time.Hour {
		return "", time.Time{}, invalid("ttl", "range", "must be between 0 and 30 days")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("usermgmt: session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	now := s.clock()
	row := &sessionRow{TokenHash: hashToken(token), Kind: kind, SubjectID: subject, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", time.Time{}, fmt.Errorf("usermgmt: start session: %w", err)
	}
	return token, row.ExpiresAt, nil
}

// ResolveSession returns the subject of a live session of that kind.
// Returns ErrSessionInvalid for an unknown, expired or ended one, and
// ErrLoginRefused for a user session whose user may no longer log in (the
// status forbids it, or the user was erased) — New registers a status
// hook that ends such sessions, and this check holds even for a session
// that a host's own status write left behind.
func (s *Service) ResolveSession(ctx context.Context, db bun.IDB, kind SessionKind, token string) (uuid.UUID, error) {
	if token == "" {
		return uuid.Nil, ErrSessionInvalid
	}
	return s.resolveSessionRef(ctx, db, kind, hashToken(token))
}

// SessionRef returns the reference of a session token: the hash under
// which the session is stored. It names a session without being able to
// open one, so another table may keep it (the impersonation package binds
// each token to the operator session that issued it).
func SessionRef(token string) string { return hashToken(token) }

// ResolveSessionRef is ResolveSession for a reference made by SessionRef.
// Same errors.
func (s *Service) ResolveSessionRef(ctx context.Context, db bun.IDB, kind SessionKind, ref string) (uuid.UUID, error) {
	if ref == "" {
		return uuid.Nil, ErrSessionInvalid
	}
	return s.resolveSessionRef(ctx, db, kind, ref)
}

func (s *Service) resolveSessionRef(ctx context.Context, db bun.IDB, kind SessionKind, ref string) (uuid.UUID, error) {
	var row struct {
		SubjectID uuid.UUID  `bun:"subject_id"`
		Status    *Status    `bun:"status"`
		DeletedAt *time.Time `bun:"deleted_at"`
	}
	q := db.NewSelect().TableExpr("userdesk_sessions AS s").ColumnExpr("s.subject_id").
		Where("s.token_hash = ?", ref).Where("s.kind = ?", kind).Where("s.expires_at > ?", s.clock())
	if kind == UserSession {
		q = q.ColumnExpr("u.status, u.deleted_at").Join("LEFT JOIN userdesk_users AS u ON u.id = s.subject_id")
	}
	err := q.Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, ErrSessionInvalid
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("usermgmt: resolve session: %w", err)
	}
	if kind == UserSession && (row.Status == nil || row.DeletedAt != nil || !row.Status.Allows(CanLogIn)) {
		return uuid.Nil, ErrLoginRefused
	}
	return row.SubjectID, nil
}

// endSessionsOnLockout is the status hook New registers: a user whose new
// status forbids logging in, or who was erased, loses every session in the
// transaction of the change.
func (s *Service) endSessionsOnLockout(ctx context.Context, tx bun.IDB, c StatusChange) error {
	if c.To.Allows(CanLogIn) && !c.Erased {
		return nil
	}
	_, err := s.EndAllSessions(ctx, tx, UserSession, c.UserID)
	return err
}

// EndSession ends one session (logout). Ending an unknown session is not
// an error.
func (s *Service) EndSession(ctx context.Context, db bun.IDB, token string) error {
	if _, err := db.NewDelete().Model((*sessionRow)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: end session: %w", err)
	}
	return nil
}

// EndAllSessions ends every session of a subject, for example in a status
// hook when a user is Invalidated, and sweeps expired sessions of anyone.
// Returns how many of the subject's sessions ended.
func (s *Service) EndAllSessions(ctx context.Context, db bun.IDB, kind SessionKind, subject uuid.UUID) (int64, error) {
	res, err := db.NewDelete().Model((*sessionRow)(nil)).Where("kind = ?", kind).Where("subject_id = ?", subject).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("usermgmt: end sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := db.NewDelete().Model((*sessionRow)(nil)).Where("expires_at <= ?", s.clock()).Exec(ctx); err != nil {
		return n, fmt.Errorf("usermgmt: sweep sessions: %w", err)
	}
	return n, nil
}
