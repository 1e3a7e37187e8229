package referral_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is one test's world: a database, both services on one clock, and an
// operator of each built-in role.
type env struct {
	db                      *bun.DB
	users                   *usermgmt.Service
	ref                     *referral.Service
	clock                   *usermgmttest.Clock
	admin, support, finance uuid.UUID
}

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, db *bun.DB, edit ...func(*referral.Config)) *env {
	t.Helper()
	clock := usermgmttest.NewClock(start)
	keys, err := usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	users := usermgmttest.NewService(t, usermgmt.Config{
		Permissions: referral.Permissions(), Now: clock.Now, BankKeys: keys,
		Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{"auditor": {usermgmt.PermReadUsers}},
	})
	cfg := referral.Config{Users: users, Now: clock.Now}
	for _, f := range edit {
		f(&cfg)
	}
	ref, err := referral.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{
		db: db, users: users, ref: ref, clock: clock,
		admin:   usermgmttest.Operator(t, users, db, usermgmt.RoleAdmin).ID,
		support: usermgmttest.Operator(t, users, db, usermgmt.RoleSupport).ID,
		finance: usermgmttest.Operator(t, users, db, usermgmt.RoleFinance).ID,
	}
}

// user registers a user with a distinct phone (so that no two test users
// share one unless a test says so) and opens the referral account.
func (e *env) user(t *testing.T, edit ...func(*usermgmt.Registration)) *referral.Account {
	t.Helper()
	u := usermgmttest.User(t, e.users, e.db, append([]func(*usermgmt.Registration){func(r *usermgmt.Registration) {
		r.Phone = "+336" + digits(uuid.New())
	}}, edit...)...)
	a, err := e.ref.Open(context.Background(), e.db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// digits turns a UUID into 8 decimal digits.
func digits(id uuid.UUID) string {
	out := make([]byte, 8)
	for i := range out {
		out[i] = '0' + id[i]%10
	}
	return string(out)
}

// referred registers a user who attaches referrer's code.
func (e *env) referred(t *testing.T, referrer *referral.Account, edit ...func(*usermgmt.Registration)) *referral.Account {
	t.Helper()
	a := e.user(t, edit...)
	if _, err := e.ref.Attach(context.Background(), e.db, a.UserID, *referrer.Code, referral.Signals{}); err != nil {
		t.Fatalf("attach: %v", err)
	}
	return a
}

// grant gives a user n credits by an operator "set".
func (e *env) grant(t *testing.T, userID uuid.UUID, n int64) {
	t.Helper()
	a := e.account(t, userID)
	if _, err := e.ref.SetCredits(context.Background(), e.db, e.finance, userID, referral.CreditSet{To: a.Balance + n, SeenVersion: a.Version}); err != nil {
		t.Fatalf("grant: %v", err)
	}
}

// account reads a user's account as stored.
func (e *env) account(t *testing.T, userID uuid.UUID) *referral.Account {
	t.Helper()
	a := new(referral.Account)
	if err := e.db.NewSelect().Model(a).Where("user_id = ?", userID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// ledger reads a user's entries, oldest first.
func (e *env) ledger(t *testing.T, userID uuid.UUID) []referral.Entry {
	t.Helper()
	var es []referral.Entry
	if err := e.db.NewSelect().Model(&es).Where("user_id = ?", userID).Order("seq").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return es
}

// checkLedger asserts the ledger invariants of a user: seq runs 1..n
// without gaps, each balance_after is the previous one plus the amount and
// never negative, and the last one is the account's balance at version n.
func (e *env) checkLedger(t *testing.T, userID uuid.UUID) []referral.Entry {
	t.Helper()
	es := e.ledger(t, userID)
	a := e.account(t, userID)
	var bal int64
	for i, en := range es {
		if en.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, en.Seq)
		}
		bal += en.Amount
		if en.BalanceAfter != bal || bal < 0 {
			t.Fatalf("entry seq %d: balance_after %d, running sum %d", en.Seq, en.BalanceAfter, bal)
		}
	}
	if a.Balance != bal || a.Version != int64(len(es)) {
		t.Fatalf("account balance %d version %d, ledger sums to %d over %d entries", a.Balance, a.Version, bal, len(es))
	}
	return es
}

func count(t *testing.T, db bun.IDB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// newUsers returns a usermgmt service that knows the referral permissions;
// newUsersWithout one that does not.
func newUsers(t *testing.T) *usermgmt.Service {
	t.Helper()
	return usermgmttest.NewService(t, usermgmt.Config{Permissions: referral.Permissions()})
}

func newUsersWithout(t *testing.T) *usermgmt.Service {
	t.Helper()
	return usermgmttest.NewService(t, usermgmt.Config{})
}

// kidWithoutAccount registers a user who never opens a referral account.
func kidWithoutAccount(t *testing.T, e *env) uuid.UUID {
	t.Helper()
	return usermgmttest.User(t, e.users, e.db).ID
}
