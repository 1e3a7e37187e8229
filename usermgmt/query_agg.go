package usermgmt

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// jsonList returns the SQL of a subquery that yields, as a JSON array of
// strings, column col of the rows of table whose fk equals the outer
// query's ?TableAlias.id, sorted. It lets one statement read a row with
// its join-table values (roles, languages) on both dialects. The
// package's reads differ by dialect here, in the list's columns on SQLite
// (listColumnsOf) and in the list's search (user_list_fts.go).
//
// On PostgreSQL the array is to_json(ARRAY(subquery ORDER BY …)) rather
// than COALESCE(json_agg(… ORDER BY …), '[]'): the same JSON, but the
// index on (fk, col) yields the rows in order, where an ordered aggregate
// sorts them again itself (PostgreSQL 15), and an empty ARRAY is already
// '[]'. With pgbench, 16 clients, the detail view's statement went from
// 6,000–6,800 to 6,800–8,000 executions per second on 2 cores (BENCHMARKS.md,
// issue 18).
func jsonList(db bun.IDB, col, table, fk string) string {
	return jsonListOf(db, col, table, fk, "?TableAlias.id")
}

// jsonListOf is jsonList for the rows whose fk is owner (an SQL
// expression) rather than the outer query's ?TableAlias.id.
func jsonListOf(db bun.IDB, col, table, fk, owner string) string {
	if d, _ := sqldb.DialectOf(db); d == sqldb.Postgres {
		return fmt.Sprintf("to_json(ARRAY(SELECT j.%[1]s FROM %[2]s AS j WHERE j.%[3]s = %[4]s ORDER BY j.%[1]s))", col, table, fk, owner)
	}
	return fmt.Sprintf("COALESCE((SELECT json_group_array(%[1]s) FROM (SELECT j.%[1]s FROM %[2]s AS j WHERE j.%[3]s = %[4]s ORDER BY j.%[1]s)), '[]')", col, table, fk, owner)
}

// decodeList decodes what jsonList yields into a slice of T.
func decodeList[T ~string](raw string) ([]T, error) {
	out := []T{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("usermgmt: decode list: %w", err)
	}
	return out, nil
}

// jsonGuests returns the SQL of a subquery that yields, as a JSON array of
// objects (guestJSON), the guests of the outer query's user
// (?TableAlias.id) with their roles, oldest first (created_at, then id,
// the order of selectGuests). The token hash stays out: the detail view
// never needs it.
func jsonGuests(db bun.IDB) string {
	if d, _ := sqldb.DialectOf(db); d == sqldb.Postgres {
		// to_json(ARRAY(…)), as jsonList does on PostgreSQL.
		return "to_json(ARRAY(SELECT json_build_object(" +
			"'id', g.id, 'owner_id', g.owner_id, 'email', g.email, 'email_normalized', g.email_normalized, " +
			"'guest_user_id', g.guest_user_id, 'accepted_at', g.accepted_at, 'created_at', g.created_at, " +
			"'updated_at', g.updated_at, 'version', g.version, " +
			"'roles', to_json(ARRAY(SELECT r.role FROM userdesk_guest_roles AS r WHERE r.guest_id = g.id ORDER BY r.role))" +
			") FROM userdesk_guests AS g WHERE g.owner_id = ?TableAlias.id ORDER BY g.created_at, g.id))"
	}
	return "COALESCE((SELECT json_group_array(json_object(" +
		"'id', g.id, 'owner_id', g.owner_id, 'email', g.email, 'email_normalized', g.email_normalized, " +
		"'guest_user_id', g.guest_user_id, 'accepted_at', g.accepted_at, 'created_at', g.created_at, " +
		"'updated_at', g.updated_at, 'version', g.version, " +
		"'roles', json((SELECT json_group_array(r.role ORDER BY r.role) FROM userdesk_guest_roles AS r WHERE r.guest_id = g.id))" +
		") ORDER BY g.created_at, g.id) FROM userdesk_guests AS g WHERE g.owner_id = ?TableAlias.id), '[]')"
}

// jsonCategories returns the SQL of a subquery that yields, as a JSON
// array of objects (categoryJSON), the categories of the outer query's
// user, ordered by name, then id (the order of UserCategories).
func jsonCategories(db bun.IDB) string {
	if d, _ := sqldb.DialectOf(db); d == sqldb.Postgres {
		// to_json(ARRAY(…)), as jsonList does on PostgreSQL.
		return "to_json(ARRAY(SELECT json_build_object('id', c.id, 'slug', c.slug, 'name', c.name, 'created_at', c.created_at) " +
			"FROM userdesk_user_categories AS uc JOIN userdesk_categories AS c ON c.id = uc.category_id WHERE uc.user_id = ?TableAlias.id ORDER BY c.name, c.id))"
	}
	obj, agg := "json_object", "json_group_array"
	return "COALESCE((SELECT " + agg + "(" + obj + "('id', c.id, 'slug', c.slug, 'name', c.name, 'created_at', c.created_at) ORDER BY c.name, c.id) " +
		"FROM userdesk_user_categories AS uc JOIN userdesk_categories AS c ON c.id = uc.category_id WHERE uc.user_id = ?TableAlias.id), '[]')"
}

// dbTime is a timestamp inside what jsonGuests and jsonCategories yield:
// RFC 3339 on PostgreSQL ("2026-01-02T15:04:05.123456+00:00"), bun's text
// on SQLite ("2026-01-02 15:04:05.123456+00:00"). It decodes to UTC.
type dbTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *dbTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("usermgmt: decode time: %w", err)
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("usermgmt: decode time: %w", err)
	}
	t.Time = v.UTC()
	return nil
}

// guestJSON is one guest of jsonGuests.
type guestJSON struct {
	ID              uuid.UUID   `json:"id"`
	OwnerID         uuid.UUID   `json:"owner_id"`
	Email           string      `json:"email"`
	EmailNormalized string      `json:"email_normalized"`
	GuestUserID     *uuid.UUID  `json:"guest_user_id"`
	AcceptedAt      *dbTime     `json:"accepted_at"`
	CreatedAt       dbTime      `json:"created_at"`
	UpdatedAt       dbTime      `json:"updated_at"`
	Version         int64       `json:"version"`
	Roles           []GuestRole `json:"roles"`
}

// decodeGuests decodes what jsonGuests yields.
func decodeGuests(raw string) ([]Guest, error) {
	var rows []guestJSON
	if err := json.Unmarshal([]byte(raw), &rows); err != nil {
		return nil, fmt.Errorf("usermgmt: decode guests: %w", err)
	}
	gs := make([]Guest, 0, len(rows))
	for _, r := range rows {
		g := Guest{
			ID: r.ID, OwnerID: r.OwnerID, Email: r.Email, EmailNormalized: r.EmailNormalized,
			GuestUserID: r.GuestUserID, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
			Version: r.Version, Roles: r.Roles,
		}
		if g.Roles == nil {
			g.Roles = []GuestRole{}
		}
		if r.AcceptedAt != nil {
			g.AcceptedAt = &r.AcceptedAt.Time
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// categoryJSON is one category of jsonCategories.
type categoryJSON struct {
	ID        uuid.UUID `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt dbTime    `json:"created_at"`
}

// decodeCategories decodes what jsonCategories yields.
func decodeCategories(raw string) ([]Category, error) {
	var rows []categoryJSON
	if err := json.Unmarshal([]byte(raw), &rows); err != nil {
		return nil, fmt.Errorf("usermgmt: decode categories: %w", err)
	}
	cs := make([]Category, 0, len(rows))
	for _, r := range rows {
		cs = append(cs, Category{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt.Time})
	}
	return cs, nil
}
