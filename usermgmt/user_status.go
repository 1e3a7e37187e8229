package usermgmt

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// StatusChange describes a status change, for hooks.
type StatusChange struct {
	UserID     uuid.UUID
	From, To   Status
	OperatorID uuid.UUID
	Reason     string
	At         time.Time
	// Erased is true when the change comes from erasing the user (the
	// status then becomes Invalidated and the personal data is gone).
	Erased bool
}

// StatusHook is called for every status change, inside the transaction
// that writes it and after the write: tx joins that transaction, so the
// host's own writes (ending the user's sessions, revoking tokens, queueing
// an email in an outbox) commit or roll back with the change. An error
// from the hook aborts the change.
type StatusHook func(ctx context.Context, tx bun.IDB, change StatusChange) error

// OnStatusChange registers a hook; hooks run in registration order.
func (s *Service) OnStatusChange(h StatusHook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.statusHooks = append(s.statusHooks, h)
}

func (s *Service) hooks() []StatusHook {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return append([]StatusHook(nil), s.statusHooks...)
}

// ChangeStatus sets a user's status on behalf of an operator holding
// PermChangeStatus, with a reason (required). The change, its audit record
// and the status hooks run in one transaction. Setting the status the user
// already has changes nothing and records nothing.
//
// With [IfVersion] the change happens only at the version the operator
// read, and is one version.
//
// Returns a *PermissionError (ErrForbidden), ErrNotFound, ErrStaleVersion,
// or a *ValidationError for an unknown status or an empty reason.
func (s *Service) ChangeStatus(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, to Status, reason string, opts ...WriteOption) (*User, error) {
	wo := collectWriteOptions(opts)
	reason = strings.TrimSpace(reason)
	verr := &ValidationError{}
	checkTexts(struct {
		Reason string `json:"reason"`
	}{reason}, verr)
	if !to.Valid() {
		verr.Fields = append(verr.Fields, FieldError{Field: "status", Rule: "oneof", Message: "must be one of: live in_review invalidated"})
	}
	if reason == "" {
		verr.Fields = append(verr.Fields, FieldError{Field: "reason", Rule: "required", Message: "is required"})
	} else if len(reason) > 1000 {
		verr.Fields = append(verr.Fields, FieldError{Field: "reason", Rule: "max", Message: "must be at most 1000 long"})
	}
	if len(verr.Fields) > 0 {
		return nil, verr
	}
	var out *User
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermChangeStatus)
		if err != nil {
			return err
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		expect, err := wo.expect(u)
		if err != nil {
			return err
		}
		out = u
		if u.Status == to {
			return wo.claim(ctx, tx, u, expect)
		}
		from := u.Status
		u.Status = to
		u.UpdatedAt = s.clock()
		if err := updateUserColumns(ctx, tx, u, expect, "status"); err != nil {
			return err
		}
		wo.report(u.Version)
		if _, err := s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &u.ID, Action: ActionStatusChange, Reason: reason,
			Fields: []string{"status"}, Before: map[string]any{"status": from}, After: map[string]any{"status": to},
		}); err != nil {
			return err
		}
		change := StatusChange{UserID: u.ID, From: from, To: to, OperatorID: op.ID, Reason: reason, At: u.UpdatedAt}
		for _, h := range s.hooks() {
			if err := h(ctx, tx, change); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
