package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// SQL for users. The queries are plain bun builders and read the same on
// both dialects.

// insertUser writes u with its roles and languages.
func insertUser(ctx context.Context, tx bun.IDB, u *User) error {
	u.refreshSearch()
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return ErrEmailTaken
		}
		return fmt.Errorf("usermgmt: insert user: %w", err)
	}
	if err := replaceRoles(ctx, tx, u.ID, u.Roles); err != nil {
		return err
	}
	return replaceLanguages(ctx, tx, u.ID, u.SpokenLanguages)
}

// userRow is a user read with its roles and languages in one statement.
type userRow struct {
	User      `bun:",extend"`
	RolesJSON string `bun:"roles_json,scanonly"`
	LangsJSON string `bun:"langs_json,scanonly"`
	// RoleMask and LanguageKeys are the list's filter columns on
	// PostgreSQL (migration 20261203000401): "u.*" reads them, triggers
	// keep them, the package neither uses nor writes them here.
	RoleMask     int16  `bun:"role_mask,scanonly"`
	LanguageKeys string `bun:"language_keys,scanonly"`
}

// selectUser reads one user matching where, with roles and languages, in
// one statement. Returns ErrNotFound.
func selectUser(ctx context.Context, db bun.IDB, where string, arg any) (*User, error) {
	row := new(userRow)
	err := db.NewSelect().Model(row).ColumnExpr("?TableAlias.*").
		ColumnExpr(jsonList(db, "role", "userdesk_user_roles", "user_id")+" AS roles_json").
		ColumnExpr(jsonList(db, "language", "userdesk_user_languages", "user_id")+" AS langs_json").
		Where("?TableAlias."+where, arg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: get user: %w", err)
	}
	u := &row.User
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if u.Roles, err = decodeList[Role](row.RolesJSON); err != nil {
		return nil, err
	}
	if u.SpokenLanguages, err = decodeList[string](row.LangsJSON); err != nil {
		return nil, err
	}
	return u, nil
}

// getUser reads a user with roles and languages. Returns ErrNotFound.
func getUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*User, error) {
	return selectUser(ctx, db, "id = ?", id)
}

// getLiveUser is getUser for writes: an erased user (a tombstone) is not
// found.
func getLiveUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*User, error) {
	u, err := getUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, ErrNotFound
	}
	return u, nil
}

// getUserByEmail reads a user by normalized email. Returns ErrNotFound.
func getUserByEmail(ctx context.Context, db bun.IDB, normalized string) (*User, error) {
	return selectUser(ctx, db, "email_normalized = ?", normalized)
}

// replaceRoles makes the user's roles exactly roles.
func replaceRoles(ctx context.Context, tx bun.IDB, id uuid.UUID, roles []Role) error {
	if _, err := tx.NewDelete().Model((*userRole)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace roles: %w", err)
	}
	if len(roles) == 0 {
		return nil
	}
	rows := make([]userRole, 0, len(roles))
	for _, r := range roles {
		rows = append(rows, userRole{UserID: id, Role: r})
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace roles: %w", err)
	}
	return nil
}

// replaceLanguages makes the user's spoken languages exactly langs.
func replaceLanguages(ctx context.Context, tx bun.IDB, id uuid.UUID, langs []string) error {
	if _, err := tx.NewDelete().Model((*userLanguage)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace languages: %w", err)
	}
	if len(langs) == 0 {
		return nil
	}
	rows := make([]userLanguage, 0, len(langs))
	for _, l := range langs {
		rows = append(rows, userLanguage{UserID: id, Language: l})
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: replace languages: %w", err)
	}
	return nil
}

// updateUserColumns writes the named columns of u where the row still has
// version expect, and bumps the version. Returns ErrStaleVersion when the
// version moved on (or ErrNotFound when the user is gone), ErrEmailTaken on
// a duplicate email.
func updateUserColumns(ctx context.Context, tx bun.IDB, u *User, expect int64, columns ...string) error {
	u.Version = expect + 1
	u.refreshSearch()
	columns = append(columns, "updated_at", "version", "search_text", "name_text", "phone_digits", "sort_name")
	res, err := tx.NewUpdate().Model(u).Column(columns...).
		Where("id = ?", u.ID).Where("version = ?", expect).Exec(ctx)
	if err != nil {
		if sqldb.IsUniqueViolation(err) {
			return ErrEmailTaken
		}
		return fmt.Errorf("usermgmt: update user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("usermgmt: update user: %w", err)
	} else if n == 0 {
		var exists int
		err := tx.NewSelect().Model((*User)(nil)).ColumnExpr("1").Where("id = ?", u.ID).Scan(ctx, &exists)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return ErrStaleVersion
	}
	return nil
}

// sortedUnique returns the distinct values of xs, sorted.
func sortedUnique[T ~string](xs []T) []T {
	seen := map[T]bool{}
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
