package activity_test

import (
	"encoding/json"
	"errors"
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

func ptr[T any](v T) *T { return &v }

func TestDevicesCurrentAndPrevious(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db) // MinAppVersion 3.2.0
		u := e.user(t)
		see := func(in activity.DeviceSighting) *activity.Device {
			t.Helper()
			in.UserID = u.ID
			d, err := e.act.RecordDevice(e.ctx, db, in)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		old := see(activity.DeviceSighting{DeviceID: "iphone-old", Kind: activity.DeviceIOS, OSName: "iOS", OSVersion: "16.1", Model: "iPhone 11",
			AppVersion: "3.1.9", AppBuild: "311", PushToken: ptr("apns-secret-1"), SeenAt: t0.Add(-30 * 24 * time.Hour)})
		if !old.Outdated || !old.HasPushToken || !old.FirstSeenAt.Equal(t0.Add(-30*24*time.Hour)) {
			t.Fatalf("old phone: %+v", old)
		}
		see(activity.DeviceSighting{DeviceID: "wa-1", Kind: activity.DeviceWhatsApp, BotVersion: "2.0", SeenAt: t0.Add(-2 * time.Hour)})
		cur := see(activity.DeviceSighting{DeviceID: "pixel", Kind: activity.DeviceAndroid, OSName: "Android", OSVersion: "15", AppVersion: "3.10.0", SeenAt: t0.Add(-time.Hour)})
		if cur.Outdated {
			t.Fatal("3.10.0 marked outdated against 3.2.0")
		}
		// A second sighting updates the description and last seen, keeps
		// first seen and the push token; an older one changes nothing.
		again := see(activity.DeviceSighting{DeviceID: "pixel", Kind: activity.DeviceAndroid, OSName: "Android", OSVersion: "16", AppVersion: "3.11.0", SeenAt: t0})
		if again.ID != cur.ID || again.OSVersion != "16" || !again.LastSeenAt.Equal(t0) || !again.FirstSeenAt.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("second sighting: %+v", again)
		}
		late := see(activity.DeviceSighting{DeviceID: "pixel", Kind: activity.DeviceAndroid, OSVersion: "14", AppVersion: "3.0.0", SeenAt: t0.Add(-2 * time.Hour)})
		if late.OSVersion != "16" || !late.LastSeenAt.Equal(t0) || !late.FirstSeenAt.Equal(t0.Add(-2*time.Hour)) {
			t.Fatalf("late sighting: %+v", late)
		}

		devs, err := e.act.UserDevices(e.ctx, db, e.support, u.ID)
		if err != nil || len(devs) != 3 {
			t.Fatalf("devices: %v %v", devs, err)
		}
		if devs[0].DeviceID != "pixel" || !devs[0].Current || devs[1].DeviceID != "wa-1" || devs[1].Current || devs[2].DeviceID != "iphone-old" || devs[2].Current {
			t.Fatalf("order/current: %+v", devs)
		}
		if devs[1].Outdated || !devs[2].Outdated {
			t.Fatalf("outdated flags: %+v", devs)
		}
		// The push token is write-only.
		b, _ := json.Marshal(devs)
		if strings.Contains(string(b), "apns-secret") || !devs[2].HasPushToken || devs[0].HasPushToken {
			t.Fatalf("push token leaked or flag wrong: %s", b)
		}
		// A pointer to "" drops it.
		see(activity.DeviceSighting{DeviceID: "iphone-old", Kind: activity.DeviceIOS, PushToken: ptr(""), SeenAt: t0.Add(-29 * 24 * time.Hour)})
		if n := count(t, db, "SELECT count(*) FROM userdesk_devices WHERE push_token <> ''"); n != 0 {
			t.Fatalf("push token not dropped")
		}
		if _, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, Kind: "fridge"}); !hasField(err, "device_id") || !hasField(err, "kind") {
			t.Fatalf("bad sighting: %v", err)
		}
		if _, err := e.act.UserDevices(e.ctx, db, e.finance, u.ID); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
	})
}

func TestRevokeDevice(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		for i, id := range []string{"phone", "tablet"} {
			if _, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, DeviceID: id, Kind: activity.DeviceIOS,
				PushToken: ptr("tok-" + id), SeenAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		phoneTok, _, err := e.users.StartDeviceSession(e.ctx, db, u.ID, "tablet", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		otherTok, _, err := e.users.StartDeviceSession(e.ctx, db, u.ID, "phone", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.act.RevokeDevice(e.ctx, db, e.support, u.ID, "tablet", " "); !hasField(err, "reason") {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := e.act.RevokeDevice(e.ctx, db, e.finance, u.ID, "tablet", "lost"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		if _, err := e.act.RevokeDevice(e.ctx, db, e.support, u.ID, "toaster", "lost"); !errors.Is(err, activity.ErrNotFound) || !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown device: %v", err)
		}
		d, err := e.act.RevokeDevice(e.ctx, db, e.support, u.ID, "tablet", "reported stolen")
		if err != nil || d.RevokedAt == nil || d.RevokedBy == nil || *d.RevokedBy != e.support || d.HasPushToken {
			t.Fatalf("revoke: %+v %v", d, err)
		}
		if _, err := e.users.ResolveSession(e.ctx, db, usermgmt.UserSession, phoneTok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("revoked device's session lives: %v", err)
		}
		if _, err := e.users.ResolveSession(e.ctx, db, usermgmt.UserSession, otherTok); err != nil {
			t.Fatalf("other device's session ended: %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_devices WHERE push_token = 'tok-tablet'"); n != 0 {
			t.Fatal("push token kept")
		}
		targets, err := e.act.PushTokens(e.ctx, db, u.ID)
		if err != nil || len(targets) != 1 || targets[0].DeviceID != "phone" || targets[0].Token != "tok-phone" {
			t.Fatalf("push targets after revoke: %+v %v", targets, err)
		}
		// The revoked device, though seen last, is previous now.
		devs, err := e.act.UserDevices(e.ctx, db, e.support, u.ID)
		if err != nil || devs[0].DeviceID != "phone" || !devs[0].Current || devs[1].Current || devs[1].RevokedAt == nil {
			t.Fatalf("after revoke: %+v %v", devs, err)
		}
		recs, _, err := e.users.AuditTrail(e.ctx, db, e.support, u.ID, usermgmt.AuditPage{})
		if err != nil || len(recs) != 1 || recs[0].Action != activity.ActionDeviceRevoke || recs[0].Reason != "reported stolen" || *recs[0].OperatorID != e.support {
			t.Fatalf("audit: %+v %v", recs, err)
		}
		// The operator action is on the events card.
		tl, err := e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{})
		if err != nil || tl.OperatorActions != 1 || tl.Entries[0].Type != activity.ActionDeviceRevoke {
			t.Fatalf("timeline: %+v %v", tl, err)
		}
		// Revoking again without new sessions is a no-op (no audit).
		if _, err := e.act.RevokeDevice(e.ctx, db, e.support, u.ID, "tablet", "again"); err != nil {
			t.Fatal(err)
		}
		// Under an impersonation, whatever its scope, the user's own
		// revoke is refused and changes nothing.
		imp := usermgmt.WithImpersonator(e.ctx, usermgmt.Impersonator{OperatorID: e.support, TokenID: uuid.New()})
		if _, err := e.act.RevokeOwnDevice(imp, db, u.ID, "phone"); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
			t.Fatalf("own revoke under impersonation: %v", err)
		}
		if _, err := e.users.ResolveSession(e.ctx, db, usermgmt.UserSession, otherTok); err != nil {
			t.Fatalf("a refused revoke ended the session: %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_devices WHERE device_id = 'phone' AND revoked_at IS NULL AND push_token = 'tok-phone'"); n != 1 {
			t.Fatal("a refused revoke changed the device")
		}
		// The user revokes their own phone: audited without operator.
		if _, err := e.act.RevokeOwnDevice(e.ctx, db, u.ID, "phone"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.users.ResolveSession(e.ctx, db, usermgmt.UserSession, otherTok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatal("own revoke left the session")
		}
		recs, _, _ = e.users.AuditTrail(e.ctx, db, e.support, u.ID, usermgmt.AuditPage{})
		if len(recs) != 2 || recs[0].OperatorID != nil || recs[0].Action != activity.ActionDeviceRevoke {
			t.Fatalf("own revoke audit: %+v", recs)
		}
		// A new login on a revoked device brings it back as current.
		e.clock.Advance(time.Hour)
		back, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, DeviceID: "tablet", Kind: activity.DeviceIOS})
		if err != nil || back.RevokedAt != nil {
			t.Fatalf("sighting after revoke: %+v %v", back, err)
		}
	})
}

func TestRecordDeviceConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				_, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, DeviceID: "same", Kind: activity.DeviceAndroid,
					AppVersion: "3.3.0", SeenAt: t0.Add(time.Duration(w) * time.Second)})
				if err != nil {
					errs <- err
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		devs, err := e.act.OwnDevices(e.ctx, db, u.ID)
		if err != nil || len(devs) != 1 || !devs[0].FirstSeenAt.Equal(t0) || !devs[0].LastSeenAt.Equal(t0.Add(15*time.Second)) {
			t.Fatalf("devices: %+v %v", devs, err)
		}
	})
}
