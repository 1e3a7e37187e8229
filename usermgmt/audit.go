package usermgmt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Audit actions written by this package.
const (
	ActionUserUpdate   = "user.update"
	ActionStatusChange = "user.status_change"
	// ActionPasswordSet: an operator set the user's password.
	ActionPasswordSet = "user.password_set"
	// ActionFeesSet: an operator changed the user's fee override.
	ActionFeesSet = "user.fees_set"
	// ActionCategoriesSet: an operator replaced the user's categories.
	ActionCategoriesSet = "user.categories_set"
	// ActionVerificationsSet: an operator changed verification flags.
	ActionVerificationsSet = "user.verifications_set"
	// ActionBankAccountSet: an operator stored the user's bank account.
	ActionBankAccountSet = "user.bank_account_set"
	// ActionBankAccountReveal: an operator read the bank account in clear.
	ActionBankAccountReveal = "user.bank_account_reveal"
	// ActionPersonalDataView: an operator impersonating a user saw the
	// user's personal data in clear (the fields are named).
	ActionPersonalDataView = "user.personal_data_view"
	// ActionGuestUpdate: an operator edited a guest invitation.
	ActionGuestUpdate = "user.guest_update"
	// ActionErase: an operator erased the user (GDPR).
	ActionErase = "user.erase"
	// ActionSettingsUpdate: an operator changed the platform settings.
	ActionSettingsUpdate = "platform.settings_update"
	// ActionCategoryCreate: an operator added a category to the catalog.
	ActionCategoryCreate = "category.create"
)

// AuditRecord is one entry of the append-only audit log. It never holds
// personal data: Fields names what changed, and Before and After carry
// values only for non-personal fields (status, roles, type, fees, flags).
// Reason, free text an operator typed that may name people, is kept
// beside the log (userdesk_audit_reasons) and deleted when the user acted
// on is erased; the log itself is never rewritten.
type AuditRecord struct {
	bun.BaseModel `bun:"table:userdesk_audit_log"`

	// ID is a UUIDv7: the log's order.
	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// At is when the change was made, UTC.
	At time.Time `bun:"at,notnull" json:"at"`
	// OperatorID is the acting operator; nil for the system or the user.
	OperatorID *uuid.UUID `bun:"operator_id,type:uuid" json:"operator_id"`
	// UserID is the user acted on; nil when the action concerns no user.
	UserID *uuid.UUID `bun:"user_id,type:uuid" json:"user_id"`
	// Action is a dotted name such as "user.status_change".
	Action string `bun:"action,notnull" json:"action"`
	// Reason is the operator's stated reason, when one was given; empty
	// once the user acted on was erased (see EraseUser).
	Reason string `bun:"reason,scanonly" json:"reason"`
	// Fields are the names of the changed fields.
	Fields []string `bun:"fields,notnull,type:text" json:"fields"`
	// Before and After hold the old and new values of non-personal fields.
	Before map[string]any `bun:"before,notnull,type:text" json:"before"`
	After  map[string]any `bun:"after,notnull,type:text" json:"after"`
}

// AuditEntry is what an operation records in the audit log. It must hold
// no personal data: name changed fields in Fields, and put values in
// Before and After only for non-personal fields.
type AuditEntry struct {
	// OperatorID is the acting operator; nil for the system or the user.
	OperatorID *uuid.UUID
	// UserID is the user acted on, if any.
	UserID *uuid.UUID
	// Action is a dotted name such as "user.status_change".
	Action string
	// Reason is the operator's stated reason, if any.
	Reason string
	// Fields names the changed fields.
	Fields []string
	// Before and After hold values of non-personal fields only.
	Before, After map[string]any
}

// RecordAudit appends an entry to the audit log on tx. Call it in the
// transaction of the change it records, so the record exists exactly when
// the change does. Packages built on usermgmt (impersonation, exports) and
// hosts use it for their own actions.
func (s *Service) RecordAudit(ctx context.Context, tx bun.IDB, e AuditEntry) (*AuditRecord, error) {
	if e.Action == "" {
		return nil, invalid("action", "required", "is required")
	}
	if err := CheckText("reason", e.Reason); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	rec := &AuditRecord{
		ID: id, At: s.clock(), OperatorID: e.OperatorID, UserID: e.UserID, Action: e.Action, Reason: e.Reason,
		Fields: e.Fields, Before: jsonMap(e.Before), After: jsonMap(e.After),
	}
	if rec.Fields == nil {
		rec.Fields = []string{}
	}
	if rec.Before == nil {
		rec.Before = map[string]any{}
	}
	if rec.After == nil {
		rec.After = map[string]any{}
	}
	if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
		return nil, fmt.Errorf("usermgmt: write audit: %w", err)
	}
	if rec.Reason != "" {
		row := &auditReason{AuditID: rec.ID, UserID: rec.UserID, Reason: rec.Reason}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return nil, fmt.Errorf("usermgmt: write audit reason: %w", err)
		}
	}
	return rec, nil
}

// auditReason is the erasable reason of an audit record.
type auditReason struct {
	bun.BaseModel `bun:"table:userdesk_audit_reasons"`
	AuditID       uuid.UUID  `bun:"audit_id,pk,type:uuid"`
	UserID        *uuid.UUID `bun:"user_id,type:uuid"`
	Reason        string     `bun:"reason,notnull"`
}

// eraseAuditReasons deletes the reasons of every audit record about
// userID.
func eraseAuditReasons(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	if _, err := tx.NewDelete().Model((*auditReason)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: erase audit reasons: %w", err)
	}
	return nil
}

// AuditPage asks for one page of an audit trail.
type AuditPage struct {
	// Limit is the page size, 1–200; zero means 50.
	Limit int
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string
}

// AuditTrail returns a user's audit records, newest first, one page at a
// time (keyset pagination on the record ID), and the cursor of the next
// page ("" on the last page). The acting operator needs PermReadUsers.
//
// Returns a *PermissionError (ErrForbidden), ErrInvalidCursor, or a
// *ValidationError for a bad limit.
func (s *Service) AuditTrail(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, page AuditPage) ([]AuditRecord, string, error) {
	limit := page.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, "", invalid("limit", "range", "must be between 1 and 200")
	}
	var after uuid.UUID
	if page.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		if err != nil || len(b) != 16 {
			return nil, "", ErrInvalidCursor
		}
		copy(after[:], b)
		if after.Version() != 7 {
			return nil, "", ErrInvalidCursor
		}
	}
	if _, err := s.Authorize(ctx, db, actor, PermReadUsers); err != nil {
		return nil, "", err
	}
	var recs []AuditRecord
	q := auditSelect(db, &recs).Where("?TableAlias.user_id = ?", userID).OrderExpr("?TableAlias.id DESC").Limit(int64(limit + 1))
	if page.Cursor != "" {
		q = q.Where("?TableAlias.id < ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, "", fmt.Errorf("usermgmt: audit trail: %w", err)
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1].ID
		next = base64.RawURLEncoding.EncodeToString(last[:])
	}
	return recs, next, nil
}

// AuditQuery selects audit records about one user, for packages built on
// usermgmt that show them beside their own data (the activity timeline).
type AuditQuery struct {
	// UserID is the user acted on; required.
	UserID uuid.UUID
	// OperatorOnly keeps the records of operator actions (OperatorID set).
	OperatorOnly bool
	// Actions keeps only these actions; empty keeps all.
	Actions []string
	// From (inclusive) and To (exclusive) bound At; nil is unbounded.
	From, To *time.Time
	// Limit bounds the number of records, newest first; 1–1000, zero
	// means 200.
	Limit int
}

// QueryAudit returns a user's audit records matching q, newest first,
// with their reasons. Host path: no permission check — the caller has
// authorized the operator for what it shows (the activity package checks
// its own permission). Returns a *ValidationError for a bad limit or a
// missing user.
func (s *Service) QueryAudit(ctx context.Context, db bun.IDB, q AuditQuery) ([]AuditRecord, error) {
	if q.UserID == uuid.Nil {
		return nil, invalid("user_id", "required", "is required")
	}
	if q.Limit == 0 {
		q.Limit = 200
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return nil, invalid("limit", "range", "must be between 1 and 1000")
	}
	var recs []AuditRecord
	sq := auditSelect(db, &recs).Where("?TableAlias.user_id = ?", q.UserID).OrderExpr("?TableAlias.id DESC").Limit(int64(q.Limit))
	if q.OperatorOnly {
		sq = sq.Where("?TableAlias.operator_id IS NOT NULL")
	}
	if len(q.Actions) > 0 {
		sq = sq.Where("?TableAlias.action IN (?)", bun.List(q.Actions))
	}
	if q.From != nil {
		sq = sq.Where("?TableAlias.at >= ?", q.From.UTC())
	}
	if q.To != nil {
		sq = sq.Where("?TableAlias.at < ?", q.To.UTC())
	}
	if err := sq.Scan(ctx); err != nil {
		return nil, fmt.Errorf("usermgmt: query audit: %w", err)
	}
	return recs, nil
}

// auditSelect selects audit records into dst with their reasons.
func auditSelect(db bun.IDB, dst *[]AuditRecord) *bun.SelectQuery {
	return db.NewSelect().Model(dst).ColumnExpr("?TableAlias.*").ColumnExpr("COALESCE(r.reason, '') AS reason").
		Join("LEFT JOIN userdesk_audit_reasons AS r ON r.audit_id = ?TableAlias.id")
}

// jsonValue renders v for Before/After maps in a stable JSON-friendly form.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
