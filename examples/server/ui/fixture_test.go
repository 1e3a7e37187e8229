package ui_test

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/examples/server/ui"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

// fixture is a running back office on a real database with demo-like
// users, a category and one operator of each built-in role.
type fixture struct {
	db     *bun.DB
	users  *usermgmt.Service
	verify *verification.Service
	srv    *httptest.Server
	// front is the same server: the reference front office
	// (examples/server/front) is mounted beside the back office, as in
	// the reference server.
	front                   *httptest.Server
	admin, support, finance *usermgmt.Operator
	// people are the registered users, oldest first; people[0] is
	// "Zoé Ørsted", who has a bank account.
	people   []*usermgmt.User
	category *usermgmt.Category
	// guest is people[0]'s pending invitation of helper@example.com.
	guest *usermgmt.Guest
	imp   *impersonation.Service
	// referral and activity back the user page's tabs; people[1] was
	// referred by people[0], who has reservations, events and two
	// devices (the Android one previous).
	referral *referral.Service
	activity *activity.Service
	clock    *usermgmttest.Clock
}

var demoNames = [][2]string{
	{"Zoé", "Ørsted"}, {"Adam", "Martin"}, {"Béatrice", "Dupont"}, {"Chloé", "Bernard"},
	{"David", "Petit"}, {"Emma", "Durand"}, {"Fabien", "Leroy"},
}

func newFixture(t *testing.T, db *bun.DB) *fixture {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	ring, err := usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	clock := usermgmttest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	perms := append(append(append(usermgmt.OperatorPermissions(), referral.Permissions()...), activity.Permissions()...), verification.Permissions()...)
	users := usermgmttest.NewService(t, usermgmt.Config{BankKeys: ring, Now: clock.Now, Permissions: perms})
	f := &fixture{db: db, users: users}
	if f.verify, err = verification.New(verification.Config{Users: users, Now: clock.Now, BaseURL: "https://front.example", AnswerFloor: -1}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.srv = httptest.NewUnstartedServer(mux)
	origin := "http://" + f.srv.Listener.Addr().String()
	signKey, err := impersonation.GenerateKey("k1", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := impersonation.New(impersonation.Config{Users: users, Audience: origin,
		Keys: impersonation.KeyRing{Current: "k1", Keys: []impersonation.Key{signKey}}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = usermgmttest.Operator(t, users, db, usermgmt.RoleAdmin)
	f.support = usermgmttest.Operator(t, users, db, usermgmt.RoleSupport)
	f.finance = usermgmttest.Operator(t, users, db, usermgmt.RoleFinance)
	ctx := t.Context()
	if f.category, err = users.CreateCategory(ctx, db, f.admin.ID, "photographers", "Photographers"); err != nil {
		t.Fatal(err)
	}
	for i, n := range demoNames {
		clock.Advance(time.Hour)
		u := usermgmttest.User(t, users, db, func(r *usermgmt.Registration) {
			r.FirstName, r.LastName = n[0], n[1]
			r.Email = fmt.Sprintf("%s.%d@example.com", strings.ToLower(n[1]), i)
			if i%2 == 1 {
				r.SpokenLanguages = []string{"de"}
				r.Roles = []usermgmt.Role{usermgmt.RoleAsker}
			}
		})
		if i%3 == 0 {
			if err := users.SetCounters(ctx, db, u.ID, usermgmt.Counters{Listings: int64(i + 1), AskerBookings: 2, OfferorBookings: 5, ReviewsReceived: 3}); err != nil {
				t.Fatal(err)
			}
		}
		f.people = append(f.people, u)
	}
	if err := users.SetBankAccount(ctx, db, f.admin.ID, f.people[0].ID, usermgmt.BankAccount{Holder: "Zoé Ørsted", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.SetUserCategories(ctx, db, f.admin.ID, f.people[0].ID, []uuid.UUID{f.category.ID}); err != nil {
		t.Fatal(err)
	}
	if f.guest, _, err = users.InviteGuest(ctx, db, f.people[0].ID, usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageListings}}); err != nil {
		t.Fatal(err)
	}
	st, err := usermgmt.GetSettings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	three, one, ten := decimal.NewFromInt(3), decimal.NewFromInt(1), decimal.NewFromInt(10)
	if _, err := users.UpdateSettings(ctx, db, f.admin.ID, usermgmt.SettingsUpdate{Version: st.Version, AskerPercent: &three, AskerFixed: &one, OfferorPercent: &ten}); err != nil {
		t.Fatal(err)
	}
	f.imp = imp
	f.clock = clock
	if f.referral, err = referral.New(referral.Config{Users: users, InitialCredits: 3, Now: clock.Now}); err != nil {
		t.Fatal(err)
	}
	if f.activity, err = activity.New(activity.Config{Users: users, Now: clock.Now, MinAppVersion: "3.0"}); err != nil {
		t.Fatal(err)
	}
	f.seedActivity(t)
	logger := slog.New(slog.NewTextHandler(tlog{t}, nil))
	h, err := ui.New(ui.Config{DB: db, Users: users, Impersonation: imp, FrontOfficeURL: origin, Now: clock.Now, Logger: logger,
		Referral: f.referral, Activity: f.activity, Verification: f.verify})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := front.New(front.Config{DB: db, Users: users, Impersonation: imp, BackOfficeURL: "/admin", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/admin/", h)
	mux.Handle("/app/", fo)
	mux.Handle("POST /impersonate", fo)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	f.front = f.srv
	return f
}

// tlog sends the handler's log to the test's log.
type tlog struct{ t *testing.T }

func (l tlog) Write(b []byte) (int, error) { l.t.Log(strings.TrimSpace(string(b))); return len(b), nil }

// client is a browser-like HTTP client that keeps cookies and does not
// follow redirects, so that tests see them.
func (f *fixture) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs op in with c and fails the test when it does not work.
func (f *fixture) login(t *testing.T, c *http.Client, op *usermgmt.Operator) {
	t.Helper()
	res, err := c.PostForm(f.srv.URL+"/admin/login", url.Values{"email": {op.Email}, "password": {usermgmttest.OperatorPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", res.StatusCode)
	}
}

// seedActivity gives people[0] a referral account that referred
// people[1], reservations (two past via the App and the Bot, one to come,
// one on the web that the tab leaves out), events and two devices.
func (f *fixture) seedActivity(t *testing.T) {
	t.Helper()
	ctx, db, now := t.Context(), f.db, f.clock.Now()
	zoe := f.people[0].ID
	acct, err := f.referral.Open(ctx, db, zoe)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.referral.Attach(ctx, db, f.people[1].ID, *acct.Code, referral.Signals{}); err != nil {
		t.Fatal(err)
	}
	res := []activity.ReservationRecord{
		{ProviderID: "r1", VenueName: "Chez Janou", Channel: activity.ChannelApp, BookedAt: now.Add(-72 * time.Hour), VisitAt: now.Add(-48 * time.Hour), Status: activity.StatusCompleted},
		{ProviderID: "r2", VenueName: "Le Bistrot Paul Bert", Channel: activity.ChannelBot, BotKind: "whatsapp", BookedAt: now.Add(-30 * time.Hour), VisitAt: now.Add(-24 * time.Hour), Status: activity.StatusNoShow, ProviderStatus: "NO_SHOW"},
		{ProviderID: "r3", VenueName: "Septime", Channel: activity.ChannelApp, BookedAt: now.Add(-2 * time.Hour), VisitAt: now.Add(48 * time.Hour), Status: activity.StatusConfirmed},
		{ProviderID: "r4", VenueName: "Web Only Café", Channel: activity.ChannelWeb, BookedAt: now.Add(-time.Hour), VisitAt: now.Add(24 * time.Hour), Status: activity.StatusBooked},
	}
	for _, r := range res {
		r.UserID, r.Provider, r.VenueID, r.Role, r.VisitTimezone, r.PartySize = zoe, "app", "v-"+r.ProviderID, usermgmt.RoleAsker, "Europe/Paris", 2
		if _, _, err := f.activity.RecordReservation(ctx, db, r); err != nil {
			t.Fatal(err)
		}
	}
	evs := []activity.NewEvent{
		{UserID: zoe, OccurredAt: now.Add(-5 * time.Hour), Type: "auth.login", Channel: activity.ChannelApp, AppVersion: "3.2.0", Attributes: map[string]any{"method": "password"}},
		{UserID: zoe, OccurredAt: now.Add(-4 * time.Hour), Type: "search.performed", Channel: activity.ChannelApp, AppVersion: "3.2.0", Attributes: map[string]any{"query": "bistrot", "results": 12, "city": "Paris"}},
		{UserID: zoe, OccurredAt: now.Add(-3 * time.Hour), Type: "bot.message", Channel: activity.ChannelBot, BotVersion: "1.4", Attributes: map[string]any{"bot_kind": "whatsapp", "intent": "book"}},
	}
	if _, err := f.activity.RecordEvents(ctx, db, evs); err != nil {
		t.Fatal(err)
	}
	for _, d := range []activity.DeviceSighting{
		{UserID: zoe, DeviceID: "android-old", Kind: activity.DeviceAndroid, OSName: "Android", OSVersion: "12", Model: "Pixel 5", AppVersion: "2.9.1", AppBuild: "291", SeenAt: now.Add(-200 * time.Hour)},
		{UserID: zoe, DeviceID: "iphone-new", Kind: activity.DeviceIOS, OSName: "iOS", OSVersion: "18.1", Model: "iPhone 15", AppVersion: "3.2.0", AppBuild: "320", SeenAt: now.Add(-5 * time.Hour)},
	} {
		if _, err := f.activity.RecordDevice(ctx, db, d); err != nil {
			t.Fatal(err)
		}
	}
}
