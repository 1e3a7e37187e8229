package impersonation

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Causes of a revocation, in the audit record's After["cause"].
const (
	causeOperator        = "operator"
	causeUserInvalidated = "user_invalidated"
	causeUserErased      = "user_erased"
)

// Revoke ends one token on behalf of actor, with an optional reason, and
// returns its record. An operator holding usermgmt.PermImpersonate revokes
// its own tokens; revoking another operator's needs Config.RevokeOthers
// too. A token already revoked or expired is returned as it is, and
// nothing is written. The revocation and its ActionRevoke audit record are
// one transaction.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden), or
// usermgmt.ErrNotFound when there is no such token.
func (s *Service) Revoke(ctx context.Context, db bun.IDB, actor, tokenID uuid.UUID, reason string) (*Record, error) {
	var out *Record
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, usermgmt.PermImpersonate)
		if err != nil {
			return err
		}
		rec, err := getRecord(ctx, tx, tokenID)
		if err != nil {
			return err
		}
		if rec.OperatorID != actor && !s.users.Can(op, s.revokeOthers) {
			return &usermgmt.PermissionError{Permission: s.revokeOthers}
		}
		out = rec
		revoked, err := s.revoke(ctx, tx, revokeFilter{tokenID: &tokenID}, &actor, reason, causeOperator)
		if len(revoked) == 1 {
			out = &revoked[0]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeOperator ends every live token of operatorID on behalf of actor
// and returns how many it ended. An operator holding
// usermgmt.PermImpersonate revokes its own; another operator's need
// Config.RevokeOthers too (a host deactivating an operator need not call
// it: verification already refuses an inactive operator's tokens). Each
// token revoked gets an ActionRevoke audit record, in the same
// transaction.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden).
func (s *Service) RevokeOperator(ctx context.Context, db bun.IDB, actor, operatorID uuid.UUID, reason string) (int, error) {
	var n int
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, usermgmt.PermImpersonate)
		if err != nil {
			return err
		}
		if operatorID != actor && !s.users.Can(op, s.revokeOthers) {
			return &usermgmt.PermissionError{Permission: s.revokeOthers}
		}
		revoked, err := s.revoke(ctx, tx, revokeFilter{operatorID: &operatorID}, &actor, reason, causeOperator)
		n = len(revoked)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// RevokeUser ends every live token for userID, whoever issued it, on
// behalf of actor, who needs usermgmt.PermImpersonate and
// Config.RevokeOthers, and returns how many it ended. Each token revoked
// gets an ActionRevoke audit record, in the same transaction.
//
// The package does the same by itself, through the status hook New
// registers, when the user is Invalidated or erased: the revocation then
// joins the status change's transaction and is audited with the operator
// and reason of the change. Tokens issued afterwards (Config.AllowInvalidated)
// are not touched.
//
// Returns a *usermgmt.PermissionError (usermgmt.ErrForbidden).
func (s *Service) RevokeUser(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, reason string) (int, error) {
	var n int
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, usermgmt.PermImpersonate)
		if err != nil {
			return err
		}
		if !s.users.Can(op, s.revokeOthers) {
			return &usermgmt.PermissionError{Permission: s.revokeOthers}
		}
		revoked, err := s.revoke(ctx, tx, revokeFilter{userID: &userID}, &actor, reason, causeOperator)
		n = len(revoked)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// onStatusChange is the status hook: it revokes a user's live tokens when
// the user becomes Invalidated or is erased.
func (s *Service) onStatusChange(ctx context.Context, tx bun.IDB, c usermgmt.StatusChange) error {
	if c.To != usermgmt.StatusInvalidated && !c.Erased {
		return nil
	}
	cause := causeUserInvalidated
	if c.Erased {
		cause = causeUserErased
	}
	var by *uuid.UUID
	if c.OperatorID != uuid.Nil {
		by = &c.OperatorID
	}
	_, err := s.revoke(ctx, tx, revokeFilter{userID: &c.UserID}, by, c.Reason, cause)
	return err
}

// revoke revokes the live tokens f selects and audits each, on tx.
func (s *Service) revoke(ctx context.Context, tx bun.IDB, f revokeFilter, by *uuid.UUID, reason, cause string) ([]Record, error) {
	revoked, err := revokeLive(ctx, tx, f, s.clock(), by)
	if err != nil {
		return nil, err
	}
	for i := range revoked {
		r := &revoked[i]
		if _, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: by, UserID: &r.UserID, Action: ActionRevoke, Reason: reason, Fields: []string{"revoked_at"},
			After: map[string]any{"token_id": r.ID.String(), "token_operator_id": r.OperatorID.String(), "cause": cause},
		}); err != nil {
			return nil, err
		}
	}
	return revoked, nil
}
