package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// GetSettings reads the platform settings. Returns ErrNotFound when the
// settings row is missing (the migrations were not run).
func GetSettings(ctx context.Context, db bun.IDB) (*Settings, error) {
	s := new(Settings)
	err := db.NewSelect().Model(s).Where("id = 1").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("usermgmt: platform settings: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: platform settings: %w", err)
	}
	return s, nil
}
