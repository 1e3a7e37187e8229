package activity_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

func tap(userID uuid.UUID, at time.Time) activity.NewEvent {
	return activity.NewEvent{UserID: userID, OccurredAt: at, Type: "app.tap", Channel: activity.ChannelApp,
		DeviceID: "phone-1", AppVersion: "3.4.0", Attributes: map[string]any{"screen": "home", "target": "book"}}
}

func TestRecordEventsBatch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, gone := e.user(t), e.user(t)
		if err := e.users.EraseUser(e.ctx, db, e.admin, gone.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		batch := []activity.NewEvent{
			tap(u.ID, t0.Add(-time.Minute)),
			{UserID: u.ID, Type: "search.performed", Channel: activity.ChannelBot, BotVersion: "1.2",
				Attributes: map[string]any{"query": "sushi", "results": float64(12)}},
			tap(gone.ID, t0),                 // erased: skipped
			tap(uuid.Must(uuid.NewV7()), t0), // unknown: skipped
		}
		n, err := e.act.RecordEvents(e.ctx, db, batch)
		if err != nil || n != 2 {
			t.Fatalf("batch: %d %v", n, err)
		}
		tl, err := e.act.OwnEvents(e.ctx, db, u.ID, activity.EventFilter{})
		if err != nil || tl.Events != 2 {
			t.Fatalf("own events: %+v %v", tl, err)
		}
		// Newest first; whole numbers come back as int64.
		if tl.Entries[0].Type != "search.performed" || tl.Entries[0].Event.Attributes["results"] != int64(12) || !tl.Entries[0].At.Equal(t0) {
			t.Fatalf("first entry: %+v", tl.Entries[0].Event)
		}

		// One bad event refuses the batch, naming it; nothing is written.
		bad := []activity.NewEvent{
			tap(u.ID, t0),
			{UserID: u.ID, Type: "app.tap", Channel: "fax", Attributes: map[string]any{"screen": 3, "otp": "123456"}},
			{UserID: u.ID, Type: "no.such_type", Channel: activity.ChannelApp},
			{UserID: u.ID, Type: "app.tap", Channel: activity.ChannelApp, OccurredAt: t0.Add(48 * time.Hour)},
			{UserID: u.ID, Type: "app.tap", Channel: activity.ChannelApp, Actor: activity.Actor{Kind: activity.ActorOperator}},
		}
		_, err = e.act.RecordEvents(e.ctx, db, bad)
		for _, f := range []string{"events[1].channel", "events[1].attributes.screen", "events[1].attributes.otp", "events[2].type", "events[3].occurred_at", "events[4].actor.id"} {
			if !hasField(err, f) {
				t.Errorf("no error on %s: %v", f, err)
			}
		}
		if hasField(err, "events[0].type") {
			t.Error("good event reported")
		}
		if c := count(t, db, "SELECT count(*) FROM userdesk_events"); c != 2 {
			t.Fatalf("a refused batch wrote: %d rows", c)
		}
		if _, err := e.act.RecordEvents(e.ctx, db, make([]activity.NewEvent, activity.MaxBatch+1)); !hasField(err, "events") {
			t.Fatalf("oversized batch: %v", err)
		}
		if _, err := e.act.RecordEvent(e.ctx, db, tap(gone.ID, t0)); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("one event of an erased user: %v", err)
		}
	})
}

func TestEventAttributesMasked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		for _, ev := range []activity.NewEvent{
			// Not allowed: stored masked.
			{UserID: u.ID, Type: "profile.email_changed", Channel: activity.ChannelApp, Attributes: map[string]any{"new_email": "jean.dupont@example.com"}, OccurredAt: t0.Add(-2 * time.Second)},
			{UserID: u.ID, Type: "profile.phone_changed", Channel: activity.ChannelApp, Attributes: map[string]any{"new_phone": "+33612345678"}, OccurredAt: t0.Add(-time.Second)},
			// Allowed: stored in clear, masked for readers without the
			// personal-data permission.
			{UserID: u.ID, Type: "verification.email_sent", Channel: activity.ChannelSystem, Attributes: map[string]any{"email": "jean.dupont@example.com"}, OccurredAt: t0},
		} {
			if _, err := e.act.RecordEvent(e.ctx, db, ev); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE attributes LIKE '%jean.dupont%'"); n != 1 {
			t.Fatalf("clear addresses stored: %d, want only the allowed one", n)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE attributes LIKE '%612345678%'"); n != 0 {
			t.Fatal("phone stored in clear")
		}
		attrs := func(actor uuid.UUID) map[string]any {
			t.Helper()
			tl, err := e.act.UserTimeline(e.ctx, db, actor, u.ID, activity.EventFilter{NoOperatorActions: true})
			if err != nil || tl.Events != 3 {
				t.Fatalf("timeline: %+v %v", tl, err)
			}
			out := map[string]any{}
			for _, en := range tl.Entries {
				for k, v := range en.Event.Attributes {
					out[k] = v
				}
			}
			return out
		}
		sup := attrs(e.support) // no personal data
		if sup["email"] != "j•••@e•••.com" || sup["new_email"] != "j•••@e•••.com" || sup["new_phone"] != "+33 •• •• •• 78" {
			t.Fatalf("support sees %v", sup)
		}
		adm := attrs(e.admin) // holds users.read_personal_data
		if adm["email"] != "jean.dupont@example.com" || adm["new_email"] != "j•••@e•••.com" {
			t.Fatalf("admin sees %v", adm)
		}
	})
}

func TestEventRegistry(t *testing.T) {
	t.Parallel()
	users, _ := usermgmt.New(usermgmt.Config{Permissions: activity.Permissions()})
	for name, types := range map[string][]activity.EventType{
		"secret attribute": {{Name: "pay.done", Attributes: map[string]activity.AttrKind{"card_number": activity.AttrString}}},
		"token attribute":  {{Name: "push.sent", Attributes: map[string]activity.AttrKind{"push_token": activity.AttrString}}},
		"bad name":         {{Name: "Tap"}},
		"duplicate":        {{Name: "app.tap"}},
		"unknown kind":     {{Name: "a.b", Attributes: map[string]activity.AttrKind{"x": "float"}}},
		"short retention":  {{Name: "a.b", Retention: time.Minute}},
	} {
		if _, err := activity.New(activity.Config{Users: users, EventTypes: types}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := activity.New(activity.Config{Users: users, Retention: map[string]time.Duration{"no.such": time.Hour}}); err == nil {
		t.Error("retention of an unknown type accepted")
	}
	s, err := activity.New(activity.Config{Users: users,
		EventTypes: []activity.EventType{{Name: "loyalty.points_earned", Attributes: map[string]activity.AttrKind{"points": activity.AttrInt}}},
		Retention:  map[string]time.Duration{"app.tap": 7 * 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{}
	for _, ty := range s.EventTypes() {
		got[ty.Name] = ty.Retention
	}
	if got["loyalty.points_earned"] != activity.DefaultRetention || got["app.tap"] != 7*24*time.Hour || got["auth.login"] != activity.DefaultSecurityRetention {
		t.Fatalf("retentions: %v", got)
	}
	// Forgetting the permissions is a configuration error.
	bare, _ := usermgmt.New(usermgmt.Config{})
	if _, err := activity.New(activity.Config{Users: bare}); err == nil || !strings.Contains(err.Error(), "activity.Permissions()") {
		t.Fatalf("unregistered permissions: %v", err)
	}
}

func TestTimelineLast200(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, other := e.user(t), e.user(t)
		// 201 events one minute apart, the oldest first; then an operator
		// action in the middle of the period, one before it, and one on
		// another user.
		var evs []activity.NewEvent
		for i := 0; i < 201; i++ {
			ev := tap(u.ID, t0.Add(time.Duration(i-201)*time.Minute))
			if i%2 == 0 {
				ev = activity.NewEvent{UserID: u.ID, OccurredAt: ev.OccurredAt, Type: "bot.message", Channel: activity.ChannelBot, Attributes: map[string]any{"intent": "book"}}
			}
			evs = append(evs, ev)
		}
		evs = append(evs, tap(other.ID, t0))
		if _, err := e.act.RecordEvents(e.ctx, db, evs); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(t0.Add(-300 * time.Minute))
		if _, err := e.users.ChangeStatus(e.ctx, db, e.support, u.ID, usermgmt.StatusInReview, "too old to show"); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(t0.Add(-100 * time.Minute))
		if _, err := e.users.ChangeStatus(e.ctx, db, e.support, u.ID, usermgmt.StatusLive, "checked"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.users.ChangeStatus(e.ctx, db, e.support, other.ID, usermgmt.StatusInReview, "other user"); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(t0)

		tl, err := e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if tl.Events != 200 || tl.OperatorActions != 1 || len(tl.Entries) != 201 || !tl.Truncated {
			t.Fatalf("events %d, operator actions %d, entries %d, truncated %v", tl.Events, tl.OperatorActions, len(tl.Entries), tl.Truncated)
		}
		for i, en := range tl.Entries {
			if i > 0 && en.At.After(tl.Entries[i-1].At) {
				t.Fatalf("not newest first at %d", i)
			}
			if en.Event != nil && (en.Event.UserID != u.ID || en.At.Equal(t0.Add(-201*time.Minute))) {
				t.Fatalf("entry %d: %+v", i, en.Event)
			}
			if en.OperatorAction != nil && (en.Type != usermgmt.ActionStatusChange || en.Channel != activity.ChannelBackOffice) {
				t.Fatalf("operator action %+v", en)
			}
		}
		// Filters: type, channel, date.
		tl, err = e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{Types: []string{"app.tap"}})
		if err != nil || tl.Events != 100 || tl.OperatorActions != 0 {
			t.Fatalf("type filter: %d %d %v", tl.Events, tl.OperatorActions, err)
		}
		tl, err = e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{Channels: []activity.Channel{activity.ChannelBot}})
		if err != nil || tl.Events != 101 || tl.OperatorActions != 0 {
			t.Fatalf("channel filter: %d %d %v", tl.Events, tl.OperatorActions, err)
		}
		from, to := t0.Add(-400*time.Minute), t0.Add(-150*time.Minute)
		tl, err = e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{From: &from, To: &to})
		if err != nil || tl.Events != 51 || tl.OperatorActions != 1 {
			t.Fatalf("date filter: %d %d %v", tl.Events, tl.OperatorActions, err)
		}
		tl, err = e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{Types: []string{usermgmt.ActionStatusChange}})
		if err != nil || tl.Events != 0 || tl.OperatorActions != 2 {
			t.Fatalf("audit action filter: %d %d %v", tl.Events, tl.OperatorActions, err)
		}
		if _, err := e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{From: &to, To: &from}); !hasField(err, "to") {
			t.Fatalf("reversed dates: %v", err)
		}
		if _, err := e.act.UserTimeline(e.ctx, db, e.finance, u.ID, activity.EventFilter{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		// Exactly 200 events: nothing left out, so every operator action
		// shows, the one before the oldest event too.
		if _, err := db.NewDelete().Model((*activity.Event)(nil)).Where("user_id = ? AND occurred_at = ?", u.ID, t0.Add(-201*time.Minute)).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		tl, err = e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{})
		if err != nil || tl.Events != 200 || tl.OperatorActions != 2 || tl.Truncated {
			t.Fatalf("exactly 200: events %d, operator actions %d, truncated %v, %v", tl.Events, tl.OperatorActions, tl.Truncated, err)
		}
		own, err := e.act.OwnEvents(e.ctx, db, other.ID, activity.EventFilter{})
		if err != nil || own.Events != 1 || own.OperatorActions != 0 {
			t.Fatalf("own: %+v %v", own, err)
		}
	})
}

func TestRecordEventsConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				batch := make([]activity.NewEvent, 50)
				for i := range batch {
					batch[i] = tap(u.ID, t0.Add(-time.Duration(w*50+i)*time.Second))
				}
				if _, err := e.act.RecordEvents(e.ctx, db, batch); err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events"); n != 400 {
			t.Fatalf("rows = %d", n)
		}
	})
}
