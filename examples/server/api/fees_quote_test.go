package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
)

func TestFeesQuote(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ts := newTestServer(t, db)
		url := ts.URL + "/v1/fees/quote"

		t.Run("documents example", func(t *testing.T) {
			status, ctype, q := post(t, url, `{"price": "100", "currency": "EUR", "override": {"use_standard": false,
				"asker_percent": "20", "asker_fixed": "50", "offeror_percent": "5", "offeror_fixed": "10"}}`)
			if status != http.StatusOK || ctype != "application/json" {
				t.Fatalf("status %d %s: %v", status, ctype, q)
			}
			for key, want := range map[string]any{
				"customer_total": "170.00", "vendor_payout": "85.00", "platform_total": "85.00",
				"asker_fee": "70.00", "offeror_fee": "15.00", "currency": "EUR", "fees": "customized",
			} {
				if q[key] != want {
					t.Errorf("%s = %#v, want %#v", key, q[key], want)
				}
			}
		})

		t.Run("standard schedule from settings", func(t *testing.T) {
			// The seeded standard is 0 % for askers and 10 % for offerors.
			status, _, q := post(t, url, `{"price": "100", "currency": "EUR"}`)
			if status != http.StatusOK || q["customer_total"] != "100.00" || q["vendor_payout"] != "90.00" || q["fees"] != "standard" {
				t.Fatalf("status %d: %v", status, q)
			}
		})

		t.Run("null is standard and zero is no fee", func(t *testing.T) {
			if _, err := db.ExecContext(context.Background(), "UPDATE userdesk_platform_settings SET asker_percent = '20'"); err != nil {
				t.Fatal(err)
			}
			// asker_percent null → standard 20 %; offeror_percent "0" → no vendor fee.
			status, _, q := post(t, url, `{"price": "100", "currency": "EUR", "override": {"asker_percent": null, "offeror_percent": "0"}}`)
			if status != http.StatusOK || q["customer_total"] != "120.00" || q["vendor_payout"] != "100.00" || q["fees"] != "customized" {
				t.Fatalf("status %d: %v", status, q)
			}
		})

		for _, tc := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"malformed JSON", `{"price": "100",`, 400, ""},
			{"price as a number", `{"price": 100, "currency": "EUR"}`, 400, "price"},
			{"missing price", `{"currency": "EUR"}`, 400, "price"},
			{"negative price", `{"price": "-1", "currency": "EUR"}`, 400, "price"},
			{"unknown currency", `{"price": "1", "currency": "XXY"}`, 400, "currency"},
			{"percent above 100", `{"price": "1", "currency": "EUR", "override": {"asker_percent": "101"}}`, 400, "asker_percent"},
			{"negative fixed", `{"price": "1", "currency": "EUR", "override": {"offeror_fixed": "-2"}}`, 400, "offeror_fixed"},
			{"not a number", `{"price": "1", "currency": "EUR", "override": {"asker_fixed": "abc"}}`, 400, "asker_fixed"},
			{"unknown field", `{"price": "1", "currency": "EUR", "tip": "5"}`, 400, "tip"},
			{"payout below zero", `{"price": "5", "currency": "EUR", "override": {"offeror_fixed": "10"}}`, 400, "offeror_fee"},
			{"fixed fee in another currency", `{"price": "5", "currency": "USD", "override": {"asker_fixed": "1"}}`, 400, "asker_fixed"},
			{"oversized body", `{"price": "1", "currency": "EUR", "x": "` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`, 413, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, ctype, p := post(t, url, tc.body)
				if status != tc.status || ctype != "application/problem+json" {
					t.Fatalf("status %d %s, want %d problem+json: %v", status, ctype, tc.status, p)
				}
				if tc.field == "" {
					return
				}
				errs, _ := p["errors"].([]any)
				for _, e := range errs {
					if e.(map[string]any)["name"] == tc.field {
						return
					}
				}
				t.Fatalf("problem does not name %q: %v", tc.field, p)
			})
		}
	})
}
