package usermgmt

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// Category is an entry of the platform's category catalog (for example
// "Photographers", "Caterers").
type Category struct {
	bun.BaseModel `bun:"table:userdesk_categories"`

	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// Slug is the stable machine name: lowercase letters, digits, dashes.
	Slug      string    `bun:"slug,notnull" json:"slug"`
	Name      string    `bun:"name,notnull" json:"name"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
}

type userCategory struct {
	bun.BaseModel `bun:"table:userdesk_user_categories"`
	UserID        uuid.UUID `bun:"user_id,pk,type:uuid"`
	CategoryID    uuid.UUID `bun:"category_id,pk,type:uuid"`
}

var slugShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// CreateCategory adds a category to the catalog on behalf of an operator
// holding PermEditSettings. Returns a *PermissionError, a *ValidationError
// naming slug or name, or ErrConflict for a slug in use.
func (s *Service) CreateCategory(ctx context.Context, db bun.IDB, actor uuid.UUID, slug, name string) (*Category, error) {
	slug, name = strings.TrimSpace(slug), strings.TrimSpace(name)
	verr := &ValidationError{}
	checkTexts(struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	}{slug, name}, verr)
	if !slugShape.MatchString(slug) || len(slug) > 64 {
		verr.Fields = append(verr.Fields, FieldError{Field: "slug", Rule: "slug", Message: "must be 1-64 lowercase letters, digits and dashes"})
	}
	if name == "" || len(name) > 100 {
		verr.Fields = append(verr.Fields, FieldError{Field: "name", Rule: "required", Message: "is required (at most 100 long)"})
	}
	if len(verr.Fields) > 0 {
		return nil, verr
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	c := &Category{ID: id, Slug: slug, Name: name, CreatedAt: s.clock()}
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermEditSettings)
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return fmt.Errorf("usermgmt: category slug %q in use: %w", slug, ErrConflict)
			}
			return fmt.Errorf("usermgmt: create category: %w", err)
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{OperatorID: &op.ID, Action: ActionCategoryCreate, Fields: []string{"slug", "name"}, After: map[string]any{"slug": slug, "name": name}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCategories returns the catalog, ordered by name. No permission is
// needed: the catalog is not personal data.
func (s *Service) ListCategories(ctx context.Context, db bun.IDB) ([]Category, error) {
	var cs []Category
	if err := db.NewSelect().Model(&cs).Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("usermgmt: list categories: %w", err)
	}
	for i := range cs {
		cs[i].CreatedAt = cs[i].CreatedAt.UTC()
	}
	return cs, nil
}

// UserCategories returns the categories of a user, ordered by name.
func (s *Service) UserCategories(ctx context.Context, db bun.IDB, userID uuid.UUID) ([]Category, error) {
	var cs []Category
	err := db.NewSelect().Model(&cs).
		Where("id IN (?)", db.NewSelect().Model((*userCategory)(nil)).Column("category_id").Where("user_id = ?", userID)).
		Order("name", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("usermgmt: user categories: %w", err)
	}
	for i := range cs {
		cs[i].CreatedAt = cs[i].CreatedAt.UTC()
	}
	return cs, nil
}

// SetUserCategories replaces a user's set of categories in one call, on
// behalf of an operator holding PermEditCategories; audited with the old
// and new category IDs. With [IfVersion] the change happens only at the
// version the operator read, and is one version. The user's row is updated
// (and so locked) before the categories are replaced, so that concurrent
// replacements queue instead of colliding. Returns a *PermissionError,
// ErrNotFound, ErrStaleVersion, or a *ValidationError naming category_ids
// for an unknown category.
func (s *Service) SetUserCategories(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, ids []uuid.UUID, opts ...WriteOption) ([]Category, error) {
	wo := collectWriteOptions(opts)
	want := map[uuid.UUID]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []Category
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermEditCategories)
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
		if len(want) > 0 {
			n, err := tx.NewSelect().Model((*Category)(nil)).Where("id IN (?)", bun.List(keys(want))).Count(ctx)
			if err != nil {
				return fmt.Errorf("usermgmt: set categories: %w", err)
			}
			if int(n) != len(want) {
				return invalid("category_ids", "exists", "holds an unknown category")
			}
		}
		before, err := s.UserCategories(ctx, tx, userID)
		if err != nil {
			return err
		}
		u.UpdatedAt = s.clock()
		if err := updateUserColumns(ctx, tx, u, expect); err != nil {
			return err
		}
		wo.report(u.Version)
		if _, err := tx.NewDelete().Model((*userCategory)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("usermgmt: set categories: %w", err)
		}
		if len(want) > 0 {
			rows := make([]userCategory, 0, len(want))
			for id := range want {
				rows = append(rows, userCategory{UserID: userID, CategoryID: id})
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return fmt.Errorf("usermgmt: set categories: %w", err)
			}
		}
		if out, err = s.UserCategories(ctx, tx, userID); err != nil {
			return err
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &userID, Action: ActionCategoriesSet, Fields: []string{"categories"},
			Before: map[string]any{"categories": slugs(before)}, After: map[string]any{"categories": slugs(out)},
		})
		return err
	})
	return out, err
}

func keys(m map[uuid.UUID]bool) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func slugs(cs []Category) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Slug)
	}
	return out
}
