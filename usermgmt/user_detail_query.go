package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// userDetailRow is a user read for the detail view in one statement: the
// user with roles, languages, guests (with their roles) and categories,
// the sealed bank record (LEFT JOIN, NULL when there is none) and the
// platform settings the fee card resolves against (the one settings row,
// joined).
type userDetailRow struct {
	User      `bun:",extend"`
	RolesJSON string `bun:"roles_json,scanonly"`
	LangsJSON string `bun:"langs_json,scanonly"`
	// GuestsJSON and CategoriesJSON are jsonGuests and jsonCategories.
	GuestsJSON     string `bun:"guests_json,scanonly"`
	CategoriesJSON string `bun:"categories_json,scanonly"`

	BankKeyID     *string    `bun:"bank_key_id,scanonly"`
	BankSealed    []byte     `bun:"bank_sealed,scanonly"`
	BankUpdatedAt *time.Time `bun:"bank_updated_at,scanonly"`

	StCurrency          *string         `bun:"st_currency,scanonly"`
	StAskerPercent      decimal.Decimal `bun:"st_asker_percent,scanonly"`
	StAskerFixed        decimal.Decimal `bun:"st_asker_fixed,scanonly"`
	StOfferorPercent    decimal.Decimal `bun:"st_offeror_percent,scanonly"`
	StOfferorFixed      decimal.Decimal `bun:"st_offeror_fixed,scanonly"`
	StDefaultUserStatus *Status         `bun:"st_default_user_status,scanonly"`
	StPlatformMode      *PlatformMode   `bun:"st_platform_mode,scanonly"`
	StVersion           *int64          `bun:"st_version,scanonly"`
	StUpdatedAt         *time.Time      `bun:"st_updated_at,scanonly"`
}

// sealedBank is the sealed bank record of a detail read.
type sealedBank struct {
	KeyID     string
	Sealed    []byte
	UpdatedAt time.Time
}

// userDetailRead is what selectUserDetail reads.
type userDetailRead struct {
	User       *User
	Settings   *Settings
	Bank       *sealedBank // nil when the user has none
	Guests     []Guest     // in clear, oldest first
	Categories []Category  // by name
}

// selectUserDetail reads a live (not erased) user with roles, languages,
// guests, categories, the sealed bank record and the platform settings,
// in one statement. Returns ErrNotFound.
func selectUserDetail(ctx context.Context, db bun.IDB, hot *hotQueries, id uuid.UUID) (*userDetailRead, error) {
	row := new(userDetailRow)
	// The detail view's statement: compiled once per connection (scanOne).
	query := hot.text(db, "user detail", func(arg func(int) bun.Safe) string {
		return userDetailQuery(db, (*userDetailRow)(nil), arg(1)).String()
	})
	err := scanOne(ctx, db, query, row, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: get user: %w", err)
	}
	return row.read()
}

// read decodes the row of a detail read. Returns ErrNotFound for an
// erased user or none (a NULL id, from a LEFT JOIN).
func (row *userDetailRow) read() (*userDetailRead, error) {
	var err error
	u := &row.User
	if u.ID == uuid.Nil || u.Deleted() {
		return nil, ErrNotFound
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if u.Roles, err = decodeList[Role](row.RolesJSON); err != nil {
		return nil, err
	}
	if u.SpokenLanguages, err = decodeList[string](row.LangsJSON); err != nil {
		return nil, err
	}
	out := &userDetailRead{User: u}
	if out.Guests, err = decodeGuests(row.GuestsJSON); err != nil {
		return nil, err
	}
	if out.Categories, err = decodeCategories(row.CategoriesJSON); err != nil {
		return nil, err
	}
	if row.StCurrency == nil || row.StDefaultUserStatus == nil || row.StPlatformMode == nil || row.StVersion == nil || row.StUpdatedAt == nil {
		return nil, fmt.Errorf("usermgmt: platform settings: %w", ErrNotFound)
	}
	out.Settings = &Settings{
		ID: 1, Currency: *row.StCurrency,
		AskerPercent: row.StAskerPercent, AskerFixed: row.StAskerFixed,
		OfferorPercent: row.StOfferorPercent, OfferorFixed: row.StOfferorFixed,
		DefaultUserStatus: *row.StDefaultUserStatus, PlatformMode: *row.StPlatformMode,
		Version: *row.StVersion, UpdatedAt: row.StUpdatedAt.UTC(),
	}
	if row.BankKeyID != nil {
		out.Bank = &sealedBank{KeyID: *row.BankKeyID, Sealed: row.BankSealed}
		if row.BankUpdatedAt != nil {
			out.Bank.UpdatedAt = *row.BankUpdatedAt
		}
	}
	return out, nil
}

// userDetailQuery is the statement of selectUserDetail, scanned into row.
func userDetailQuery(db bun.IDB, row any, id any) *bun.SelectQuery {
	return userDetailSelect(db, row).Where("?TableAlias.id = ?", id)
}

// userDetailSelect is the select list and joins of the detail view, from
// the users table (alias ?TableAlias) without a condition.
//
// It names the user's columns but those the detail view never reads: the
// password hash (a detail view, even in clear, has no use for it) and the
// search and sort columns derived from the personal fields
// (search_text.go). Naming them also leaves out PostgreSQL's list filter
// columns (migration 20261203000401), which the model does not have.
// "u.*" read 7 columns too many per detail view, each a description, a
// scan function and a value in pgx and database/sql (BENCHMARKS.md, issue
// 18).
func userDetailSelect(db bun.IDB, row any) *bun.SelectQuery {
	return db.NewSelect().Model(row).
		ExcludeColumn("password_hash", "search_text", "name_text", "phone_digits", "sort_name").
		ColumnExpr(jsonList(db, "role", "userdesk_user_roles", "user_id") + " AS roles_json").
		ColumnExpr(jsonList(db, "language", "userdesk_user_languages", "user_id") + " AS langs_json").
		ColumnExpr(jsonGuests(db) + " AS guests_json").
		ColumnExpr(jsonCategories(db) + " AS categories_json").
		ColumnExpr("b.key_id AS bank_key_id, b.sealed AS bank_sealed, b.updated_at AS bank_updated_at").
		ColumnExpr("st.currency AS st_currency, st.asker_percent AS st_asker_percent, st.asker_fixed AS st_asker_fixed").
		ColumnExpr("st.offeror_percent AS st_offeror_percent, st.offeror_fixed AS st_offeror_fixed").
		ColumnExpr("st.default_user_status AS st_default_user_status, st.platform_mode AS st_platform_mode").
		ColumnExpr("st.version AS st_version, st.updated_at AS st_updated_at").
		Join("LEFT JOIN userdesk_bank_accounts AS b ON b.user_id = ?TableAlias.id").
		Join("LEFT JOIN userdesk_platform_settings AS st ON st.id = 1")
}
