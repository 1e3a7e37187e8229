package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// CreateOperator creates an active back-office operator. It is the host's
// path (bootstrap, admin tooling) and checks no permission itself.
//
// Returns a *ValidationError (ErrInvalid) for bad fields or an unknown role,
// ErrEmailTaken when another operator has the email.
func (s *Service) CreateOperator(ctx context.Context, db bun.IDB, in NewOperator) (*Operator, error) {
	in.Email = strings.TrimSpace(in.Email)
	if err := s.check(in); err != nil {
		return nil, err
	}
	if err := s.checkRoleNames(in.Roles); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.clock()
	op := &Operator{
		ID: id, Name: strings.TrimSpace(in.Name), Email: in.Email, EmailNormalized: normalizeEmail(in.Email),
		PasswordHash: hash, Active: true, Roles: sortedUnique(in.Roles), CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(op).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return fmt.Errorf("usermgmt: insert operator: %w", err)
		}
		return replaceOperatorRoles(ctx, tx, op.ID, op.Roles)
	})
	if err != nil {
		return nil, err
	}
	return op, nil
}

// CountOperators returns how many operators exist, so a host can bootstrap
// the first one only on an empty table.
func (s *Service) CountOperators(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Operator)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("usermgmt: count operators: %w", err)
	}
	return int(n), nil
}

// GetOperator reads an operator with its roles. Returns ErrNotFound.
func (s *Service) GetOperator(ctx context.Context, db bun.IDB, id uuid.UUID) (*Operator, error) {
	return getOperator(ctx, db, "id = ?", id)
}

// AuthenticateOperator checks an operator's email and password for the back
// office. An unknown email and a wrong password both return
// ErrInvalidCredentials after the same amount of work; a deactivated
// operator gets ErrLoginRefused (after a correct password only). An email
// that is not text (CheckText) is a *ValidationError naming email.
func (s *Service) AuthenticateOperator(ctx context.Context, db bun.IDB, email, password string) (*Operator, error) {
	if err := CheckText("email", email); err != nil {
		return nil, err
	}
	op, err := getOperator(ctx, db, "email_normalized = ?", normalizeEmail(email))
	if errors.Is(err, ErrNotFound) {
		s.hasher.VerifyDummy(ctx, password)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	needsRehash, err := s.hasher.Verify(ctx, password, op.PasswordHash)
	if errors.Is(err, ErrPasswordMismatch) {
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if !op.Active {
		return nil, ErrLoginRefused
	}
	if needsRehash {
		s.rehash(ctx, db, (*Operator)(nil), op.ID, password)
	}
	return op, nil
}

// SetOperatorActive activates or deactivates an operator; a deactivated
// operator is refused every operation at once. Host path: no permission
// check. Returns ErrNotFound.
func (s *Service) SetOperatorActive(ctx context.Context, db bun.IDB, id uuid.UUID, active bool) error {
	res, err := db.NewUpdate().Model((*Operator)(nil)).
		Set("active = ?", active).Set("updated_at = ?", s.clock()).Set("version = version + 1").
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: set operator active: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetOperatorRoles replaces an operator's roles. Host path: no permission
// check. Returns ErrNotFound, or a *ValidationError for an unknown role.
func (s *Service) SetOperatorRoles(ctx context.Context, db bun.IDB, id uuid.UUID, roles []OperatorRole) error {
	if err := s.checkRoleNames(roles); err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Operator)(nil)).
			Set("updated_at = ?", s.clock()).Set("version = version + 1").Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usermgmt: set operator roles: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return replaceOperatorRoles(ctx, tx, id, sortedUnique(roles))
	})
}

func (s *Service) checkRoleNames(roles []OperatorRole) error {
	for i, r := range roles {
		if _, ok := s.roles[r]; !ok {
			return invalid(fmt.Sprintf("roles[%d]", i), "known_role", fmt.Sprintf("unknown operator role %q", r))
		}
	}
	return nil
}

// operatorRow is an operator read with its roles in one statement.
type operatorRow struct {
	Operator  `bun:",extend"`
	RolesJSON string `bun:"roles_json,scanonly"`
}

// getOperator reads the operator matching where (a condition on the
// operators table's columns) with its roles, in one statement: every
// Authorize runs it. Returns ErrNotFound.
func getOperator(ctx context.Context, db bun.IDB, where string, arg any) (*Operator, error) {
	row := new(operatorRow)
	err := db.NewSelect().Model(row).ColumnExpr("?TableAlias.*").
		ColumnExpr(jsonList(db, "role", "userdesk_operator_roles", "operator_id")+" AS roles_json").
		Where("?TableAlias."+where, arg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: get operator: %w", err)
	}
	op := &row.Operator
	if op.Roles, err = decodeList[OperatorRole](row.RolesJSON); err != nil {
		return nil, err
	}
	if len(op.Roles) == 0 {
		op.Roles = nil
	}
	return op, nil
}

func replaceOperatorRoles(ctx context.Context, tx bun.IDB, id uuid.UUID, roles []OperatorRole) error {
	if _, err := tx.NewDelete().Model((*operatorRole)(nil)).Where("operator_id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace operator roles: %w", err)
	}
	if len(roles) == 0 {
		return nil
	}
	rows := make([]operatorRole, 0, len(roles))
	for _, r := range roles {
		rows = append(rows, operatorRole{OperatorID: id, Role: r})
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace operator roles: %w", err)
	}
	return nil
}

// rehash stores a hash of password made with the current parameters, for
// an account whose hash used weaker ones. model is (*User)(nil) or
// (*Operator)(nil). Failure only delays the upgrade, so it is logged.
func (s *Service) rehash(ctx context.Context, db bun.IDB, model any, id uuid.UUID, password string) {
	hash, err := s.hasher.Hash(ctx, password)
	if err == nil {
		_, err = db.NewUpdate().Model(model).Set("password_hash = ?", hash).Where("id = ?", id).Exec(ctx)
	}
	if err != nil {
		s.log.WarnContext(ctx, "password rehash failed", "id", id, "err", err)
	}
}
