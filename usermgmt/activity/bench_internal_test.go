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
// PostgreSQL: validation, attribute encoding and building the statement
// (no database).
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
	b.ReportAllocs()
	for b.Loop() {
		rows, err := s.prepareEvents(batch, "events")
		if err != nil {
			b.Fatal(err)
		}
		attrs := make([]string, len(rows))
		for i := range rows {
			attrs[i] = `{"screen":"home","target":"cta"}`
		}
		q := pgInsertEvents(db, rows, attrs)
		if _, err := q.AppendQuery(db.QueryGen(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
