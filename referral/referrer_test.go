package referral_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestNormalizeCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"abcde-fghjk":   "ABCDEFGHJK",
		" 0123 45678 9": "0123456789",
		"OIL0000000":    "0110000000",
		"ABCDEFGHJ":     "",
		"ABCDEFGHJKM":   "",
		"ABCDEFGHJU":    "",
		"ABCDEFGHJ€":    "",
	} {
		got, ok := referral.NormalizeCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestNewChecksPermissions(t *testing.T) {
	t.Parallel()
	users := newUsersWithout(t)
	if _, err := referral.New(referral.Config{Users: users}); err == nil || !strings.Contains(err.Error(), "referral.Permissions()") {
		t.Fatalf("New with a usermgmt that lacks the permissions: %v", err)
	}
	if _, err := referral.New(referral.Config{}); err == nil {
		t.Fatal("New without Users")
	}
	users = newUsers(t)
	if _, err := referral.New(referral.Config{Users: users, IdempotencyTTL: time.Hour}); err == nil {
		t.Fatal("an idempotency TTL under 24h was accepted")
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{10}$`)
		seen := map[string]bool{}
		var first *referral.Account
		for i := 0; i < 20; i++ {
			a := e.user(t)
			if a.Code == nil || !shape.MatchString(*a.Code) || seen[*a.Code] {
				t.Fatalf("code %v", a.Code)
			}
			seen[*a.Code] = true
			if first == nil {
				first = a
			}
		}
		again, err := e.ref.Open(ctx, db, first.UserID)
		if err != nil || *again.Code != *first.Code {
			t.Fatalf("Open again changed the code: %v, %v", again.Code, err)
		}
		// A code typed in lower case with a dash still works; a rotated
		// one does not.
		old := *first.Code
		typed := strings.ToLower(old[:5] + "-" + old[5:])
		r1 := e.user(t)
		if _, err := e.ref.Attach(ctx, db, r1.UserID, typed, referral.Signals{}); err != nil {
			t.Fatalf("attach with %q: %v", typed, err)
		}
		code, err := e.ref.RotateCode(ctx, db, first.UserID)
		if err != nil || code == old || !shape.MatchString(code) {
			t.Fatalf("rotate: %q, %v", code, err)
		}
		r2 := e.user(t)
		if _, err := e.ref.Attach(ctx, db, r2.UserID, old, referral.Signals{}); !errors.Is(err, referral.ErrUnknownCode) || !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("attach with the rotated code: %v", err)
		}
		if _, err := e.ref.Attach(ctx, db, r2.UserID, code, referral.Signals{}); err != nil {
			t.Fatalf("attach with the new code: %v", err)
		}
		var verr *usermgmt.ValidationError
		if _, err := e.ref.Attach(ctx, db, r2.UserID, "nope", referral.Signals{}); !errors.As(err, &verr) || !verr.Has("code") {
			t.Fatalf("malformed code: %v", err)
		}
	})
}

func TestReferrerRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.user(t)
		b := e.referred(t, a)
		c := e.referred(t, b)

		t.Run("own code", func(t *testing.T) {
			_, err := e.ref.Attach(ctx, db, a.UserID, *a.Code, referral.Signals{})
			var verr *usermgmt.ValidationError
			if !errors.Is(err, referral.ErrSelfReferral) || !errors.As(err, &verr) || !verr.Has("code") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("operator makes a user their own referrer", func(t *testing.T) {
			_, err := e.ref.ChangeReferrer(ctx, db, e.support, b.UserID, &b.UserID, "typo")
			var verr *usermgmt.ValidationError
			if !errors.Is(err, referral.ErrSelfReferral) || !errors.As(err, &verr) || !verr.Has("referrer_id") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("the schema refuses a self-referral too", func(t *testing.T) {
			if _, err := db.NewUpdate().Model((*referral.Account)(nil)).Set("referrer_id = user_id").Where("user_id = ?", a.UserID).Exec(ctx); err == nil {
				t.Fatal("accepted")
			}
		})
		t.Run("cycle", func(t *testing.T) {
			// a -> b -> c: making c a's referrer closes the loop.
			_, err := e.ref.ChangeReferrer(ctx, db, e.support, a.UserID, &c.UserID, "merge")
			if !errors.Is(err, referral.ErrCycle) || !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			_, err = e.ref.ChangeReferrer(ctx, db, e.support, b.UserID, &c.UserID, "merge")
			if !errors.Is(err, referral.ErrCycle) {
				t.Fatalf("two-cycle: err = %v", err)
			}
		})
		t.Run("recorded once", func(t *testing.T) {
			if _, err := e.ref.Attach(ctx, db, c.UserID, *a.Code, referral.Signals{}); !errors.Is(err, referral.ErrAlreadyReferred) {
				t.Fatalf("second attach: %v", err)
			}
			if got := e.account(t, c.UserID).ReferrerID; got == nil || *got != b.UserID {
				t.Fatalf("referrer changed to %v", got)
			}
		})
		t.Run("attach window", func(t *testing.T) {
			late := e.user(t)
			e.clock.Advance(24*time.Hour + time.Second)
			defer e.clock.Advance(-(24*time.Hour + time.Second))
			if _, err := e.ref.Attach(ctx, db, late.UserID, *a.Code, referral.Signals{}); !errors.Is(err, referral.ErrAttachWindowClosed) {
				t.Fatalf("late attach: %v", err)
			}
		})
		t.Run("operator change is audited and needs the permission", func(t *testing.T) {
			var perr *usermgmt.PermissionError
			if _, err := e.ref.ChangeReferrer(ctx, db, e.finance, c.UserID, &a.UserID, "asked by user"); !errors.As(err, &perr) || perr.Permission != referral.PermChangeReferrer {
				t.Fatalf("finance: %v", err)
			}
			var verr *usermgmt.ValidationError
			if _, err := e.ref.ChangeReferrer(ctx, db, e.support, c.UserID, &a.UserID, "  "); !errors.As(err, &verr) || !verr.Has("reason") {
				t.Fatalf("no reason: %v", err)
			}
			r, err := e.ref.ChangeReferrer(ctx, db, e.support, c.UserID, &a.UserID, "friend forgot the code")
			if err != nil || r.ReferrerID == nil || *r.ReferrerID != a.UserID || r.Status != referral.StatusPending {
				t.Fatalf("change: %+v, %v", r, err)
			}
			recs, _, err := e.users.AuditTrail(ctx, db, e.admin, c.UserID, usermgmt.AuditPage{})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Action != referral.ActionReferrerChange || recs[0].Reason != "friend forgot the code" ||
				recs[0].Before["referrer_id"] != b.UserID.String() || recs[0].After["referrer_id"] != a.UserID.String() {
				t.Fatalf("audit %+v", recs)
			}
			r, err = e.ref.ChangeReferrer(ctx, db, e.support, c.UserID, nil, "not a referral after all")
			if err != nil || r.ReferrerID != nil || r.Status != referral.StatusNone {
				t.Fatalf("remove: %+v, %v", r, err)
			}
		})
	})
}

// TestConcurrentReferrerChanges: operators who at the same time make a the
// referrer of b and b the referrer of a cannot both succeed.
func TestConcurrentReferrerChanges(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		for round := 0; round < 10; round++ {
			// A chain x -> a, and b alone; the two changes a->b... close
			// a three-node loop only together.
			x, a, b := e.user(t), e.user(t), e.user(t)
			if _, err := e.ref.ChangeReferrer(ctx, db, e.support, a.UserID, &x.UserID, "setup"); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, change := range [][2]uuid.UUID{{b.UserID, a.UserID}, {x.UserID, b.UserID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = e.ref.ChangeReferrer(ctx, db, e.support, change[0], &change[1], "race")
				}()
			}
			wg.Wait()
			if errs[0] == nil && errs[1] == nil {
				t.Fatalf("round %d: both changes landed: x -> a -> b -> x", round)
			}
			for _, err := range errs {
				if err != nil && !errors.Is(err, referral.ErrCycle) && !errors.Is(err, referral.ErrConflict) {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			for _, id := range []uuid.UUID{x.UserID, a.UserID, b.UserID} {
				assertNoCycle(t, e, id)
			}
		}
	})
}

func assertNoCycle(t *testing.T, e *env, from uuid.UUID) {
	t.Helper()
	seen := map[uuid.UUID]bool{}
	for at := &from; at != nil; at = e.account(t, *at).ReferrerID {
		if seen[*at] {
			t.Fatalf("cycle through %s", *at)
		}
		seen[*at] = true
	}
}

// TestOneReferrerWritePath pins the rule that keeps self-referral checks
// from being skipped: exactly one statement in the package writes
// referrer_id, inside writeReferrer.
func TestOneReferrerWritePath(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	writes := regexp.MustCompile(`Set\("referrer_id|SET\b.*\breferrer_id\s*=|INSERT\b.*\breferrer_id`)
	var where []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if writes.MatchString(line) {
				where = append(where, f+":"+strconv.Itoa(i+1))
			}
		}
	}
	if len(where) != 1 || !strings.HasPrefix(where[0], "referrer.go:") {
		t.Fatalf("statements writing referrer_id: %v; want exactly one, in writeReferrer", where)
	}
}
