package usermgmt

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// PermManageOperators lets an operator list, create, re-role, deactivate
// and reactivate other operators (the product document's "Administrators
// Management"). It is registered through the catalogue: pass
// OperatorPermissions() in Config.Permissions (RoleAdmin then holds it,
// like every known permission).
const PermManageOperators Permission = "operators.manage"

// The audit actions of operator management. The records name the target
// operator in After["operator_id"] (UserID is nil: no user is acted on).
const (
	ActionOperatorCreate = "operator.create"
	ActionOperatorRoles  = "operator.roles_change"
	ActionOperatorActive = "operator.active_change"
)

// OperatorPermissions are the permission definitions of operator
// management, for Config.Permissions.
func OperatorPermissions() []PermissionDef {
	return []PermissionDef{{
		Permission:  PermManageOperators,
		Description: "List, create, change the roles of, deactivate and reactivate back-office operators.",
	}}
}

// ListOperators lists every operator, active or not, by name, for an
// operator holding PermManageOperators. Returns a *PermissionError.
func (s *Service) ListOperators(ctx context.Context, db bun.IDB, actor uuid.UUID) ([]Operator, error) {
	if _, err := s.Authorize(ctx, db, actor, PermManageOperators); err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	if err := db.NewSelect().Model((*Operator)(nil)).Column("id").Order("name", "id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("usermgmt: list operators: %w", err)
	}
	out := make([]Operator, 0, len(ids))
	for _, id := range ids {
		op, err := s.GetOperator(ctx, db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *op)
	}
	return out, nil
}

// CreateOperatorAs creates an operator on behalf of actor, who must hold
// PermManageOperators; audited (ActionOperatorCreate, with the roles).
// Returns a *PermissionError, a *ValidationError, ErrEmailTaken.
func (s *Service) CreateOperatorAs(ctx context.Context, db bun.IDB, actor uuid.UUID, in NewOperator) (*Operator, error) {
	if err := s.check(in); err != nil {
		return nil, err
	}
	var op *Operator
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.Authorize(ctx, tx, actor, PermManageOperators); err != nil {
			return err
		}
		var err error
		if op, err = s.CreateOperator(ctx, tx, in); err != nil {
			return err
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{OperatorID: &actor, Action: ActionOperatorCreate, Fields: []string{"name", "email", "roles"},
			After: map[string]any{"operator_id": op.ID.String(), "roles": op.Roles}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return op, nil
}

// ChangeOperatorRoles replaces operator id's roles on behalf of actor, who
// must hold PermManageOperators, guarded by the operator's version (the
// one actor read); audited (ActionOperatorRoles, roles before and after).
// An operator cannot change their own roles, and the last active admin
// keeps the admin role, so that the back office is never left without
// one. Returns the operator as written, a *PermissionError, a
// *ValidationError (unknown role, no role, version), ErrNotFound,
// ErrStaleVersion or ErrConflict.
func (s *Service) ChangeOperatorRoles(ctx context.Context, db bun.IDB, actor, id uuid.UUID, version int64, roles []OperatorRole) (*Operator, error) {
	if version <= 0 {
		return nil, invalid("version", "required", "is required: the version you read")
	}
	if len(roles) == 0 {
		return nil, invalid("roles", "required", "is required: at least one role")
	}
	if err := s.checkRoleNames(roles); err != nil {
		return nil, err
	}
	return s.changeOperator(ctx, db, actor, id, version, ActionOperatorRoles, func(ctx context.Context, tx bun.Tx, before *Operator) (map[string]any, map[string]any, error) {
		if !slices.Contains(roles, RoleAdmin) && slices.Contains(before.Roles, RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tx, id); err != nil {
				return nil, nil, err
			}
		}
		if err := replaceOperatorRoles(ctx, tx, id, sortedUnique(roles)); err != nil {
			return nil, nil, err
		}
		return map[string]any{"roles": before.Roles}, map[string]any{"roles": sortedUnique(roles)}, nil
	})
}

// SetOperatorActiveAs deactivates (active false) or reactivates operator
// id on behalf of actor, who must hold PermManageOperators, guarded by the
// version; audited (ActionOperatorActive, with reason). Deactivation ends
// the operator's sessions in the same transaction. An operator cannot
// deactivate themselves, nor the last active admin. Returns the operator
// as written, a *PermissionError, a *ValidationError (reason, version),
// ErrNotFound, ErrStaleVersion or ErrConflict.
func (s *Service) SetOperatorActiveAs(ctx context.Context, db bun.IDB, actor, id uuid.UUID, version int64, active bool, reason string) (*Operator, error) {
	verr := &ValidationError{}
	checkTexts(struct {
		Reason string `json:"reason"`
	}{reason}, verr)
	if version <= 0 {
		verr.Fields = append(verr.Fields, FieldError{Field: "version", Rule: "required", Message: "is required: the version you read"})
	}
	if !active && reason == "" {
		verr.Fields = append(verr.Fields, FieldError{Field: "reason", Rule: "required", Message: "is required to deactivate an operator"})
	}
	if len(verr.Fields) > 0 {
		return nil, verr
	}
	return s.changeOperator(ctx, db, actor, id, version, ActionOperatorActive, func(ctx context.Context, tx bun.Tx, before *Operator) (map[string]any, map[string]any, error) {
		if !active && before.Active && slices.Contains(before.Roles, RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tx, id); err != nil {
				return nil, nil, err
			}
		}
		if _, err := tx.NewUpdate().Model((*Operator)(nil)).Set("active = ?", active).Where("id = ?", id).Exec(ctx); err != nil {
			return nil, nil, fmt.Errorf("usermgmt: set operator active: %w", err)
		}
		if !active {
			if _, err := s.EndAllSessions(ctx, tx, OperatorSession, id); err != nil {
				return nil, nil, err
			}
		}
		return map[string]any{"active": before.Active, "reason": reason}, map[string]any{"active": active}, nil
	})
}

// changeOperator runs change on operator id in one transaction: actor's
// permission, no change to oneself, the version claimed (which locks the
// row), the change, the audit record.
func (s *Service) changeOperator(ctx context.Context, db bun.IDB, actor, id uuid.UUID, version int64, action string,
	change func(ctx context.Context, tx bun.Tx, current *Operator) (before, after map[string]any, err error)) (*Operator, error) {
	var out *Operator
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.Authorize(ctx, tx, actor, PermManageOperators); err != nil {
			return err
		}
		if actor == id {
			return fmt.Errorf("usermgmt: an operator cannot change their own roles or standing: %w", ErrConflict)
		}
		res, err := tx.NewUpdate().Model((*Operator)(nil)).Set("version = version + 1").Set("updated_at = ?", s.clock()).
			Where("id = ?", id).Where("version = ?", version).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usermgmt: change operator: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.GetOperator(ctx, tx, id); err != nil {
				return err
			}
			return ErrStaleVersion
		}
		before, err := s.GetOperator(ctx, tx, id)
		if err != nil {
			return err
		}
		b, a, err := change(ctx, tx, before)
		if err != nil {
			return err
		}
		if out, err = s.GetOperator(ctx, tx, id); err != nil {
			return err
		}
		a["operator_id"] = id.String()
		reason, _ := b["reason"].(string)
		delete(b, "reason")
		fields := make([]string, 0, len(a))
		for k := range a {
			if k != "operator_id" {
				fields = append(fields, k)
			}
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{OperatorID: &actor, Action: action, Reason: reason, Fields: fields, Before: b, After: a})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// keepAnAdmin returns ErrConflict when no active admin but id would be
// left.
func (s *Service) keepAnAdmin(ctx context.Context, tx bun.IDB, id uuid.UUID) error {
	n, err := tx.NewSelect().TableExpr("userdesk_operator_roles AS r").Join("JOIN userdesk_operators AS o ON o.id = r.operator_id").
		Where("r.role = ?", RoleAdmin).Where("o.active").Where("o.id <> ?", id).Count(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: count admins: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("usermgmt: the last active admin keeps the role: %w", ErrConflict)
	}
	return nil
}

// SetOperatorPassword replaces operator id's password and ends their
// sessions, in one transaction. It is the host's path (a reset tool, the
// reference server's -reset-demo-passwords) and checks no permission.
// Returns ErrNotFound or a *ValidationError naming password (the rules of
// NewOperator.Password and CheckPassword).
func (s *Service) SetOperatorPassword(ctx context.Context, db bun.IDB, id uuid.UUID, password string) error {
	if err := s.CheckPassword("password", password); err != nil {
		return err
	}
	if len([]rune(password)) < 12 {
		return invalid("password", "min", "must be at least 12 characters long")
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Operator)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", s.clock()).
			Set("version = version + 1").Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usermgmt: set operator password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = s.EndAllSessions(ctx, tx, OperatorSession, id)
		return err
	})
}
