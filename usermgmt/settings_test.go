package usermgmt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestGetSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s, err := usermgmt.GetSettings(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if s.Currency != "EUR" || s.DefaultUserStatus != usermgmt.StatusLive || s.PlatformMode != usermgmt.SwitchMode {
			t.Fatalf("seeded settings = %+v", s)
		}
		if !s.OfferorPercent.Equal(decimal.NewFromInt(10)) || !s.AskerPercent.IsZero() {
			t.Fatalf("seeded fees = %s %% / %s %%", s.AskerPercent, s.OfferorPercent)
		}
		if err := s.StandardFees().Validate(); err != nil {
			t.Fatalf("seeded schedule invalid: %v", err)
		}
		// Decimals survive the round trip exactly (TEXT on SQLite, NUMERIC on PostgreSQL).
		if _, err := db.ExecContext(ctx, "UPDATE userdesk_platform_settings SET asker_percent = ?, asker_fixed = ?", "12.345", "0.10"); err != nil {
			t.Fatal(err)
		}
		s, err = usermgmt.GetSettings(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		q, err := fees.Calculator{}.Quote(s.StandardFees(), fees.Money{Amount: decimal.NewFromInt(200), Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		// 12.345 % of 200 = 24.69, + 0.10 fixed.
		if got := q.AskerFee.String(); got != "24.79" {
			t.Fatalf("asker fee = %s, want 24.79", got)
		}

		if _, err := db.ExecContext(ctx, "DELETE FROM userdesk_platform_settings"); err != nil {
			t.Fatal(err)
		}
		if _, err := usermgmt.GetSettings(ctx, db); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("missing row: err = %v, want ErrNotFound", err)
		}
	})
}
