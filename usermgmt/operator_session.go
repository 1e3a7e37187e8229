package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// ResolveOperatorSession returns the active operator of a live operator
// session, with its roles, in one statement (the session joined to the
// operator and its roles): what a back-office request needs before its
// first library call. Returns ErrSessionInvalid for an unknown, expired or
// ended session or one whose operator is gone, and ErrLoginRefused when
// the operator is deactivated.
//
// The operator comes without its password hash and normalized email
// (PasswordHash and EmailNormalized are empty): it travels in the
// request's context, which has no use for them. Do not write it back
// whole (an update of every column); the library's own writes name their
// columns.
//
// Pass the operator to the request's library calls with
// [Service.WithOperator], so that their [Service.Authorize] does not read
// it again.
func (s *Service) ResolveOperatorSession(ctx context.Context, db bun.IDB, token string) (*Operator, error) {
	if token == "" {
		return nil, ErrSessionInvalid
	}
	row := new(operatorRow)
	// The statement of every back-office request: compiled once per
	// connection (scanOne).
	query := s.hot.text(db, "operator session", func(arg func(int) bun.Safe) string {
		return db.NewSelect().Model((*operatorRow)(nil)).ExcludeColumn("password_hash", "email_normalized").
			ColumnExpr(jsonList(db, "role", "userdesk_operator_roles", "operator_id")+" AS roles_json").
			Join("JOIN userdesk_sessions AS s ON s.subject_id = ?TableAlias.id").
			Where("s.token_hash = ?", arg(1)).Where("s.kind = ?", arg(2)).
			Where("s.expires_at > ?", arg(3)).String()
	})
	err := scanOne(ctx, db, query, row, hashToken(token), OperatorSession, s.clock())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: resolve operator session: %w", err)
	}
	op := &row.Operator
	if err := op.decodeSessionRoles(row.RolesJSON); err != nil {
		return nil, err
	}
	if !op.Active {
		return nil, ErrLoginRefused
	}
	return op, nil
}

// decodeSessionRoles sets the roles of an operator read with a session
// from their JSON list (jsonList); none is nil.
func (op *Operator) decodeSessionRoles(raw string) error {
	roles, err := decodeList[OperatorRole](raw)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		roles = nil
	}
	op.Roles = roles
	return nil
}

// requestOperator is the operator a context carries for one Service.
type requestOperator struct {
	svc *Service
	op  Operator
}

type requestOperatorKey struct{}

// WithOperator returns a context that carries op, an operator this
// Service loaded at the start of a request (ResolveOperatorSession,
// GetOperator or AuthenticateOperator). [Service.Authorize] for that
// operator's ID then checks the permission against it instead of reading
// the operator again: one statement less per library call. The operator
// is the one of the request's start: a deactivation or a role change that
// commits during the request applies from the next request. Another
// Service, or another actor ID, reads the operator as usual.
func (s *Service) WithOperator(ctx context.Context, op *Operator) context.Context {
	if op == nil {
		return ctx
	}
	c := *op
	c.Roles = append([]OperatorRole(nil), op.Roles...)
	return context.WithValue(ctx, requestOperatorKey{}, &requestOperator{svc: s, op: c})
}

// operatorFromContext returns a copy of the operator WithOperator put in
// ctx for this Service and actor.
func (s *Service) operatorFromContext(ctx context.Context, actor uuid.UUID) (*Operator, bool) {
	c, ok := ctx.Value(requestOperatorKey{}).(*requestOperator)
	if !ok || c.svc != s || c.op.ID != actor {
		return nil, false
	}
	op := c.op
	op.Roles = append([]OperatorRole(nil), c.op.Roles...)
	return &op, true
}
