package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestCountCellsStayExact runs registrations, status changes, role
// changes and erasures from parallel writers, then checks that the
// counters the triggers keep (userdesk_user_counts) equal COUNT(*) over
// the users for every status and role cell, and that CountUsers answers
// every status-only and role-only query with the exact count.
func TestCountCellsStayExact(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		var mu sync.Mutex
		var ids []uuid.UUID
		for range 20 {
			ids = append(ids, register(t, s, db).ID)
		}
		pick := func(r *rand.Rand) uuid.UUID {
			mu.Lock()
			defer mu.Unlock()
			return ids[r.IntN(len(ids))]
		}
		roleSets := [][]usermgmt.Role{{usermgmt.RoleAsker}, {usermgmt.RoleOfferor}, {usermgmt.RoleAsker, usermgmt.RoleOfferor}}
		statuses := []usermgmt.Status{usermgmt.StatusLive, usermgmt.StatusInReview, usermgmt.StatusInvalidated}
		// SQLite runs one writer at a time: more writers only queue longer
		// behind each other (its busy handler is not fair, so on a loaded
		// machine under -race a waiter can exceed the busy timeout); two
		// still interleave their transactions.
		writers, steps := 6, 60
		if d, _ := sqldb.DialectOf(db); d == sqldb.SQLite {
			writers, steps = 2, 150
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers*steps)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for range steps {
					var err error
					op := "register"
					switch k := r.IntN(10); {
					case k < 3:
						reg := validRegistration()
						reg.Roles = roleSets[r.IntN(len(roleSets))]
						var u *usermgmt.User
						if u, err = s.Register(ctx, db, reg); err == nil {
							mu.Lock()
							ids = append(ids, u.ID)
							mu.Unlock()
						}
					case k < 6:
						op = "status"
						_, err = s.ChangeStatus(ctx, db, admin, pick(r), statuses[r.IntN(len(statuses))], "count test")
					case k < 9:
						op = "roles"
						id := pick(r)
						var v int64
						if v, err = s.UserVersion(ctx, db, id); err == nil {
							roles := roleSets[r.IntN(len(roleSets))]
							_, err = s.UpdateUser(ctx, db, admin, id, usermgmt.UserUpdate{Version: v, Roles: &roles})
						}
					default:
						op = "erase"
						// In a transaction of the test's own, so that the
						// erasure skips its WAL checkpoint (which waits for
						// every reader while holding the write lock).
						id := pick(r)
						err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
							return s.EraseUser(ctx, tx, admin, id, "count test")
						})
					}
					if err != nil && !errors.Is(err, usermgmt.ErrNotFound) && !errors.Is(err, usermgmt.ErrStaleVersion) {
						errs <- fmt.Errorf("%s: %w", op, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("writer: %v", err)
		}
		const mask = "(CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'asker') THEN 1 ELSE 0 END" +
			" + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'offeror') THEN 2 ELSE 0 END)"
		for _, st := range statuses {
			for m := range 4 {
				want := count(t, db, "SELECT count(*) FROM userdesk_users AS u WHERE u.deleted_at IS NULL AND u.status = ? AND "+mask+" = ?", st, m)
				got := count(t, db, "SELECT COALESCE(SUM(n), 0) FROM userdesk_user_counts WHERE status = ? AND mask = ?", st, m)
				if got != want {
					t.Errorf("cell %s/%d: counter %d, COUNT(*) %d", st, m, got, want)
				}
			}
		}
		erased := count(t, db, "SELECT count(*) FROM userdesk_users WHERE deleted_at IS NOT NULL")
		if erased == 0 {
			t.Error("no erasure ran: the test would not cover them")
		}
		filters := []usermgmt.RoleFilter{"", usermgmt.RoleFilterAnyAsker, usermgmt.RoleFilterAnyOfferor, usermgmt.RoleFilterBoth, usermgmt.RoleFilterAskersOnly, usermgmt.RoleFilterOfferorsOnly}
		for _, rf := range filters {
			for _, sts := range [][]usermgmt.Status{nil, {usermgmt.StatusLive}, {usermgmt.StatusInReview, usermgmt.StatusInvalidated}} {
				q := usermgmt.ListQuery{Roles: rf, Statuses: sts}
				got, err := s.CountUsers(ctx, db, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				// The same filters with one that every user passes force
				// the scan.
				scan := q
				future := time.Now().Add(24 * time.Hour)
				scan.CreatedTo = &future
				want, err := s.CountUsers(ctx, db, admin, scan)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("CountUsers(%s): counters %d, scan %d", fmt.Sprint(rf, sts), got, want)
				}
			}
		}
	})
}
