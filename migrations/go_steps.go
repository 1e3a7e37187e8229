package migrations

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/searchtext"
)

// goSteps are the parts of migrations that SQL cannot do, run after the
// file of that name in the same transaction.
var goSteps = map[string]func(ctx context.Context, tx bun.Tx) error{
	"20261201000002_search_names.up.sql": rebuildSearchColumns,
}

// rebuildBatch is how many users rebuildSearchColumns rewrites per
// statement round.
const rebuildBatch = 1000

// rebuildSearchColumns recomputes every user's search columns with the
// current normalisation (internal/searchtext), in keyset batches by id
// (text order of a UUID is its byte order on both dialects), one indexed
// UPDATE per user. Tombstones keep their empty columns.
func rebuildSearchColumns(ctx context.Context, tx bun.Tx) error {
	type row struct {
		ID        string `bun:"id"`
		FirstName string `bun:"first_name"`
		LastName  string `bun:"last_name"`
		Email     string `bun:"email"`
		Company   string `bun:"company_name"`
		Phone     string `bun:"phone"`
	}
	after := ""
	for {
		var rows []row
		q := tx.NewSelect().Table(TablePrefix + "users").
			ColumnExpr("id, first_name, last_name, email, company_name, phone").
			Where("deleted_at IS NULL").OrderExpr("id").Limit(rebuildBatch)
		if after != "" {
			q = q.Where("id > ?", after)
		}
		if err := q.Scan(ctx, &rows); err != nil {
			return fmt.Errorf("rebuild search columns: %w", err)
		}
		for _, r := range rows {
			c := searchtext.Of(r.FirstName, r.LastName, r.Email, r.Company, r.Phone)
			if _, err := tx.NewUpdate().Table(TablePrefix+"users").
				Set("search_text = ?", c.Text).Set("name_text = ?", c.Names).
				Set("phone_digits = ?", c.PhoneDigits).Set("sort_name = ?", c.SortName).
				Where("id = ?", r.ID).Exec(ctx); err != nil {
				return fmt.Errorf("rebuild search columns: %w", err)
			}
		}
		if len(rows) < rebuildBatch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}
