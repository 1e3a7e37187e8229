package activity_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// eventsHook records the events card's statements.
type eventsHook struct {
	mu    sync.Mutex
	texts []string
}

func (h *eventsHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *eventsHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "FROM \"userdesk_events\"") && strings.Contains(e.Query, "ORDER BY occurred_at DESC") {
		h.mu.Lock()
		h.texts = append(h.texts, e.Query)
		h.mu.Unlock()
	}
}

func (h *eventsHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.texts
	h.texts = nil
	return t
}

// TestTimelineUsesTheStatementCache: the events card without dates or
// types is one text for every user, the user bound as an argument; with a
// date range it is one-off text, and both give the same events.
func TestTimelineUsesTheStatementCache(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		hook := &eventsHook{}
		db = db.WithQueryHook(hook)
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
			hook.take()
			hot, err := e.act.UserTimeline(e.ctx, db, e.support, uid, activity.EventFilter{NoOperatorActions: true})
			if err != nil {
				t.Fatal(err)
			}
			texts := hook.take()
			if len(texts) != 1 || !strings.Contains(texts[0], placeholder) || strings.Contains(texts[0], uid.String()) {
				t.Fatalf("%s: the card's statement does not bind the user: %q", id.name, texts)
			}
			inline, err := e.act.UserTimeline(e.ctx, db, e.support, uid, activity.EventFilter{NoOperatorActions: true, From: &from})
			if err != nil {
				t.Fatal(err)
			}
			if texts := hook.take(); len(texts) != 1 || strings.Contains(texts[0], placeholder) {
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
