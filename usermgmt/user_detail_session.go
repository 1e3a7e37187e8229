package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// sessionDetailRow is the row of GetUserDetailBySession: the operator of
// the session (the op_ columns) beside the detail read of the user, whose
// columns are NULL when there is no such user (a LEFT JOIN).
type sessionDetailRow struct {
	userDetailRow `bun:",extend"`
	Op            Operator `bun:"embed:op_"`
	OpRolesJSON   string   `bun:"op_roles_json,scanonly"`
}

// sessionOperatorColumns are the op_ columns of sessionDetailRow the
// statement reads (o is the operators table): every column of the
// operator but the password hash and the normalized email, as
// ResolveOperatorSession reads it.
const sessionOperatorColumns = "o.id AS op_id, o.name AS op_name, o.email AS op_email, o.active AS op_active, " +
	"o.created_at AS op_created_at, o.updated_at AS op_updated_at, o.version AS op_version"

// GetUserDetailBySession is [Service.ResolveOperatorSession] and
// [Service.GetUserDetail] in one statement and one round trip to the
// database: the operator of the live operator session token, and the
// detail view of user id as that operator may see it. It is for the
// hottest back-office request, a user's page, where the session statement
// was half of the database's work.
//
// The session is checked first, with the errors of ResolveOperatorSession
// (ErrSessionInvalid, ErrLoginRefused); then the operator's permission,
// as GetUserDetail checks it (a *PermissionError for PermReadUsers), then
// the user (ErrNotFound). The user's row is read in the same statement
// whatever the outcome, but nothing of it is returned unless every check
// passed. The operator comes as ResolveOperatorSession returns it: pass
// it to the request's other library calls with [Service.WithOperator].
func (s *Service) GetUserDetailBySession(ctx context.Context, db bun.IDB, token string, id uuid.UUID) (*Operator, *UserDetail, error) {
	if token == "" {
		return nil, nil, ErrSessionInvalid
	}
	row := new(sessionDetailRow)
	// Compiled once per connection (scanOne), as the two statements it
	// replaces are.
	query := s.hot.text(db, "user detail by session", func(arg func(int) bun.Safe) string {
		return userDetailSelect(db, (*sessionDetailRow)(nil)).
			ExcludeColumn("op_id", "op_name", "op_email", "op_email_normalized", "op_password_hash",
				"op_active", "op_created_at", "op_updated_at", "op_version").
			ColumnExpr(sessionOperatorColumns).
			ColumnExpr(jsonListOf(db, "role", "userdesk_operator_roles", "operator_id", "o.id")+" AS op_roles_json").
			// The arguments numbered in the order of the text, which is
			// the order they bind in on a database not opened by sqldb.
			ModelTableExpr("userdesk_sessions AS s JOIN userdesk_operators AS o ON o.id = s.subject_id "+
				"LEFT JOIN ?TableName AS ?TableAlias ON ?TableAlias.id = ?", arg(1)).
			Apply(liveOperatorSession(arg, 2)).String()
	})
	err := scanOne(ctx, db, query, row, append([]any{id}, s.operatorSessionArgs(token)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("usermgmt: user detail by session: %w", err)
	}
	op := &row.Op
	if err := op.fromSession(row.OpRolesJSON); err != nil {
		return nil, nil, err
	}
	if !s.Can(op, PermReadUsers) {
		return nil, nil, &PermissionError{Permission: PermReadUsers}
	}
	r, err := row.read()
	if err != nil {
		return nil, nil, err
	}
	d, err := s.detailOf(op, id, r)
	if err != nil {
		return nil, nil, err
	}
	return op, d, nil
}
