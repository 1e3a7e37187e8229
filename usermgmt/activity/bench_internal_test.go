package activity

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/userdesk/userdesk/usermgmt"
)

// BenchmarkIngestStatement measures the Go side of a 2,000-event batch on
// PostgreSQL (no database): validation, ids and attribute encoding, then
// either the rows COPY reads (copy; pgx's binary encoding of them is not
// included) or the INSERT … SELECT statement of the caller's-transaction
// path (insert).
func BenchmarkIngestStatement(b *testing.B) {
	users, err := usermgmt.New(usermgmt.Config{Permissions: Permissions()})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Users: users})
	if err != nil {
		b.Fatal(err)
	}
	db := bun.NewDB(nil, pgdialect.New())
	batch := make([]NewEvent, 2000)
	now := time.Now()
	for i := range batch {
		batch[i] = NewEvent{UserID: uuid.New(), Type: "app.tap", Channel: ChannelApp, OccurredAt: now, DeviceID: "dev-1234", SessionID: "s123",
			AppVersion: "3.4.1", Attributes: map[string]any{"screen": "home", "target": "cta"}}
	}
	prepare := func(b *testing.B) ([]Event, []string) {
		rows, err := s.prepareEvents(batch, "events")
		if err != nil {
			b.Fatal(err)
		}
		attrs := make([]string, len(rows))
		var buf []byte
		for i := range rows {
			buf = appendAttributes(buf[:0], rows[i].Attributes)
			attrs[i] = string(buf)
		}
		return rows, attrs
	}
	b.Run("copy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, attrs := prepare(b)
			live := make(map[uuid.UUID]bool, len(rows))
			for _, r := range rows {
				live[r.UserID] = true
			}
			src := &eventSource{rows: rows, attrs: attrs, live: live, i: -1, vals: make([]any, len(eventColumns))}
			for src.Next() {
				if _, err := src.Values(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("insert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, attrs := prepare(b)
			q := pgInsertEvents(db, rows, attrs)
			if _, err := q.AppendQuery(db.QueryGen(), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
