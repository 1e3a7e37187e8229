package activity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// TestTimelineUsesTheStatementCache: the events card without dates or
// types is one text for every user, the user bound as an argument; with a
// date range it is one-off text, and both give the same events.
func TestTimelineUsesTheStatementCache(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db, hook := dbtest.RecordQueries(db, func(q string) bool {
			return strings.Contains(q, "FROM \"userdesk_events\"") && strings.Contains(q, "ORDER BY occurred_at DESC")
		})
		e := newEnv(t, db)
		u, v := e.user(t), e.user(t)
		var evs []activity.NewEvent
		for i := range 5 {
			evs = append(evs, tap(u.ID, t0.Add(-time.Duration(i+1)*time.Minute)), tap(v.ID, t0.Add(-time.Duration(i+1)*time.Hour)))
		}
		if _, err := e.act.RecordEvents(e.ctx, db, evs); err != nil {
			t.Fatal(err)
		}
		placeholder := "?1"
		if db.Dialect().Name().String() == "pg" {
			placeholder = "$1"
		}
		from := t0.Add(-24 * time.Hour)
		for _, id := range []*struct{ name string }{{"u"}, {"v"}} {
			uid := u.ID
			if id.name == "v" {
				uid = v.ID
			}
			hook.Take()
			hot, err := e.act.UserTimeline(e.ctx, db, e.support, uid, activity.EventFilter{NoOperatorActions: true})
			if err != nil {
				t.Fatal(err)
			}
			texts := hook.Take()
			if len(texts) != 1 || !strings.Contains(texts[0], placeholder) || strings.Contains(texts[0], uid.String()) {
				t.Fatalf("%s: the card's statement does not bind the user: %q", id.name, texts)
			}
			inline, err := e.act.UserTimeline(e.ctx, db, e.support, uid, activity.EventFilter{NoOperatorActions: true, From: &from})
			if err != nil {
				t.Fatal(err)
			}
			if texts := hook.Take(); len(texts) != 1 || strings.Contains(texts[0], placeholder) {
				t.Fatalf("%s: a card with dates has a bound argument: %q", id.name, texts)
			}
			if hot.Events != 5 || inline.Events != 5 {
				t.Fatalf("%s: %d events through the cache, %d one-off; want 5", id.name, hot.Events, inline.Events)
			}
			for i := range hot.Entries {
				if hot.Entries[i].Event.ID != inline.Entries[i].Event.ID || hot.Entries[i].Event.UserID != uid {
					t.Fatalf("%s: entry %d differs: %+v / %+v", id.name, i, hot.Entries[i].Event, inline.Entries[i].Event)
				}
			}
		}
	})
}
