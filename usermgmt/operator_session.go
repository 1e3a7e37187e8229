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
			ColumnExpr(jsonList(db, "role", "userdesk_operator_roles", "operator_id") + " AS roles_json").
			Join("JOIN userdesk_sessions AS s ON s.subject_id = ?TableAlias.id").
			Apply(liveOperatorSession(arg, 1)).String()
	})
	err := scanOne(ctx, db, query, row, s.operatorSessionArgs(token)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: resolve operator session: %w", err)
	}
	op := &row.Operator
	if err := op.fromSession(row.RolesJSON); err != nil {
		return nil, err
	}
	return op, nil
}

// liveOperatorSession returns the conditions of a live operator session
// s (its token hash, kind and expiry: arguments n, n+1 and n+2 of
// operatorSessionArgs) for a hot statement's query.
func liveOperatorSession(arg func(int) bun.Safe, n int) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("s.token_hash = ?", arg(n)).Where("s.kind = ?", arg(n+1)).Where("s.expires_at > ?", arg(n+2))
	}
}

// operatorSessionArgs are the arguments of liveOperatorSession for token.
func (s *Service) operatorSessionArgs(token string) []any {
	return []any{hashToken(token), OperatorSession, s.clock()}
}

// fromSession finishes an operator read with its session: its roles
// from their JSON list (jsonList; none is nil), and ErrLoginRefused when
// it is deactivated.
func (op *Operator) fromSession(rolesJSON string) error {
	roles, err := decodeList[OperatorRole](rolesJSON)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		roles = nil
	}
	op.Roles = roles
	if !op.Active {
		return ErrLoginRefused
	}
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
