package activity_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

func booking(userID uuid.UUID, id string, ch activity.Channel, booked, visit time.Time) activity.ReservationRecord {
	r := activity.ReservationRecord{
		UserID: userID, Provider: "sevenrooms", ProviderID: id, VenueID: "v1", VenueName: "Chez Paul",
		Channel: ch, Role: usermgmt.RoleAsker, BookedAt: booked, VisitAt: visit, VisitTimezone: "Europe/Paris",
		PartySize: 2, Status: activity.StatusBooked, ProviderStatus: "BOOKED",
	}
	if ch == activity.ChannelBot {
		r.BotKind = "whatsapp"
	}
	return r
}

func counters(tb testing.TB, e *env, id uuid.UUID) usermgmt.Counters {
	tb.Helper()
	u, err := e.users.GetOwnUser(e.ctx, e.db, id)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Counters
}

func TestRecordReservationIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		in := booking(u.ID, "R1", activity.ChannelApp, t0.Add(-time.Hour), t0.Add(48*time.Hour))
		in.SyncedAt = t0.Add(-time.Minute)
		r, out, err := e.act.RecordReservation(e.ctx, db, in)
		if err != nil || out != activity.OutcomeCreated {
			t.Fatalf("create: %v %v", out, err)
		}
		e.clock.Advance(time.Minute)
		// A replayed webhook changes nothing, not even updated_at.
		r2, out, err := e.act.RecordReservation(e.ctx, db, in)
		if err != nil || out != activity.OutcomeUnchanged || r2.ID != r.ID || !r2.UpdatedAt.Equal(r.UpdatedAt) || !r2.LastSyncedAt.Equal(r.LastSyncedAt) {
			t.Fatalf("replay: %v %v %+v", out, err, r2)
		}
		if c := counters(t, e, u.ID); c.AskerBookings != 1 {
			t.Fatalf("asker bookings after replay = %d", c.AskerBookings)
		}
		// The same content, synced later: only last_synced_at moves.
		later := in
		later.SyncedAt = t0.Add(time.Minute)
		r3, out, err := e.act.RecordReservation(e.ctx, db, later)
		if err != nil || out != activity.OutcomeUnchanged || !r3.LastSyncedAt.Equal(later.SyncedAt) || !r3.UpdatedAt.Equal(r.UpdatedAt) {
			t.Fatalf("later sync: %v %v %+v", out, err, r3)
		}
		// A change is applied, with the raw provider value kept.
		cancel := later
		cancel.Status, cancel.ProviderStatus, cancel.CancelledBy = activity.StatusCancelled, "CANCELED", activity.CancelledByUser
		cancel.SyncedAt = t0.Add(2 * time.Minute)
		r4, out, err := e.act.RecordReservation(e.ctx, db, cancel)
		if err != nil || out != activity.OutcomeUpdated || r4.Status != activity.StatusCancelled || r4.ProviderStatus != "CANCELED" || r4.ID != r.ID {
			t.Fatalf("cancel: %v %v %+v", out, err, r4)
		}
		if c := counters(t, e, u.ID); c.AskerBookings != 0 {
			t.Fatalf("a cancelled booking still counts: %d", c.AskerBookings)
		}
		// A late webhook (older) never rolls it back.
		_, out, err = e.act.RecordReservation(e.ctx, db, later)
		if err != nil || out != activity.OutcomeStale {
			t.Fatalf("stale: %v %v", out, err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_reservations WHERE status = 'cancelled'"); n != 1 {
			t.Fatalf("stale webhook rolled back: %d", n)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_reservations"); n != 1 {
			t.Fatalf("rows = %d", n)
		}
	})
}

func TestRecordReservationValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		bad := activity.ReservationRecord{UserID: u.ID, Channel: "fax", BotKind: "whatsapp", Role: "guest", VisitTimezone: "Mars/Olympus",
			Status: "eaten", CancelledBy: activity.CancelledByVenue}
		_, _, err := e.act.RecordReservation(e.ctx, db, bad)
		for _, f := range []string{"provider", "provider_id", "channel", "bot_kind", "role", "booked_at", "visit_at", "visit_timezone", "party_size", "status", "cancelled_by"} {
			if !hasField(err, f) {
				t.Errorf("no error on %s: %v", f, err)
			}
		}
		if _, _, err := e.act.RecordReservation(e.ctx, db, booking(uuid.Must(uuid.NewV7()), "X", activity.ChannelApp, t0, t0)); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestReservationCardLast100(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, other := e.user(t), e.user(t)
		rec := func(id string, ch activity.Channel, booked, visit time.Time) {
			t.Helper()
			if _, _, err := e.act.RecordReservation(e.ctx, db, booking(u.ID, id, ch, booked, visit)); err != nil {
				t.Fatal(err)
			}
		}
		// 101 App/Bot reservations: booked one hour apart; the oldest
		// booked (A000) falls out of the card. Visits alternate between
		// the past and the future, in an order unlike the booking order.
		for i := 0; i < 101; i++ {
			ch := activity.ChannelApp
			if i%3 == 0 {
				ch = activity.ChannelBot
			}
			visit := t0.Add(time.Duration(i-50) * 24 * time.Hour)
			rec(fmt.Sprintf("A%03d", i), ch, t0.Add(-time.Duration(200-i)*time.Hour), visit)
		}
		// Web and back office ones, booked most recently, are not on the
		// default card.
		rec("W1", activity.ChannelWeb, t0.Add(-time.Minute), t0.Add(time.Hour))
		rec("B1", activity.ChannelBackOffice, t0.Add(-time.Minute), t0.Add(-time.Hour))
		if _, _, err := e.act.RecordReservation(e.ctx, db, booking(other.ID, "O1", activity.ChannelApp, t0, t0)); err != nil {
			t.Fatal(err)
		}

		card, err := e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		all := append(append([]activity.Reservation{}, card.Past...), card.Upcoming...)
		if len(all) != 100 || !card.Truncated {
			t.Fatalf("card holds %d (truncated %v), want the last 100", len(all), card.Truncated)
		}
		for i, r := range all {
			if r.ProviderID == "A000" || (r.Channel != activity.ChannelApp && r.Channel != activity.ChannelBot) || r.UserID != u.ID {
				t.Fatalf("card holds %s (%s)", r.ProviderID, r.Channel)
			}
			if i > 0 && r.VisitAt.Before(all[i-1].VisitAt) {
				t.Fatalf("not chronological at %d", i)
			}
		}
		for _, r := range card.Past {
			if !r.VisitAt.Before(t0) {
				t.Fatalf("past holds a future visit %v", r.VisitAt)
			}
		}
		for _, r := range card.Upcoming {
			if r.VisitAt.Before(t0) {
				t.Fatalf("upcoming holds a past visit %v", r.VisitAt)
			}
		}
		// Exactly 100: not truncated. Delete one (the provider deleted it).
		gone := booking(u.ID, "A050", activity.ChannelApp, t0.Add(-150*time.Hour), t0)
		gone.Deleted = true
		if _, out, err := e.act.RecordReservation(e.ctx, db, gone); err != nil || out != activity.OutcomeUpdated {
			t.Fatalf("delete: %v %v", out, err)
		}
		card, err = e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{})
		if err != nil || len(card.Past)+len(card.Upcoming) != 100 || card.Truncated {
			t.Fatalf("after delete: %d %v %v", len(card.Past)+len(card.Upcoming), card.Truncated, err)
		}
		for _, r := range append(card.Past, card.Upcoming...) {
			if r.ProviderID == "A050" {
				t.Fatal("deleted reservation shown")
			}
		}
		// Other channels are one filter away.
		card, err = e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{Channels: []activity.Channel{activity.ChannelWeb, activity.ChannelBackOffice}})
		if err != nil || len(card.Upcoming) != 1 || card.Upcoming[0].ProviderID != "W1" || len(card.Past) != 1 || card.Past[0].ProviderID != "B1" {
			t.Fatalf("web+back office: %+v %v", card, err)
		}
		if _, err := e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{Channels: []activity.Channel{"fax"}}); !hasField(err, "channels[0]") {
			t.Fatalf("bad channel: %v", err)
		}
		// Finance lacks activity.read.
		if _, err := e.act.UserReservations(e.ctx, db, e.finance, u.ID, activity.ReservationFilter{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		own, err := e.act.OwnReservations(e.ctx, db, other.ID, activity.ReservationFilter{})
		if err != nil || len(own.Upcoming) != 1 {
			t.Fatalf("own: %+v %v", own, err)
		}
	})
}

func TestBookingCounters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, v := e.user(t), e.user(t)
		asker := booking(u.ID, "C1", activity.ChannelApp, t0, t0)
		offer := booking(u.ID, "C2", activity.ChannelWeb, t0, t0)
		offer.Role = usermgmt.RoleOfferor
		for _, r := range []activity.ReservationRecord{asker, offer} {
			if _, _, err := e.act.RecordReservation(e.ctx, db, r); err != nil {
				t.Fatal(err)
			}
		}
		if c := counters(t, e, u.ID); c.AskerBookings != 1 || c.OfferorBookings != 1 {
			t.Fatalf("counted on write: %+v", c)
		}
		// Moving a reservation to another user moves its count.
		moved := asker
		moved.UserID = v.ID
		if _, _, err := e.act.RecordReservation(e.ctx, db, moved); err != nil {
			t.Fatal(err)
		}
		if cu, cv := counters(t, e, u.ID), counters(t, e, v.ID); cu.AskerBookings != 0 || cv.AskerBookings != 1 {
			t.Fatalf("after move: %+v %+v", cu, cv)
		}
		// The host overwrites the counters; a cancellation cannot go
		// below zero but is still recorded, and reconciliation repairs.
		if err := e.users.SetCounters(e.ctx, db, u.ID, usermgmt.Counters{Listings: 7}); err != nil {
			t.Fatal(err)
		}
		offer.Status = activity.StatusCancelled
		if _, out, err := e.act.RecordReservation(e.ctx, db, offer); err != nil || out != activity.OutcomeUpdated {
			t.Fatalf("cancel on a zeroed counter: %v %v", out, err)
		}
		third := booking(u.ID, "C3", activity.ChannelBot, t0, t0)
		if _, _, err := e.act.RecordReservation(e.ctx, db, third); err != nil {
			t.Fatal(err)
		}
		if err := e.users.SetCounters(e.ctx, db, u.ID, usermgmt.Counters{Listings: 7, AskerBookings: 40, OfferorBookings: 3}); err != nil {
			t.Fatal(err)
		}
		c, err := e.act.ReconcileBookingCounters(e.ctx, db, u.ID)
		if err != nil || c.AskerBookings != 1 || c.OfferorBookings != 0 || c.Listings != 7 {
			t.Fatalf("reconcile: %+v %v", c, err)
		}
		if c := counters(t, e, u.ID); c.AskerBookings != 1 || c.OfferorBookings != 0 || c.Listings != 7 {
			t.Fatalf("stored after reconcile: %+v", c)
		}
	})
}

func TestRecordReservationConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		const workers, ids = 8, 5
		var wg sync.WaitGroup
		errs := make(chan error, workers*ids)
		created := make(chan string, workers*ids)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < ids; i++ {
					in := booking(u.ID, fmt.Sprintf("P%d", i), activity.ChannelApp, t0, t0.Add(time.Hour))
					in.SyncedAt = t0
					// Half the workers replay, half deliver a new party size
					// synced later.
					if w%2 == 1 {
						in.PartySize, in.SyncedAt = 4, t0.Add(time.Second)
					}
					_, out, err := e.act.RecordReservation(e.ctx, db, in)
					if err != nil {
						errs <- err
						continue
					}
					if out == activity.OutcomeCreated {
						created <- in.ProviderID
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		close(created)
		for err := range errs {
			t.Error(err)
		}
		seen := map[string]int{}
		for id := range created {
			seen[id]++
		}
		for i := 0; i < ids; i++ {
			if n := seen[fmt.Sprintf("P%d", i)]; n != 1 {
				t.Errorf("P%d created %d times", i, n)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_reservations"); n != ids {
			t.Fatalf("rows = %d", n)
		}
		// The later version won everywhere, whatever the order.
		if n := count(t, db, "SELECT count(*) FROM userdesk_reservations WHERE party_size = 4"); n != ids {
			t.Fatalf("party size 4 on %d rows", n)
		}
		if c := counters(t, e, u.ID); c.AskerBookings != ids {
			t.Fatalf("asker bookings = %d, want %d", c.AskerBookings, ids)
		}
	})
}
