package usermgmt_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)

		reg := validRegistration()
		u, err := s.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID.Version() != 7 || u.Status != usermgmt.StatusLive || u.Version != 1 {
			t.Fatalf("registered %v status %s version %d", u.ID, u.Status, u.Version)
		}
		if u.PasswordHash == "" || strings.Contains(u.PasswordHash, reg.Password) || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Fatal("password not hashed with argon2id")
		}
		got, err := s.GetOwnUser(ctx, db, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != reg.Email || got.EmailNormalized != strings.ToLower(reg.Email) ||
			got.Phone != "+33612345678" || got.Timezone != "Europe/Paris" || got.PostalAddress != reg.PostalAddress ||
			got.DateOfBirth == nil || !got.DateOfBirth.Equal(*reg.DateOfBirth) ||
			strings.Join(got.SpokenLanguages, ",") != "en-GB,fr" ||
			len(got.Roles) != 2 || !got.HasRole(usermgmt.RoleAsker) || !got.HasRole(usermgmt.RoleOfferor) ||
			!got.CreatedAt.Equal(u.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("read back %+v", got)
		}

		t.Run("default status from settings", func(t *testing.T) {
			setPlatform(t, db, "default_user_status", "in_review")
			defer setPlatform(t, db, "default_user_status", "live")
			u := register(t, s, db)
			if u.Status != usermgmt.StatusInReview {
				t.Fatalf("status = %s", u.Status)
			}
		})

		t.Run("duplicate email in another case", func(t *testing.T) {
			dup := validRegistration()
			dup.Email = "  " + strings.ToUpper(reg.Email) + " "
			_, err := s.Register(ctx, db, dup)
			if !errors.Is(err, usermgmt.ErrEmailTaken) || !errors.Is(err, usermgmt.ErrConflict) {
				t.Fatalf("err = %v, want ErrEmailTaken", err)
			}
		})

		t.Run("non-switch platform refuses two roles", func(t *testing.T) {
			setPlatform(t, db, "platform_mode", "non_switch")
			defer setPlatform(t, db, "platform_mode", "switch")
			before := count(t, db, "SELECT count(*) FROM userdesk_users")
			_, err := s.Register(ctx, db, validRegistration())
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !verr.Has("roles") {
				t.Fatalf("err = %v, want a validation error on roles", err)
			}
			if after := count(t, db, "SELECT count(*) FROM userdesk_users"); after != before {
				t.Fatal("refused registration wrote a user")
			}
			one := validRegistration()
			one.Roles = []usermgmt.Role{usermgmt.RoleOfferor}
			if _, err := s.Register(ctx, db, one); err != nil {
				t.Fatalf("one role: %v", err)
			}
		})
	})
}

func TestRegisterRejectsEachInvalidField(t *testing.T) {
	t.Parallel()
	future := time.Now().AddDate(1, 0, 0)
	ancient := time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		field  string
		mutate func(r *usermgmt.Registration)
	}{
		{"email", func(r *usermgmt.Registration) { r.Email = "not-an-email" }},
		{"email", func(r *usermgmt.Registration) { r.Email = "" }},
		{"password", func(r *usermgmt.Registration) { r.Password = "short" }},
		{"first_name", func(r *usermgmt.Registration) { r.FirstName = "" }},
		{"last_name", func(r *usermgmt.Registration) { r.LastName = strings.Repeat("x", 101) }},
		{"picture_url", func(r *usermgmt.Registration) { r.PictureURL = "javascript:alert(1)" }},
		{"phone", func(r *usermgmt.Registration) { r.Phone = "06 12 34 56 78" }},
		{"preferred_language", func(r *usermgmt.Registration) { r.PreferredLanguage = "french!" }},
		{"mother_tongue", func(r *usermgmt.Registration) { r.MotherTongue = "12" }},
		{"spoken_languages[1]", func(r *usermgmt.Registration) { r.SpokenLanguages = []string{"fr", "??"} }},
		{"timezone", func(r *usermgmt.Registration) { r.Timezone = "Mars/Olympus" }},
		{"type", func(r *usermgmt.Registration) { r.Type = "robot" }},
		{"company_name", func(r *usermgmt.Registration) { r.Type = usermgmt.Organization; r.CompanyName = "" }},
		{"company_name", func(r *usermgmt.Registration) { r.CompanyName = "Acme" }}, // individual with a company
		{"date_of_birth", func(r *usermgmt.Registration) { r.DateOfBirth = &future }},
		{"date_of_birth", func(r *usermgmt.Registration) { r.DateOfBirth = &ancient }},
		{"country_of_residence", func(r *usermgmt.Registration) { r.CountryOfResidence = "FRA" }},
		{"postal_address.country", func(r *usermgmt.Registration) { r.PostalAddress.Country = "XX" }},
		{"roles", func(r *usermgmt.Registration) { r.Roles = nil }},
		{"roles[0]", func(r *usermgmt.Registration) { r.Roles = []usermgmt.Role{"admin"} }},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		s := newService(t)
		for _, tc := range cases {
			t.Run(tc.field, func(t *testing.T) {
				reg := validRegistration()
				tc.mutate(&reg)
				_, err := s.Register(context.Background(), db, reg)
				var verr *usermgmt.ValidationError
				if !errors.As(err, &verr) || !errors.Is(err, usermgmt.ErrInvalid) {
					t.Fatalf("err = %v, want *ValidationError", err)
				}
				if !verr.Has(tc.field) {
					t.Fatalf("error %v does not name %q", verr, tc.field)
				}
			})
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_users"); n != 0 {
			t.Fatalf("%d users written by invalid registrations", n)
		}
	})
}

func TestRegisterConcurrentSameEmail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		s := newService(t)
		reg := validRegistration()
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := reg
				if i%2 == 1 {
					r.Email = strings.ToUpper(r.Email)
				}
				_, errs[i] = s.Register(context.Background(), db, r)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, usermgmt.ErrEmailTaken):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d registrations succeeded, want exactly 1", ok)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		reg := validRegistration()
		u, err := s.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)

		got, err := s.Authenticate(ctx, db, strings.ToUpper(reg.Email), reg.Password)
		if err != nil || got.ID != u.ID {
			t.Fatalf("login: %v", err)
		}
		if _, err := s.Authenticate(ctx, db, reg.Email, "wrong password!"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := s.Authenticate(ctx, db, "nobody@example.com", reg.Password); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("unknown email: %v", err)
		}

		if _, err := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInReview, "new documents to check"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, db, reg.Email, reg.Password); err != nil {
			t.Fatalf("in review may log in: %v", err)
		}
		if _, err := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInvalidated, "fraud"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, db, reg.Email, reg.Password); !errors.Is(err, usermgmt.ErrLoginRefused) {
			t.Fatalf("invalidated: err = %v, want ErrLoginRefused", err)
		}
		// A wrong password for an invalidated account reveals nothing more.
		if _, err := s.Authenticate(ctx, db, reg.Email, "wrong password!"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("invalidated, wrong password: %v", err)
		}
	})
}

func TestAuthenticateUpgradesWeakHashes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		weak := newService(t)
		reg := validRegistration()
		u, err := weak.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		stronger, err := usermgmt.New(usermgmt.Config{Argon2: usermgmt.Argon2Params{Memory: 128, Iterations: 2, Parallelism: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stronger.Authenticate(ctx, db, reg.Email, reg.Password); err != nil {
			t.Fatal(err)
		}
		got, _ := stronger.GetOwnUser(ctx, db, u.ID)
		if got.PasswordHash == u.PasswordHash || !strings.Contains(got.PasswordHash, "m=128,t=2") {
			t.Fatalf("hash not upgraded: %s", got.PasswordHash)
		}
		if _, err := stronger.Authenticate(ctx, db, reg.Email, reg.Password); err != nil {
			t.Fatalf("login with upgraded hash: %v", err)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)

		first, phone := "Camila", "+33700000000"
		roles := []usermgmt.Role{usermgmt.RoleOfferor}
		got, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 1, FirstName: &first, Phone: &phone, Roles: &roles})
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Camila" || got.Phone != phone || got.LastName != u.LastName || got.Email != u.Email ||
			len(got.Roles) != 1 || got.Version != 2 {
			t.Fatalf("after update: %+v", got)
		}
		read, _ := s.GetUser(ctx, db, admin, u.ID)
		if read.FirstName != "Camila" || read.Version != 2 || len(read.Roles) != 1 || read.Timezone != u.Timezone {
			t.Fatalf("read back: %+v", read)
		}

		recs, _, err := s.AuditTrail(ctx, db, admin, u.ID, usermgmt.AuditPage{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit: %v %v", recs, err)
		}
		r := recs[0]
		if r.Action != usermgmt.ActionUserUpdate || *r.OperatorID != admin || strings.Join(r.Fields, ",") != "first_name,phone,roles" {
			t.Fatalf("audit record %+v", r)
		}
		if _, ok := r.After["roles"]; !ok || len(r.After) != 1 || len(r.Before) != 1 {
			t.Fatalf("audit values %v → %v: want roles only", r.Before, r.After)
		}
		for _, v := range []string{"Camila", "Camille", phone, u.Phone} {
			if strings.Contains(auditDump(t, db), v) {
				t.Fatalf("audit log holds personal data %q", v)
			}
		}

		t.Run("stale version writes nothing", func(t *testing.T) {
			last := "Martin"
			_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 1, LastName: &last})
			if !errors.Is(err, usermgmt.ErrStaleVersion) || !errors.Is(err, usermgmt.ErrConflict) {
				t.Fatalf("err = %v, want ErrStaleVersion", err)
			}
			read, _ := s.GetUser(ctx, db, admin, u.ID)
			if read.LastName != u.LastName || read.Version != 2 {
				t.Fatalf("stale update wrote: %+v", read)
			}
			if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log"); n != 1 {
				t.Fatalf("%d audit records, want 1", n)
			}
		})

		t.Run("email taken in another case", func(t *testing.T) {
			other := register(t, s, db)
			email := strings.ToUpper(other.Email)
			_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 2, Email: &email})
			if !errors.Is(err, usermgmt.ErrEmailTaken) {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("non-switch refuses a second role", func(t *testing.T) {
			setPlatform(t, db, "platform_mode", "non_switch")
			defer setPlatform(t, db, "platform_mode", "switch")
			both := []usermgmt.Role{usermgmt.RoleAsker, usermgmt.RoleOfferor}
			_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 2, Roles: &both})
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !verr.Has("roles") {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("invalid fields", func(t *testing.T) {
			bad, org := "not a phone", usermgmt.Organization
			_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 2, Phone: &bad})
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !verr.Has("phone") {
				t.Fatalf("phone: %v", err)
			}
			_, err = s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 2, Type: &org})
			if !errors.As(err, &verr) || !verr.Has("company_name") {
				t.Fatalf("organization without company: %v", err)
			}
			_, err = s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{})
			if !errors.As(err, &verr) || !verr.Has("version") {
				t.Fatalf("missing version: %v", err)
			}
		})

		t.Run("unknown user", func(t *testing.T) {
			_, err := s.UpdateUser(ctx, db, admin, uuid.Must(uuid.NewV7()), usermgmt.UserUpdate{Version: 1, FirstName: &first})
			if !errors.Is(err, usermgmt.ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

// TestConcurrentUpdatesSameVersion has parallel writers update one user
// against the same version: exactly one wins, the others get
// ErrStaleVersion, and the version moves by one.
func TestConcurrentUpdatesSameVersion(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := strings.Repeat("A", i+1)
				_, errs[i] = s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: 1, FirstName: &name})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if !errors.Is(err, usermgmt.ErrStaleVersion) {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		got, _ := s.GetUser(ctx, db, admin, u.ID)
		if wins != 1 || got.Version != 2 {
			t.Fatalf("%d winners, version %d", wins, got.Version)
		}
	})
}

func auditDump(t *testing.T, db bun.IDB) string {
	t.Helper()
	var rows []string
	if err := db.NewRaw("SELECT a.action || COALESCE(r.reason, '') || a.fields || a.before || a.after FROM userdesk_audit_log AS a LEFT JOIN userdesk_audit_reasons AS r ON r.audit_id = a.id").Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}
