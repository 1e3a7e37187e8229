package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// demoPermissions is the catalogue of the demo seeding's own services
// (the packages' New check that it knows their permissions).
func demoPermissions() []usermgmt.PermissionDef {
	var perms []usermgmt.PermissionDef
	perms = append(perms, usermgmt.OperatorPermissions()...)
	perms = append(perms, referral.Permissions()...)
	perms = append(perms, activity.Permissions()...)
	return perms
}

// seedReferrals gives every demo user a referral account and builds
// referral trees: a few "ambassadors" near the start of the list refer
// many, their referees refer a few in turn, a third of the users came
// without a code. Each referee attached the code at registration (the
// seeding's clock is then the referee's creation date, so the attach
// window holds); half the referees later qualified (consuming one of the
// referrer's credits, or recorded as unrewarded when none was left); a
// few balances were stepped, set or granted by a rule, so the ledger
// shows each kind of entry.
func (a *app) seedReferrals(ctx context.Context, tx bun.IDB, cheap *usermgmt.Service, admin, finance uuid.UUID, users []*usermgmt.User, rng *mrand.Rand) error {
	var clock time.Time
	ref, err := referral.New(referral.Config{Users: cheap, InitialCredits: demoReferralCredits(a.cfg), Now: func() time.Time { return clock }})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	codes := make([]string, len(users))
	var referees []*usermgmt.User
	for i, u := range users {
		clock = u.CreatedAt
		acc, err := ref.Open(ctx, tx, u.ID)
		if err != nil {
			return fmt.Errorf("open %d: %w", i, err)
		}
		if acc.Code != nil {
			codes[i] = *acc.Code
		}
		if i < 5 {
			// The ambassadors get credits from a rule, whatever the
			// initial credits of the configuration.
			if _, err := ref.AdjustCredits(ctx, tx, u.ID, referral.Adjustment{Kind: referral.KindGranted, Amount: 10, Reason: "demo: ambassador programme", IdempotencyKey: "demo-ambassador-" + u.ID.String()}); err != nil {
				return err
			}
		}
		if i < 3 || rng.IntN(3) == 0 {
			continue // came without a code
		}
		// A third of the referred were brought by one of the first five
		// users (the ambassadors); the others by anyone before them.
		by := rng.IntN(min(i, 5))
		if rng.IntN(3) != 0 {
			by = rng.IntN(i)
		}
		if _, err := ref.Attach(ctx, tx, u.ID, codes[by], referral.Signals{}); err != nil {
			return fmt.Errorf("attach %d: %w", i, err)
		}
		referees = append(referees, u)
	}
	for i, u := range referees {
		if i%2 != 0 {
			continue
		}
		clock = u.CreatedAt.Add(time.Duration(1+rng.IntN(30)) * 24 * time.Hour)
		if clock.After(now) {
			clock = now
		}
		if _, err := ref.Qualify(ctx, tx, u.ID); err != nil {
			return fmt.Errorf("qualify: %w", err)
		}
	}
	clock = now
	for i, u := range users[:min(len(users), 40)] {
		switch i % 4 {
		case 0:
			if _, err := a.referral.StepCredits(ctx, tx, admin, u.ID, referral.CreditStep{Delta: 1, Reason: "demo: goodwill after a support ticket"}); err != nil {
				return err
			}
		case 1:
			acc, err := a.referral.Card(ctx, tx, admin, u.ID, referral.CardOptions{})
			if err != nil {
				return err
			}
			if _, err := a.referral.SetCredits(ctx, tx, finance, u.ID, referral.CreditSet{To: acc.Balance + 5, SeenVersion: acc.Version, Reason: "demo: partner programme"}); err != nil {
				return err
			}
		case 2:
			if _, err := ref.AdjustCredits(ctx, tx, u.ID, referral.Adjustment{Kind: referral.KindGranted, Amount: 2, Reason: "demo: summer campaign", IdempotencyKey: "demo-summer-" + u.ID.String()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoVenues are the places demo reservations are made at.
var demoVenues = []struct{ id, name, tz string }{
	{"ven-001", "Le Petit Zinc", "Europe/Paris"},
	{"ven-002", "Trattoria da Lucia", "Europe/Rome"},
	{"ven-003", "The Copper Kettle", "Europe/London"},
	{"ven-004", "Casa Lola", "Europe/Madrid"},
	{"ven-005", "Sushi Kaito", "Europe/Berlin"},
	{"ven-006", "Brasserie Nord", "Europe/Brussels"},
}

// seedActivity gives each demo user devices (a current one, often a
// previous one on an older app version, sometimes a WhatsApp bot), up to
// seven reservations past and future through the App, the Bot and other
// channels, and events over the last eight weeks (within every type's
// retention, so the background pass keeps them): a few hundred for every
// tenth user, a few dozen for the others (decision: a few hundred for
// every user made seeding, which runs at the first start, take tens of
// seconds on SQLite).
func (a *app) seedActivity(ctx context.Context, tx bun.IDB, users []*usermgmt.User, rng *mrand.Rand) error {
	now := time.Now().UTC()
	var pending []activity.NewEvent
	screens := []string{"home", "search", "venue", "booking", "profile", "wallet"}
	for i, u := range users {
		type dev struct {
			id, app, bot string
			kind         activity.DeviceKind
			channel      activity.Channel
		}
		var devs []dev
		phone := dev{id: fmt.Sprintf("demo-phone-%d", i), app: pick(rng, []string{"4.2.0", "4.3.1", "4.4.0"}), kind: pick(rng, []activity.DeviceKind{activity.DeviceIOS, activity.DeviceAndroid}), channel: activity.ChannelApp}
		if rng.IntN(2) == 0 {
			old := dev{id: fmt.Sprintf("demo-old-phone-%d", i), app: "3.9.2", kind: phone.kind, channel: activity.ChannelApp}
			if err := a.recordDemoDevice(ctx, tx, u.ID, old.id, old.kind, old.app, "", now.Add(-time.Duration(120+rng.IntN(200))*24*time.Hour)); err != nil {
				return err
			}
		}
		devs = append(devs, phone)
		if rng.IntN(3) == 0 {
			devs = append(devs, dev{id: fmt.Sprintf("demo-whatsapp-%d", i), bot: "2.1.0", kind: activity.DeviceWhatsApp, channel: activity.ChannelBot})
		}
		for k, d := range devs {
			if err := a.recordDemoDevice(ctx, tx, u.ID, d.id, d.kind, d.app, d.bot, now.Add(-time.Duration(k*3+rng.IntN(48))*time.Hour)); err != nil {
				return err
			}
		}
		for r := range rng.IntN(8) {
			v := pick(rng, demoVenues)
			channel, botKind := pick(rng, []activity.Channel{activity.ChannelApp, activity.ChannelApp, activity.ChannelBot, activity.ChannelWeb, activity.ChannelBackOffice}), ""
			if channel == activity.ChannelBot {
				botKind = "whatsapp"
			}
			visit := now.Add(time.Duration(rng.IntN(24*240)-24*180) * time.Hour).Truncate(30 * time.Minute)
			booked := visit.Add(-time.Duration(1+rng.IntN(24*20)) * time.Hour)
			if booked.After(now) {
				booked = now.Add(-time.Hour)
			}
			status := activity.StatusConfirmed
			var cancelledBy activity.CancelledBy
			switch {
			case visit.Before(now) && rng.IntN(8) == 0:
				status = activity.StatusNoShow
			case rng.IntN(7) == 0:
				status, cancelledBy = activity.StatusCancelled, pick(rng, []activity.CancelledBy{activity.CancelledByUser, activity.CancelledByVenue})
			case visit.Before(now):
				status = activity.StatusCompleted
			}
			role := usermgmt.RoleAsker
			if u.HasRole(usermgmt.RoleOfferor) && !u.HasRole(usermgmt.RoleAsker) {
				role = usermgmt.RoleOfferor
			}
			if _, _, err := a.activity.RecordReservation(ctx, tx, activity.ReservationRecord{
				UserID: u.ID, Provider: "sevenrooms", ProviderID: fmt.Sprintf("demo-%d-%d", i, r), VenueID: v.id, VenueName: v.name,
				Channel: channel, BotKind: botKind, Role: role, BookedAt: booked, VisitAt: visit, VisitTimezone: v.tz,
				PartySize: 1 + rng.IntN(6), Status: status, ProviderStatus: string(status), CancelledBy: cancelledBy, SyncedAt: now,
			}); err != nil {
				return fmt.Errorf("reservation: %w", err)
			}
		}
		// Every tenth user has a few hundred events (more than the 200
		// the card shows), the others a few dozen: a few hundred for all
		// 300 would make seeding take tens of seconds on SQLite.
		n := 20 + rng.IntN(50)
		if i%10 == 0 {
			n = 220 + rng.IntN(150)
		}
		events := make([]activity.NewEvent, 0, n)
		for range n {
			d := pick(rng, devs)
			at := now.Add(-time.Duration(rng.IntN(56*24*60)) * time.Minute)
			e := activity.NewEvent{UserID: u.ID, OccurredAt: at, Channel: d.channel, DeviceID: d.id, SessionID: fmt.Sprintf("s-%d-%d", i, at.Unix()/3600), AppVersion: d.app, BotVersion: d.bot}
			if d.channel == activity.ChannelBot {
				e.Type, e.Attributes = "bot.message", map[string]any{"bot_kind": "whatsapp", "intent": pick(rng, []string{"book", "cancel", "opening_hours", "menu"})}
			} else {
				switch k := rng.IntN(20); {
				case k == 0:
					e.Type, e.Attributes = "auth.login", map[string]any{"method": "password"}
				case k < 4:
					e.Type, e.Attributes = "app.open", map[string]any{"cold_start": rng.IntN(2) == 0}
				case k < 9:
					e.Type, e.Attributes = "app.screen_view", map[string]any{"screen": pick(rng, screens)}
				case k < 14:
					e.Type, e.Attributes = "app.tap", map[string]any{"screen": pick(rng, screens), "target": pick(rng, []string{"book", "filter", "favourite", "share"})}
				case k < 17:
					e.Type, e.Attributes = "search.performed", map[string]any{"query": pick(rng, []string{"sushi", "brunch", "terrace", "vegan"}), "results": rng.IntN(40), "city": pick(rng, []string{"Paris", "London", "Rome"})}
				default:
					v := pick(rng, demoVenues)
					e.Type, e.Attributes = "venue.viewed", map[string]any{"venue_id": v.id, "venue_name": v.name}
				}
			}
			events = append(events, e)
		}
		pending = append(pending, events...)
		if len(pending) >= 4000 || i == len(users)-1 {
			// One statement per batch of several users' events.
			if _, err := a.activity.RecordEvents(ctx, tx, pending); err != nil {
				return fmt.Errorf("events: %w", err)
			}
			pending = pending[:0]
		}
	}
	return nil
}

func (a *app) recordDemoDevice(ctx context.Context, tx bun.IDB, user uuid.UUID, id string, kind activity.DeviceKind, app, bot string, seen time.Time) error {
	s := activity.DeviceSighting{UserID: user, DeviceID: id, Kind: kind, AppVersion: app, BotVersion: bot, SeenAt: seen}
	switch kind {
	case activity.DeviceIOS:
		s.OSName, s.OSVersion, s.Model = "iOS", "17.5", "iPhone 14"
	case activity.DeviceAndroid:
		s.OSName, s.OSVersion, s.Model = "Android", "14", "Pixel 8"
	}
	if app != "" {
		s.AppBuild = "demo"
	}
	_, err := a.activity.RecordDevice(ctx, tx, s)
	return err
}
