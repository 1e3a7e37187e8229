package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// MaxSavedViews bounds how many views one operator owns.
const MaxSavedViews = 50

// SavedView is a named users-list search of the back office: its URL
// query (filters, sort, page size, hidden columns) kept for its owner
// and, when SharedRole is set, for every operator holding that role.
type SavedView struct {
	bun.BaseModel `bun:"table:userdesk_saved_views"`

	ID      uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	OwnerID uuid.UUID `bun:"owner_id,notnull,type:uuid" json:"owner_id"`
	Name    string    `bun:"name,notnull" json:"name"`
	// Query is the list's URL query without a paging cursor.
	Query string `bun:"query,notnull" json:"query"`
	// SharedRole is the operator role the view is shared with; empty
	// keeps it to its owner.
	SharedRole OperatorRole `bun:"shared_role,notnull" json:"shared_role"`
	CreatedAt  time.Time    `bun:"created_at,notnull" json:"created_at"`
}

// SavedViewInput is a view to save.
type SavedViewInput struct {
	// Name is required, at most 100 characters.
	Name string
	// Query is the users list's URL query; a paging cursor in it is
	// dropped (a view opens on its first page). At most 2000 bytes.
	Query string
	// SharedRole shares the view with the operators holding that role;
	// the owner must hold it too. Empty keeps the view private.
	SharedRole OperatorRole
}

// SaveView saves a view of the users list for actor, who needs
// PermReadUsers and may share only with a role they hold. Returns a
// *PermissionError, or a *ValidationError naming "name", "query" or
// "shared_role" (also when the owner has MaxSavedViews already).
func (s *Service) SaveView(ctx context.Context, db bun.IDB, actor uuid.UUID, in SavedViewInput) (*SavedView, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return nil, Invalid("name", "required", "give the view a name")
	case len([]rune(in.Name)) > 100:
		return nil, Invalid("name", "max", "must be at most 100 characters")
	case len(in.Query) > 2000:
		return nil, Invalid("query", "max", "is too long to be saved")
	case in.SharedRole != "" && !slices.Contains(op.Roles, in.SharedRole):
		return nil, Invalid("shared_role", "held", "you can share a view only with a role you hold")
	}
	q, err := url.ParseQuery(in.Query)
	if err != nil {
		return nil, Invalid("query", "format", "is not a URL query")
	}
	q.Del("cursor")
	n, err := db.NewSelect().Model((*SavedView)(nil)).Where("owner_id = ?", actor).Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("usermgmt: count saved views: %w", err)
	}
	if n >= MaxSavedViews {
		return nil, Invalid("name", "max_views", fmt.Sprintf("you have %d saved views already; delete one first", MaxSavedViews))
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	v := &SavedView{ID: id, OwnerID: actor, Name: in.Name, Query: q.Encode(), SharedRole: in.SharedRole, CreatedAt: s.clock()}
	if _, err := db.NewInsert().Model(v).Exec(ctx); err != nil {
		return nil, fmt.Errorf("usermgmt: save view: %w", err)
	}
	return v, nil
}

// ListViews returns the views actor may open: their own, then those
// shared with one of their roles, each group by name. Needs
// PermReadUsers.
func (s *Service) ListViews(ctx context.Context, db bun.IDB, actor uuid.UUID) ([]SavedView, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	var vs []SavedView
	q := db.NewSelect().Model(&vs).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("owner_id = ?", actor)
		if len(op.Roles) > 0 {
			q = q.WhereOr("shared_role IN (?)", bun.List(op.Roles))
		}
		return q
	}).OrderExpr("CASE WHEN owner_id = ? THEN 0 ELSE 1 END, name, id", actor).Limit(500)
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("usermgmt: list saved views: %w", err)
	}
	return vs, nil
}

// OpenView returns a view for actor to open: it must be theirs or shared
// with a role they hold now (a role taken away closes the views shared
// with it). The list it opens checks its own permissions again. Returns
// a *PermissionError, ErrViewNotShared or ErrNotFound.
func (s *Service) OpenView(ctx context.Context, db bun.IDB, actor, id uuid.UUID) (*SavedView, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	v, err := getView(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if v.OwnerID != actor && (v.SharedRole == "" || !slices.Contains(op.Roles, v.SharedRole)) {
		return nil, ErrViewNotShared
	}
	return v, nil
}

// DeleteView deletes one of actor's own views. Returns a
// *PermissionError, ErrViewNotShared for another operator's view, or
// ErrNotFound.
func (s *Service) DeleteView(ctx context.Context, db bun.IDB, actor, id uuid.UUID) error {
	if _, err := s.Authorize(ctx, db, actor, PermReadUsers); err != nil {
		return err
	}
	v, err := getView(ctx, db, id)
	if err != nil {
		return err
	}
	if v.OwnerID != actor {
		return ErrViewNotShared
	}
	if _, err := db.NewDelete().Model((*SavedView)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: delete saved view: %w", err)
	}
	return nil
}

func getView(ctx context.Context, db bun.IDB, id uuid.UUID) (*SavedView, error) {
	v := new(SavedView)
	err := db.NewSelect().Model(v).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: read saved view: %w", err)
	}
	return v, nil
}
