package sevenrooms_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const webhookSecret = "shared-secret"

// world is one database, usermgmt, thirdparty, the SevenRooms service and
// its fake, on one clock.
type world struct {
	db      *bun.DB
	clock   *usermgmttest.Clock
	um      *usermgmt.Service
	links   *thirdparty.Service
	svc     *sevenrooms.Service
	fake    *sevenroomstest.Server
	api     *hookedAPI
	support *usermgmt.Operator
	sleeps  *clock
}

// hookedAPI lets a test act between the service's calls (a concurrent
// edit of the app user while SevenRooms is being updated).
type hookedAPI struct {
	sevenrooms.API
	mu            sync.Mutex
	onUpdate      func()
	updateProfile int
}

func (h *hookedAPI) UpdateProfile(ctx context.Context, id string, in sevenrooms.ProfileInput) (*sevenrooms.Profile, error) {
	h.mu.Lock()
	f := h.onUpdate
	h.onUpdate = nil
	h.updateProfile++
	h.mu.Unlock()
	p, err := h.API.UpdateProfile(ctx, id, in)
	if f != nil {
		f()
	}
	return p, err
}

func (h *hookedAPI) afterNextUpdate(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onUpdate = f
}

func newWorld(t testing.TB, db *bun.DB, edit ...func(*sevenrooms.Config)) *world {
	t.Helper()
	w := &world{db: db, clock: usermgmttest.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)), sleeps: newClock()}
	w.um = usermgmttest.NewService(t, usermgmt.Config{Permissions: thirdparty.Permissions(), Now: w.clock.Now})
	var err error
	if w.links, err = thirdparty.New(thirdparty.Config{Users: w.um, Now: w.clock.Now}); err != nil {
		t.Fatal(err)
	}
	w.fake = sevenroomstest.New(t, sevenroomstest.Config{Now: w.clock.Now})
	cc := w.fake.ClientConfig()
	cc.Now, cc.MaxRetries = w.clock.Now, 1
	client, err := sevenrooms.NewClient(cc)
	if err != nil {
		t.Fatal(err)
	}
	w.api = &hookedAPI{API: client}
	cfg := sevenrooms.Config{Links: w.links, API: w.api, WebhookSecret: webhookSecret, Sleep: w.sleeps.Sleep}
	for _, e := range edit {
		e(&cfg)
	}
	if w.svc, err = sevenrooms.NewService(cfg); err != nil {
		t.Fatal(err)
	}
	w.support = usermgmttest.Operator(t, w.um, db, usermgmt.RoleSupport)
	return w
}

// user registers a user; verified sets the phone and email flags.
func (w *world) user(t *testing.T, verified bool, edit ...func(*usermgmt.Registration)) *usermgmt.User {
	t.Helper()
	u := usermgmttest.User(t, w.um, w.db, edit...)
	if verified {
		for _, k := range []usermgmt.VerificationKind{usermgmt.VerifyEmail, usermgmt.VerifyPhone} {
			if _, err := w.um.SetVerificationBySystem(context.Background(), w.db, u.ID, k, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w.reload(t, u.ID)
}

func (w *world) reload(t *testing.T, id uuid.UUID) *usermgmt.User {
	t.Helper()
	u, err := w.um.GetOwnUser(context.Background(), w.db, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *world) link(t *testing.T, userID uuid.UUID) *thirdparty.Link {
	t.Helper()
	l, err := thirdparty.FindLink(context.Background(), w.db, userID, sevenrooms.Provider)
	if err != nil {
		t.Fatalf("link: %v", err)
	}
	return l
}

// linkTo links the user to a new profile directly.
func (w *world) linkTo(t *testing.T, userID uuid.UUID, p sevenrooms.Profile) string {
	t.Helper()
	id := w.fake.AddProfile(p)
	if _, err := w.links.SaveLink(context.Background(), w.db, thirdparty.LinkChange{
		UserID: userID, Provider: sevenrooms.Provider, ExternalID: id, Environment: "production", Status: thirdparty.StatusLinked,
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) audits(t *testing.T, action string) int {
	t.Helper()
	n, err := w.db.NewSelect().Table("userdesk_audit_log").Where("action = ?", action).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
