package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// demoUsers is how many users the demo seeds.
const demoUsers = 300

// demoUserPassword is every demo user's password (the demo operators get
// random one-time passwords instead).
const demoUserPassword = "userdesk demo password"

var (
	demoFirst = []string{"Camille", "Léa", "Hugo", "Chloé", "Lucas", "Zoë", "Mateo", "Inès", "Noah", "Sofía", "Jonas", "Amélie",
		"Björn", "Maja", "Ana", "João", "Giulia", "Marco", "Aisha", "Omar", "Yuki", "Hiro", "Priya", "Arjun", "Olivia", "Liam",
		"Emma", "Elif", "Mehmet", "Zofia", "Łukasz", "Nora", "Søren", "Ingrid", "Chiara", "Élodie", "François", "Dmitri"}
	demoLast = []string{"Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Müller", "Schmidt", "García", "Fernández", "Rossi",
		"Russo", "Silva", "Santos", "Kowalski", "Nowak", "Johansson", "Andersen", "Yılmaz", "Kaya", "Tanaka", "Sato", "Patel",
		"Sharma", "Smith", "Jones", "O'Brien", "van der Berg", "De Luca", "Núñez", "Château", "Østergaard", "Novák"}
	demoPlaces = []struct{ city, country, tz, lang, phone string }{
		{"Paris", "FR", "Europe/Paris", "fr", "+336"}, {"Lyon", "FR", "Europe/Paris", "fr", "+337"},
		{"Berlin", "DE", "Europe/Berlin", "de", "+4915"}, {"Madrid", "ES", "Europe/Madrid", "es", "+346"},
		{"Lisbon", "PT", "Europe/Lisbon", "pt", "+3519"}, {"Rome", "IT", "Europe/Rome", "it", "+393"},
		{"London", "GB", "Europe/London", "en-GB", "+447"}, {"Stockholm", "SE", "Europe/Stockholm", "sv", "+467"},
		{"Warsaw", "PL", "Europe/Warsaw", "pl", "+485"}, {"Istanbul", "TR", "Europe/Istanbul", "tr", "+905"},
		{"Tokyo", "JP", "Asia/Tokyo", "ja", "+8190"}, {"Montréal", "CA", "America/Toronto", "fr-CA", "+1514"},
	}
	// Names with the letters that folding must get right: Ø, Ł, ı, ß.
	demoHardNames  = [][2]string{{"Søren", "Østergaard"}, {"Łukasz", "Wałęsa"}, {"Işıl", "Yılmaz"}, {"Jürgen", "Strauß"}, {"Ørjan", "Łoś"}, {"Aylin", "Kılıç"}}
	demoCompanies  = []string{"Atelier Lumière", "Studio Nord", "Casa Verde SL", "Blue Harbour Ltd", "Kirschblüte GmbH", "Sakura KK"}
	demoCategories = []struct{ slug, name string }{
		{"photographers", "Photographers"}, {"caterers", "Caterers"}, {"musicians", "Musicians"},
		{"venues", "Venues"}, {"florists", "Florists"}, {"planners", "Event planners"},
	}
)

// demoOperators are the demo operators, by role.
var demoOperators = []struct {
	role  usermgmt.OperatorRole
	email string
}{{usermgmt.RoleAdmin, "admin@demo.userdesk.test"}, {usermgmt.RoleSupport, "support@demo.userdesk.test"}, {usermgmt.RoleFinance, "finance@demo.userdesk.test"}}

// demoSpan is how far back the demo users' creation dates go.
const demoSpan = 2 * 365 * 24 * time.Hour

// resetDemoPasswords gives every demo operator that exists a new random
// password (ending their sessions) and prints them.
func (a *app) resetDemoPasswords(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "\nDemo operators, new passwords (shown once, now):")
	for _, d := range demoOperators {
		var id uuid.UUID
		err := a.db.NewSelect().Model((*usermgmt.Operator)(nil)).Column("id").Where("email_normalized = ?", d.email).Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			fmt.Fprintf(out, "  %-8s %-28s (not in this database)\n", d.role, d.email)
			continue
		}
		if err != nil {
			return err
		}
		password := randomPassword()
		if err := a.users.SetOperatorPassword(ctx, a.db, id, password); err != nil {
			return fmt.Errorf("reset %s: %w", d.email, err)
		}
		fmt.Fprintf(out, "  %-8s %-28s %s\n", d.role, d.email, password)
	}
	return nil
}

// seedDemo fills an empty database with demo operators and users, and
// reports whether it did. It does nothing when any operator exists.
func (a *app) seedDemo(ctx context.Context, out io.Writer) (bool, error) {
	n, err := a.users.CountOperators(ctx, a.db)
	if err != nil || n > 0 {
		return false, err
	}
	// Demo users are hashed with cheap argon2 parameters so that seeding
	// takes seconds; their hashes are upgraded at their first login. Their
	// creation dates spread over two years (the clock of this service), so
	// that the creation-date filter and sort show something.
	start := time.Now()
	var createdAt time.Time
	cheap, err := usermgmt.New(usermgmt.Config{Argon2: usermgmt.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1}, BankKeys: a.bankKeys(),
		Now: func() time.Time { return createdAt }, Permissions: demoPermissions()})
	if err != nil {
		return false, err
	}
	type demoOp struct {
		role            usermgmt.OperatorRole
		email, password string
	}
	var ops []demoOp
	for _, d := range demoOperators {
		ops = append(ops, demoOp{role: d.role, email: d.email})
	}
	rng := mrand.New(mrand.NewPCG(2026, 11))
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		opIDs := map[usermgmt.OperatorRole]uuid.UUID{}
		for i := range ops {
			ops[i].password = randomPassword()
			op, err := a.users.CreateOperator(ctx, tx, usermgmt.NewOperator{
				Name: strings.ToUpper(string(ops[i].role[:1])) + string(ops[i].role[1:]) + " (demo)", Email: ops[i].email, Password: ops[i].password, Roles: []usermgmt.OperatorRole{ops[i].role},
			})
			if err != nil {
				return err
			}
			opIDs[ops[i].role] = op.ID
		}
		admin := opIDs[usermgmt.RoleAdmin]
		var cats []uuid.UUID
		for _, c := range demoCategories {
			cat, err := a.users.CreateCategory(ctx, tx, admin, c.slug, c.name)
			if err != nil {
				return err
			}
			cats = append(cats, cat.ID)
		}
		var emails []string
		var seeded []*usermgmt.User
		ids := map[string]uuid.UUID{}
		for i := range demoUsers {
			// Oldest first, a few hours to a few days apart.
			createdAt = start.Add(-demoSpan + time.Duration(i)*(demoSpan/demoUsers) + time.Duration(rng.IntN(3600))*time.Second).UTC()
			u, err := seedUser(ctx, tx, cheap, rng, i, a.cfg.audience)
			if err != nil {
				return fmt.Errorf("demo user %d: %w", i, err)
			}
			emails = append(emails, u.Email)
			seeded = append(seeded, u)
			ids[u.Email] = u.ID
			if err := a.decorate(ctx, tx, admin, u, rng, cats, emails, ids); err != nil {
				return fmt.Errorf("demo user %d: %w", i, err)
			}
		}
		if err := a.seedReferrals(ctx, tx, cheap, admin, opIDs[usermgmt.RoleFinance], seeded, rng); err != nil {
			return fmt.Errorf("demo referrals: %w", err)
		}
		if err := a.seedActivity(ctx, tx, seeded, rng); err != nil {
			return fmt.Errorf("demo activity: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(out, "\nDemo data: %d users seeded in %s. Demo operators (passwords shown once, now):\n", demoUsers, time.Since(start).Round(time.Millisecond))
	for _, op := range ops {
		fmt.Fprintf(out, "  %-8s %-28s %s\n", op.role, op.email, op.password)
	}
	fmt.Fprintf(out, "Demo users log in at POST /v1/login with password %q.\n\n", demoUserPassword)
	return true, nil
}

func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func pick[T any](rng *mrand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// seedUser registers one realistic demo user; one in five has a picture,
// served by the reference server itself under base.
func seedUser(ctx context.Context, tx bun.IDB, users *usermgmt.Service, rng *mrand.Rand, i int, base string) (*usermgmt.User, error) {
	first, last, place := pick(rng, demoFirst), pick(rng, demoLast), pick(rng, demoPlaces)
	if i%25 == 0 {
		n := demoHardNames[(i/25)%len(demoHardNames)]
		first, last = n[0], n[1]
	}
	local := strings.ToLower(usermgmt.NormalizeSearch(first) + "." + strings.ReplaceAll(usermgmt.NormalizeSearch(last), " ", ""))
	local = strings.NewReplacer("'", "", "ł", "l", "ø", "o", "ı", "i", "ß", "ss", "ś", "s").Replace(local)
	reg := usermgmt.Registration{
		Email:              fmt.Sprintf("%s.%d@example.com", local, i),
		Password:           demoUserPassword,
		FirstName:          first,
		LastName:           last,
		Phone:              fmt.Sprintf("%s%08d", place.phone, rng.IntN(100000000)),
		PreferredLanguage:  place.lang,
		MotherTongue:       place.lang,
		SpokenLanguages:    []string{place.lang},
		Timezone:           place.tz,
		Type:               usermgmt.Individual,
		CountryOfResidence: place.country,
		PostalAddress: usermgmt.Address{Line1: fmt.Sprintf("%d %s", 1+rng.IntN(120), pick(rng, []string{"Main Street", "Rue de la Paix", "Calle Mayor", "Hauptstraße"})),
			PostalCode: fmt.Sprintf("%05d", rng.IntN(99999)), City: place.city, Country: place.country},
		LocationAddress: usermgmt.Address{City: place.city, Country: place.country},
		Roles:           [][]usermgmt.Role{{usermgmt.RoleAsker}, {usermgmt.RoleOfferor}, {usermgmt.RoleAsker, usermgmt.RoleOfferor}}[rng.IntN(3)],
	}
	if i%5 == 0 && base != "" {
		reg.PictureURL = fmt.Sprintf("%s%s%d.svg", strings.TrimRight(base, "/"), demoPicturePath, i)
	}
	if rng.IntN(3) == 0 && place.lang != "en-GB" {
		reg.SpokenLanguages = append(reg.SpokenLanguages, "en")
	}
	if rng.IntN(7) == 0 {
		reg.Type, reg.CompanyName = usermgmt.Organization, pick(rng, demoCompanies)
	}
	if rng.IntN(4) > 0 {
		dob := time.Date(1950+rng.IntN(55), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		reg.DateOfBirth = &dob
	}
	return users.Register(ctx, tx, reg)
}

// decorate gives a demo user a status, fees, categories, verifications,
// counters, bank and PSP details and guests, spread across every case.
func (a *app) decorate(ctx context.Context, tx bun.IDB, admin uuid.UUID, u *usermgmt.User, rng *mrand.Rand, cats []uuid.UUID, emails []string, ids map[string]uuid.UUID) error {
	switch r := rng.IntN(10); {
	case r == 0:
		if _, err := a.users.ChangeStatus(ctx, tx, admin, u.ID, usermgmt.StatusInvalidated, "demo: suspended after chargebacks"); err != nil {
			return err
		}
	case r == 1:
		if _, err := a.users.ChangeStatus(ctx, tx, admin, u.ID, usermgmt.StatusInReview, "demo: documents under review"); err != nil {
			return err
		}
	}
	d := func(s string) fees.OptionalDecimal { return fees.Some(decimal.RequireFromString(s)) }
	var o *fees.Override
	switch rng.IntN(10) {
	case 0: // customized with zeros: no vendor fee at all
		o = &fees.Override{OfferorPercent: d("0"), OfferorFixed: d("0")}
	case 1: // customized with empty fields: only the asker percentage differs
		o = &fees.Override{AskerPercent: d("12.5")}
	case 2: // switched back to standard, values kept
		o = &fees.Override{UseStandard: true, AskerPercent: d("20"), AskerFixed: d("50"), OfferorPercent: d("5"), OfferorFixed: d("10")}
	}
	if o != nil {
		if _, err := a.users.SetUserFees(ctx, tx, admin, u.ID, *o); err != nil {
			return err
		}
	}
	if rng.IntN(2) == 0 {
		set := []uuid.UUID{pick(rng, cats)}
		if rng.IntN(3) == 0 {
			set = append(set, pick(rng, cats))
		}
		if _, err := a.users.SetUserCategories(ctx, tx, admin, u.ID, set); err != nil {
			return err
		}
	}
	yes := true
	v := usermgmt.VerificationUpdate{}
	if rng.IntN(2) == 0 {
		v.Email = &yes
	}
	if rng.IntN(3) == 0 {
		v.Phone = &yes
	}
	if rng.IntN(4) == 0 {
		v.ID = &yes
	}
	if _, err := a.users.SetVerifications(ctx, tx, admin, u.ID, v); err != nil {
		return err
	}
	c := usermgmt.Counters{AskerBookings: int64(rng.IntN(30)), ReviewsMade: int64(rng.IntN(10))}
	if u.HasRole(usermgmt.RoleOfferor) {
		c.Listings, c.OfferorBookings, c.ReviewsReceived = int64(rng.IntN(6)), int64(rng.IntN(80)), int64(rng.IntN(40))
		if a.bankKeys() != nil && rng.IntN(3) > 0 {
			if err := a.users.SetOwnBankAccount(ctx, tx, u.ID, usermgmt.BankAccount{Holder: u.FullName(), IBAN: demoIBAN(rng), BIC: "DEUTDEFFXXX"}); err != nil {
				return err
			}
			if err := a.users.SetPSPDetails(ctx, tx, u.ID, usermgmt.PSPDetails{Provider: "mangopay", AccountID: fmt.Sprintf("user_m_%08d", rng.IntN(1e8)), CanBePaid: true, CanBePaidOut: rng.IntN(3) > 0}); err != nil {
				return err
			}
		}
	}
	if err := a.users.SetCounters(ctx, tx, u.ID, c); err != nil {
		return err
	}
	if rng.IntN(8) == 0 && len(emails) > 1 {
		guest := emails[rng.IntN(len(emails)-1)]
		_, token, err := a.users.InviteGuest(ctx, tx, u.ID, usermgmt.GuestInvite{Email: guest, Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings, usermgmt.GuestManageMessages}})
		if err != nil {
			return err
		}
		// Two in three invited guests have accepted with their own account.
		if rng.IntN(3) > 0 {
			if _, err := a.users.AcceptInvitation(ctx, tx, token, ids[guest]); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoIBAN makes a German IBAN with a valid checksum.
func demoIBAN(rng *mrand.Rand) string {
	bban := fmt.Sprintf("%08d%010d", 10000000+rng.IntN(89999999), rng.IntN(1e10))
	// Check digits: 98 − (BBAN + "DE00" as digits) mod 97.
	n, _ := new(big.Int).SetString(bban+"131400", 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("DE%02d%s", check, bban)
}
