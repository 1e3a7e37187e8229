package verification_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// wrongCode returns a six-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestPhoneCode(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		st, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client)
		if err != nil {
			t.Fatal(err)
		}
		if !st.ExpiresAt.Equal(start.Add(10*time.Minute)) || st.SendsLeft != 4 || st.ChecksLeft != 5 || !st.ResendAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("status = %+v", st)
		}
		m := e.last(u.Phone, verification.KindPhoneCode)
		if m.Channel != verification.ChannelSMS || m.Subject != "" || m.HTML != "" || m.Language != "fr" {
			t.Fatalf("sms = %+v", m)
		}
		code := e.code(u.Phone)
		if n := e.count("SELECT count(*) FROM userdesk_verification_codes WHERE code_hash = ?", code); n != 0 {
			t.Fatal("code stored in clear")
		}
		for _, bad := range []string{"", "12345", "1234567", "12a456"} {
			var v *usermgmt.ValidationError
			if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, bad); !errors.As(err, &v) || !v.Has("code") {
				t.Fatalf("%q: %v", bad, err)
			}
		}
		var wrong *verification.WrongCodeError
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, wrongCode(code)); !errors.As(err, &wrong) || wrong.Left != 4 {
			t.Fatalf("wrong code: %v", err)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, " "+code+" "); err != nil {
			t.Fatal(err)
		}
		got := e.reload(u.ID).Verifications.Phone
		if !got.Verified || !got.BySystem() {
			t.Fatalf("flag = %+v", got)
		}
		if !slices.Contains(e.auditActions(u.ID), verification.ActionPhoneVerified) {
			t.Fatal("not audited")
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); !errors.Is(err, verification.ErrNoCode) {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); !errors.Is(err, verification.ErrAlreadyVerified) {
			t.Fatalf("verified phone: %v", err)
		}
	})
}

func TestPhoneCodeDiesAfterWrongChecks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		for left := 4; left >= 2; left-- {
			var wrong *verification.WrongCodeError
			if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, wrongCode(code)); !errors.As(err, &wrong) || wrong.Left != left {
				t.Fatalf("want %d left: %v", left, err)
			}
		}
		// A resend replaces the code but keeps the wrong checks.
		e.clock.Advance(time.Minute)
		st, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client)
		if err != nil {
			t.Fatal(err)
		}
		if st.ChecksLeft != 2 || st.SendsLeft != 3 {
			t.Fatalf("after resend: %+v", st)
		}
		next := e.code(u.Phone)
		if next != code {
			var wrong *verification.WrongCodeError
			if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); !errors.As(err, &wrong) || wrong.Left != 1 {
				t.Fatalf("the replaced code: %v", err)
			}
		} else if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, wrongCode(next)); err == nil {
			t.Fatal("wrong code accepted")
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, wrongCode(next)); !errors.Is(err, verification.ErrWrongCode) {
			t.Fatalf("fifth wrong check: %v", err)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, next); !errors.Is(err, verification.ErrNoCode) {
			t.Fatalf("the right code after five wrong checks: %v", err)
		}
		if e.reload(u.ID).Verifications.Phone.Verified {
			t.Fatal("a dead code verified the phone")
		}
		// A new verification starts after a dead one.
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, e.code(u.Phone)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPhoneCodeExpires(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		e.clock.Advance(10 * time.Minute)
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); !errors.Is(err, verification.ErrNoCode) {
			t.Fatalf("expired code: %v", err)
		}
	})
}

func TestPhoneCodeCooldownAndCaps(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.SMSDailyPerNumber = 7 })
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(59 * time.Second)
		var rl *verification.RateLimitError
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); !errors.As(err, &rl) || rl.Scope != "cooldown" || rl.RetryAfter != time.Second {
			t.Fatalf("within the cool-down: %v", err)
		}
		for i := 2; i <= 5; i++ {
			e.clock.Advance(time.Minute)
			if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		e.clock.Advance(time.Minute)
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); !errors.As(err, &rl) || rl.Scope != "sends" {
			t.Fatalf("sixth send of one verification: %v", err)
		}
		if n := len(e.messages(u.Phone)); n != 5 {
			t.Fatalf("%d SMS queued, want 5", n)
		}
		// After expiry a new verification may start, until the daily cap
		// per number (7 here): 2 more.
		e.clock.Advance(10 * time.Minute)
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); !errors.As(err, &rl) || rl.Scope != "sms_number_daily" {
			t.Fatalf("eighth send of the day: %v", err)
		}
		// The cap per number holds for another user with that number.
		other := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, other.ID, client); !errors.As(err, &rl) || rl.Scope != "sms_number_daily" {
			t.Fatalf("same number, other user: %v", err)
		}
		e.clock.Set(start.Truncate(24 * time.Hour).Add(24 * time.Hour))
		if _, err := e.v.SendPhoneCode(e.ctx, db, other.ID, client); err != nil {
			t.Fatalf("next day: %v", err)
		}
	})
}

func TestPhoneCodeDailyCapPerUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.SMSDailyPerUser = 2 })
		u := e.user()
		var rl *verification.RateLimitError
		for i, phone := range []string{"+33611111111", "+33622222222", "+33633333333"} {
			cur := e.reload(u.ID)
			if _, err := e.users.UpdateOwnProfile(e.ctx, db, u.ID, usermgmt.UserUpdate{Version: cur.Version, Phone: &phone}); err != nil {
				t.Fatal(err)
			}
			_, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client)
			if i < 2 && err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			if i == 2 && (!errors.As(err, &rl) || rl.Scope != "sms_user_daily") {
				t.Fatalf("third number of the day: %v", err)
			}
		}
	})
}

func TestPhoneChangeVoidsCode(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		phone := "+33699999999"
		if _, err := e.users.UpdateOwnProfile(e.ctx, db, u.ID, usermgmt.UserUpdate{Version: u.Version, Phone: &phone}); err != nil {
			t.Fatal(err)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); !errors.Is(err, verification.ErrNoCode) {
			t.Fatalf("code of the old number: %v", err)
		}
	})
}

func TestPhoneCountryAllowlist(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.SMSCallingCodes = []string{"+33", "+44"} })
		fr := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, fr.ID, client); err != nil {
			t.Fatal(err)
		}
		far := e.user(func(r *usermgmt.Registration) { r.Phone = "+8823456789" })
		var v *usermgmt.ValidationError
		if _, err := e.v.SendPhoneCode(e.ctx, db, far.ID, client); !errors.As(err, &v) || !v.Has("phone") {
			t.Fatalf("refused country: %v", err)
		}
		none := e.user(func(r *usermgmt.Registration) { r.Phone = "" })
		if _, err := e.v.SendPhoneCode(e.ctx, db, none.ID, client); !errors.As(err, &v) || !v.Has("phone") {
			t.Fatalf("no phone: %v", err)
		}
		if len(e.messages("+8823456789")) != 0 {
			t.Fatal("an SMS was queued to a refused country")
		}
	})
}

func TestConcurrentCodeChecks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.v.CheckPhoneCode(e.ctx, db, u.ID, code)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, verification.ErrNoCode):
				t.Errorf("loser got %v, want ErrNoCode", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d checks won, want exactly 1: %v", wins, errs)
		}
		if got := e.auditActions(u.ID); len(got) != 1 {
			t.Fatalf("audit = %v", got)
		}
	})
}

func TestConcurrentWrongChecksNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		wrong := 0
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := e.v.CheckPhoneCode(e.ctx, db, u.ID, wrongCode(code))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, verification.ErrWrongCode):
					wrong++
				case !errors.Is(err, verification.ErrNoCode):
					t.Errorf("unexpected %v", err)
				}
			}()
		}
		wg.Wait()
		if wrong != 5 {
			t.Fatalf("%d wrong checks counted, want 5", wrong)
		}
		if got := e.count("SELECT failed_checks FROM userdesk_verification_codes WHERE user_id = ?", u.ID); got != 5 {
			t.Fatalf("failed_checks = %d", got)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); !errors.Is(err, verification.ErrNoCode) {
			t.Fatal(fmt.Sprint("dead code: ", err))
		}
	})
}
