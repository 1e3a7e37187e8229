// Package synth generates realistic synthetic users for userdesk's tables
// and loads them fast: COPY (pgx CopyFrom) on PostgreSQL; on SQLite
// prepared multi-row INSERTs with bound parameters, reused for every batch
// on one connection, fed by a generator goroutine, with the values in the
// exact form bun's SQLite dialect writes them inline (times as UTC text
// '2006-01-02 15:04:05.999999-07:00', UUIDs as text, booleans as 1/0,
// unset decimals as NULL; TestSQLiteLoadSameAsBun compares every column's
// value and type, and the library's answers, with bun's own INSERTs).
// LoadFast also rebuilds SQLite's indexes with a sorter helper thread
// (PRAGMA threads) and the FTS5 index with a 256 MB pending-terms hash
// ('hashsize', restored to 1 MB after), which writes a few large segments
// instead of merging a thousand small ones. It serves the usergen and
// listbench programs; it is not part of the library.
//
// The population is deterministic for a given seed: names, emails and
// phones from seven locales (fr, de, es, it, pt, en-GB, en-US) with their
// accents, countries, time zones and languages; 88 % live, 8 % in review,
// 4 % invalidated; 60 % customers only, 15 % vendors only, 25 % both;
// listings and bookings counters by role; 3 % customized fees; verification
// flags; 8 % organizations with a company name; 0.5 % erased tombstones.
// The search columns are computed as usermgmt computes them.
package synth

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/searchtext"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// User is one generated user with its join-table rows.
type User struct {
	usermgmt.User
	FeeOfferorPercent *float64
}

type locale struct {
	lang, country, tz, cc string
	mobile                func(r *rand.Rand) string // national significant number
	first, last           []string
	company               []string
	domains               []string
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var locales = []struct {
	weight int
	l      locale
}{
	{40, locale{"fr", "FR", "Europe/Paris", "33", func(r *rand.Rand) string { return string("67"[r.IntN(2)]) + digits(r, 8) },
		strings.Fields("Jean Marie Pierre Sophie Lucas Emma Louis Chloé Hugo Léa Gabriel Inès Raphaël Zoé Arthur Anaïs Jules Manon Théo Camille Élodie Noémie Hélène François Céline Jérôme Amélie Benoît Maël Océane"),
		strings.Fields("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèbvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Légaré Émery Chevalier Gauthier Perrin"),
		strings.Fields("SARL SAS Conseil Services Immobilier"), strings.Fields("gmail.com orange.fr free.fr laposte.net hotmail.fr yahoo.fr sfr.fr outlook.fr")}},
	{15, locale{"de", "DE", "Europe/Berlin", "49", func(r *rand.Rand) string { return "15" + digits(r, 9) },
		strings.Fields("Lukas Anna Jonas Lea Finn Leonie Paul Hannah Felix Lena Jürgen Sören Jörg Björn Käthe Max Emilia Ben Mia Noah"),
		strings.Fields("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger Hofmann Hartmann Lange Köhler"),
		strings.Fields("GmbH AG KG"), strings.Fields("gmx.de web.de gmail.com t-online.de outlook.de")}},
	{10, locale{"es", "ES", "Europe/Madrid", "34", func(r *rand.Rand) string { return "6" + digits(r, 8) },
		strings.Fields("José María Lucía Hugo Martín Sofía Álvaro Paula Daniel Alba Pablo Noa Mateo Martina Íñigo Nerea"),
		strings.Fields("García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Ibáñez"),
		strings.Fields("SL SA"), strings.Fields("gmail.com hotmail.es yahoo.es outlook.es telefonica.net")}},
	{10, locale{"it", "IT", "Europe/Rome", "39", func(r *rand.Rand) string { return "3" + digits(r, 9) },
		strings.Fields("Leonardo Sofia Francesco Giulia Alessandro Aurora Lorenzo Alice Mattia Ginevra Niccolò Emma Andrea Beatrice"),
		strings.Fields("Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De Luca Mancini Costa Giordano Rizzo Lombardi Moretti"),
		strings.Fields("Srl SpA"), strings.Fields("gmail.com libero.it virgilio.it hotmail.it tiscali.it")}},
	{5, locale{"pt", "PT", "Europe/Lisbon", "351", func(r *rand.Rand) string { return "9" + digits(r, 8) },
		strings.Fields("João Maria Ana Francisco Beatriz Tomás Inês Duarte Leonor Gonçalo"),
		strings.Fields("Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes Gonçalves Gomes Lopes Marques"),
		strings.Fields("Lda SA"), strings.Fields("gmail.com sapo.pt hotmail.com outlook.pt")}},
	{10, locale{"en-GB", "GB", "Europe/London", "44", func(r *rand.Rand) string { return "7" + digits(r, 9) },
		strings.Fields("Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Charlie Freya Siobhan Niamh"),
		strings.Fields("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White Roberts O'Brien Green Hall Wood Jackson"),
		strings.Fields("Ltd PLC LLP"), strings.Fields("gmail.com hotmail.co.uk btinternet.com outlook.com yahoo.co.uk")}},
	{10, locale{"en-US", "US", "America/New_York", "1", func(r *rand.Rand) string { return strconv.Itoa(201+r.IntN(780)) + digits(r, 7) },
		strings.Fields("James Olivia Robert Emma John Charlotte Michael Sophia William Amelia David Harper Richard Evelyn Joseph Abigail"),
		strings.Fields("Smith Johnson Williams Brown Jones Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee"),
		strings.Fields("Inc LLC Corp"), strings.Fields("gmail.com yahoo.com outlook.com icloud.com aol.com comcast.net")}},
}

var otherLangs = strings.Fields("en fr de es it pt nl ar zh ja")

// asciiFold maps a name to the ASCII letters an email would use.
func asciiFold(s string) string {
	n := usermgmt.NormalizeSearch(s)
	var b strings.Builder
	for _, r := range n {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Generator produces users one by one, deterministically for its seed.
// User i of n is created at i/n of the six years up to now (plus jitter
// within its slot), so that, as in production, rows arrive in creation
// order: the table's physical order follows created_at and the UUIDv7 ids.
type Generator struct {
	r     *rand.Rand
	start time.Time
	now   time.Time
	step  time.Duration
}

// NewGenerator returns a generator of n users created over the six years
// up to now.
func NewGenerator(seed uint64, now time.Time, n int) *Generator {
	now = now.UTC().Truncate(time.Microsecond)
	span := 6 * 365 * 24 * time.Hour
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), start: now.Add(-span), now: now, step: span / time.Duration(max(n, 1))}
}

// uuidV7 returns a UUIDv7 for time t.
func (g *Generator) uuidV7(t time.Time) uuid.UUID {
	var id uuid.UUID
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint64(id[8:], g.r.Uint64())
	binary.BigEndian.PutUint64(id[0:], ms<<16|uint64(g.r.IntN(1<<12)))
	id[6] = 0x70 | id[6]&0x0f
	id[8] = 0x80 | id[8]&0x3f
	return id
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Next returns the i-th user (i makes the email unique).
func (g *Generator) Next(i int) User {
	r := g.r
	w := r.IntN(100)
	var loc locale
	for _, l := range locales {
		if w < l.weight {
			loc = l.l
			break
		}
		w -= l.weight
	}
	created := g.start.Add(time.Duration(i)*g.step + time.Duration(r.Int64N(int64(g.step)))).Truncate(time.Microsecond)
	updated := created.Add(time.Duration(r.Int64N(int64(g.now.Sub(created)) + 1))).Truncate(time.Microsecond)
	u := usermgmt.User{
		ID: g.uuidV7(created), FirstName: pick(r, loc.first), LastName: pick(r, loc.last),
		PreferredLanguage: loc.lang, MotherTongue: loc.lang, Timezone: loc.tz, Type: usermgmt.Individual,
		CountryOfResidence: loc.country, CreatedAt: created, UpdatedAt: updated, Version: 1 + int64(r.IntN(5)),
	}
	first, last := asciiFold(u.FirstName), asciiFold(u.LastName)
	local := []string{first + "." + last, first[:1] + last, first + "_" + last, last + "." + first}[r.IntN(4)]
	u.Email = local + strconv.Itoa(i) + "@" + pick(r, loc.domains)
	if r.IntN(10) == 0 {
		u.Email = strings.ToUpper(u.Email[:1]) + u.Email[1:]
	}
	u.EmailNormalized = strings.ToLower(u.Email)
	if r.IntN(100) >= 5 {
		u.Phone = "+" + loc.cc + loc.mobile(r)
	}
	if r.IntN(100) < 8 {
		u.Type = usermgmt.Organization
		u.CompanyName = u.LastName + " " + pick(r, loc.company)
	}
	if r.IntN(100) < 60 {
		u.PictureURL = "https://cdn.example.com/u/" + u.ID.String() + ".jpg"
	}
	switch w := r.IntN(100); {
	case w < 88:
		u.Status = usermgmt.StatusLive
	case w < 96:
		u.Status = usermgmt.StatusInReview
	default:
		u.Status = usermgmt.StatusInvalidated
	}
	switch w := r.IntN(100); {
	case w < 60:
		u.Roles = []usermgmt.Role{usermgmt.RoleAsker}
	case w < 75:
		u.Roles = []usermgmt.Role{usermgmt.RoleOfferor}
	default:
		u.Roles = []usermgmt.Role{usermgmt.RoleAsker, usermgmt.RoleOfferor}
	}
	if u.HasRole(usermgmt.RoleAsker) {
		u.Counters.AskerBookings = int64(r.ExpFloat64() * 4)
		u.Counters.ReviewsMade = u.Counters.AskerBookings / 2
	}
	if u.HasRole(usermgmt.RoleOfferor) {
		u.Counters.Listings = int64(r.ExpFloat64() * 2)
		u.Counters.OfferorBookings = u.Counters.Listings * int64(r.IntN(20))
		u.Counters.ReviewsReceived = u.Counters.OfferorBookings / 3
	}
	u.SpokenLanguages = []string{loc.lang}
	if loc.lang[:2] != "en" && r.IntN(2) == 0 {
		u.SpokenLanguages = append(u.SpokenLanguages, "en")
	}
	if r.IntN(4) == 0 {
		if l := pick(r, otherLangs); l != loc.lang[:2] && l != "en" {
			u.SpokenLanguages = append(u.SpokenLanguages, l)
		}
	}
	u.Verifications.Email.Verified = r.IntN(100) < 70
	u.Verifications.Phone.Verified = u.Phone != "" && r.IntN(100) < 50
	u.Verifications.ID.Verified = r.IntN(100) < 20
	out := User{User: u}
	switch w := r.IntN(100); {
	case w < 3:
		p := 5 + float64(r.IntN(20))/2
		out.FeeOfferorPercent = &p
	case w < 4:
		p := 12.5
		out.FeeOfferorPercent = &p
		out.Fees.UseStandard = true
	}
	if r.IntN(1000) < 5 { // an erased tombstone
		t := updated
		out.DeletedAt = &t
		out.FirstName, out.LastName, out.Phone, out.PictureURL, out.CompanyName = "", "", "", "", ""
		out.Email = "erased-" + u.ID.String() + "@invalid"
		out.EmailNormalized = out.Email
		out.SpokenLanguages = nil
	}
	// The search columns, as usermgmt computes them.
	cols := searchtext.Of(out.FirstName, out.LastName, out.Email, out.CompanyName, out.Phone)
	out.SearchText, out.NameText = cols.Text, cols.Names
	out.PhoneDigits = usermgmt.Digits(out.Phone)
	out.SortName = cols.SortName
	return out
}

// userColumns are the columns COPY fills.
var userColumns = []string{
	"id", "picture_url", "first_name", "last_name", "email", "email_normalized", "phone", "phone_digits",
	"preferred_language", "mother_tongue", "timezone", "user_type", "company_name", "country_of_residence",
	"status", "created_at", "updated_at", "version", "listings_count", "asker_bookings_count",
	"offeror_bookings_count", "reviews_received_count", "reviews_made_count", "fee_use_standard",
	"fee_offeror_percent", "id_verified", "email_verified", "phone_verified", "deleted_at",
	"search_text", "name_text", "sort_name",
}

func (u *User) values() []any {
	var fee any
	if u.FeeOfferorPercent != nil {
		fee = *u.FeeOfferorPercent
	}
	var deleted any
	if u.DeletedAt != nil {
		deleted = *u.DeletedAt
	}
	return []any{
		u.ID, u.PictureURL, u.FirstName, u.LastName, u.Email, u.EmailNormalized, u.Phone, u.PhoneDigits,
		u.PreferredLanguage, u.MotherTongue, u.Timezone, string(u.Type), u.CompanyName, u.CountryOfResidence,
		string(u.Status), u.CreatedAt, u.UpdatedAt, u.Version, u.Counters.Listings, u.Counters.AskerBookings,
		u.Counters.OfferorBookings, u.Counters.ReviewsReceived, u.Counters.ReviewsMade, u.Fees.UseStandard,
		fee, u.Verifications.ID.Verified, u.Verifications.Email.Verified, u.Verifications.Phone.Verified, deleted,
		u.SearchText, u.NameText, u.SortName,
	}
}

// Load generates n users with gen and writes them to db, with their roles
// and spoken languages, reporting progress after every batch.
func Load(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(done int)) error {
	d, err := sqldb.DialectOf(db)
	if err != nil {
		return err
	}
	if d == sqldb.Postgres {
		return copyPostgres(ctx, db, gen, n, progress)
	}
	return insertSQLite(ctx, db, gen, n, progress)
}

// copyBatch is how many users one COPY round carries.
const copyBatch = 50_000

func copyPostgres(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(int)) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(interface{ Conn() *pgx.Conn }).Conn() // pgx's, or sqldb's wrapper of it
		for start := 0; start < n; start += copyBatch {
			end := min(start+copyBatch, n)
			users := make([][]any, 0, end-start)
			var roles, langs [][]any
			for i := start; i < end; i++ {
				u := gen.Next(i)
				users = append(users, u.values())
				for _, r := range u.Roles {
					roles = append(roles, []any{u.ID, string(r)})
				}
				for _, l := range u.SpokenLanguages {
					langs = append(langs, []any{u.ID, l})
				}
			}
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			for _, c := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{
				{"userdesk_users", userColumns, users},
				{"userdesk_user_roles", []string{"user_id", "role"}, roles},
				{"userdesk_user_languages", []string{"user_id", "language"}, langs},
			} {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
					_ = tx.Rollback(ctx)
					return fmt.Errorf("copy %s: %w", c.table, err)
				}
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			if progress != nil {
				progress(end)
			}
		}
		return nil
	})
}

// sqliteUserColumns are every column of userdesk_users that bun writes
// for a usermgmt.User, in bun's order (TestSQLiteColumnsAreBunColumns
// keeps the list in step with the model).
var sqliteUserColumns = []string{
	"id", "picture_url", "first_name", "last_name", "email", "email_normalized", "phone",
	"preferred_language", "mother_tongue", "timezone", "user_type", "company_name", "date_of_birth",
	"country_of_residence", "postal_line1", "postal_line2", "postal_postal_code", "postal_city",
	"postal_region", "postal_country", "location_line1", "location_line2", "location_postal_code",
	"location_city", "location_region", "location_country", "status", "password_hash", "search_text",
	"name_text", "phone_digits", "sort_name", "password_temporary", "psp_provider", "psp_account_id",
	"psp_can_be_paid", "psp_can_be_paid_out", "psp_updated_at", "listings_count", "asker_bookings_count",
	"offeror_bookings_count", "reviews_received_count", "reviews_made_count", "fee_use_standard",
	"fee_asker_percent", "fee_asker_fixed", "fee_offeror_percent", "fee_offeror_fixed", "id_verified",
	"id_verified_at", "id_verified_by", "email_verified", "email_verified_at", "email_verified_by",
	"phone_verified", "phone_verified_at", "phone_verified_by", "deleted_at", "deleted_by", "created_at",
	"updated_at", "version",
}

// bunTimeFormat is how bun's SQLite dialect writes a time.Time (in UTC):
// TEXT such as '2025-01-10 02:15:46.711515+00:00'. The driver's own
// format for a bound time.Time differs (nanoseconds), so times are bound
// as this text.
const bunTimeFormat = "2006-01-02 15:04:05.999999-07:00"

// Bound values in the form bun's SQLite dialect writes them inline: text
// for times and UUIDs, 1/0 for booleans, NULL for nil pointers and unset
// decimals.
func sqlTime(t time.Time) any { return t.UTC().Format(bunTimeFormat) }

func sqlTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return sqlTime(*t)
}

func sqlUUIDPtr(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

func sqlBool(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}

func sqlDecimal(d fees.OptionalDecimal) any {
	v, _ := d.Value() // never fails
	return v
}

// sqliteValues appends u's row of sqliteUserColumns to args.
// FeeOfferorPercent, when set, is written as the text of its shortest
// decimal form ("12.5").
func (u *User) sqliteValues(args []any) []any {
	offerorPercent := sqlDecimal(u.Fees.OfferorPercent)
	if u.FeeOfferorPercent != nil {
		offerorPercent = strconv.FormatFloat(*u.FeeOfferorPercent, 'f', -1, 64)
	}
	v := &u.Verifications
	return append(args,
		u.ID.String(), u.PictureURL, u.FirstName, u.LastName, u.Email, u.EmailNormalized, u.Phone,
		u.PreferredLanguage, u.MotherTongue, u.Timezone, string(u.Type), u.CompanyName, sqlTimePtr(u.DateOfBirth),
		u.CountryOfResidence, u.PostalAddress.Line1, u.PostalAddress.Line2, u.PostalAddress.PostalCode, u.PostalAddress.City,
		u.PostalAddress.Region, u.PostalAddress.Country, u.LocationAddress.Line1, u.LocationAddress.Line2, u.LocationAddress.PostalCode,
		u.LocationAddress.City, u.LocationAddress.Region, u.LocationAddress.Country, string(u.Status), u.PasswordHash, u.SearchText,
		u.NameText, u.PhoneDigits, u.SortName, sqlBool(u.PasswordTemporary), u.PSP.Provider, u.PSP.AccountID,
		sqlBool(u.PSP.CanBePaid), sqlBool(u.PSP.CanBePaidOut), sqlTimePtr(u.PSP.UpdatedAt), u.Counters.Listings, u.Counters.AskerBookings,
		u.Counters.OfferorBookings, u.Counters.ReviewsReceived, u.Counters.ReviewsMade, sqlBool(u.Fees.UseStandard),
		sqlDecimal(u.Fees.AskerPercent), sqlDecimal(u.Fees.AskerFixed), offerorPercent, sqlDecimal(u.Fees.OfferorFixed), sqlBool(v.ID.Verified),
		sqlTimePtr(v.ID.At), sqlUUIDPtr(v.ID.By), sqlBool(v.Email.Verified), sqlTimePtr(v.Email.At), sqlUUIDPtr(v.Email.By),
		sqlBool(v.Phone.Verified), sqlTimePtr(v.Phone.At), sqlUUIDPtr(v.Phone.By), sqlTimePtr(u.DeletedAt), sqlUUIDPtr(u.DeletedBy), sqlTime(u.CreatedAt),
		sqlTime(u.UpdatedAt), u.Version,
	)
}

// insertBatch is how many users one prepared SQLite INSERT carries: 500
// rows of 62 columns stay under SQLite's 32,766 bound parameters.
const insertBatch = 500

// multiInsert writes rows of a table through one prepared multi-row
// INSERT of perStmt rows, reused for every full statement; rows left over
// at flush go through a statement of their own size.
type multiInsert struct {
	conn    *sql.Conn
	table   string
	cols    []string
	perStmt int
	full    *sql.Stmt
	args    []any
}

func (m *multiInsert) sql(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + m.table + " (" + strings.Join(m.cols, ", ") + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(m.cols)), ", ") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// add queues one row's values and runs the full statement when perStmt
// rows are queued.
func (m *multiInsert) add(ctx context.Context, vals ...any) error {
	m.args = append(m.args, vals...)
	return m.drain(ctx, false)
}

// drain runs the full statement while perStmt rows are queued, and with
// all true the rest in one statement of its own.
func (m *multiInsert) drain(ctx context.Context, all bool) error {
	n := len(m.cols) * m.perStmt
	for len(m.args) >= n {
		if m.full == nil {
			st, err := m.conn.PrepareContext(ctx, m.sql(m.perStmt))
			if err != nil {
				return fmt.Errorf("prepare %s: %w", m.table, err)
			}
			m.full = st
		}
		if _, err := m.full.ExecContext(ctx, m.args[:n]...); err != nil {
			return fmt.Errorf("insert %s: %w", m.table, err)
		}
		m.args = append(m.args[:0], m.args[n:]...)
	}
	if !all || len(m.args) == 0 {
		return nil
	}
	if _, err := m.conn.ExecContext(ctx, m.sql(len(m.args)/len(m.cols)), m.args...); err != nil {
		return fmt.Errorf("insert %s: %w", m.table, err)
	}
	m.args = m.args[:0]
	return nil
}

func (m *multiInsert) close() {
	if m.full != nil {
		_ = m.full.Close()
	}
}

// insertSQLite loads the users on one connection through prepared
// multi-row INSERTs with bound parameters (bun's inlined multi-row
// INSERTs spent over a quarter of the CPU in SQLite's parser), one
// transaction per copyBatch users, with the values in the form bun writes
// them (TestSQLiteLoadSameAsBun compares the two).
func insertSQLite(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(int)) error {
	bc, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer bc.Close()
	conn := bc.Conn // database/sql's own: bun's would inline the arguments
	users := &multiInsert{conn: conn, table: "userdesk_users", cols: sqliteUserColumns, perStmt: insertBatch}
	roles := &multiInsert{conn: conn, table: "userdesk_user_roles", cols: []string{"user_id", "role"}, perStmt: insertBatch}
	langs := &multiInsert{conn: conn, table: "userdesk_user_languages", cols: []string{"user_id", "language"}, perStmt: insertBatch}
	for _, m := range []*multiInsert{users, roles, langs} {
		defer m.close()
	}
	// One goroutine generates the users and their bound values while this
	// one runs the INSERTs: on two cores the generator (name folding,
	// search columns) no longer waits for SQLite.
	chunks := make(chan sqliteChunk, 4)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go generateSQLite(gctx, gen, n, chunks)
	for start := 0; start < n; start += copyBatch {
		end := min(start+copyBatch, n)
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		err := func() error {
			for b := start; b < end; b += insertBatch {
				var c sqliteChunk
				select {
				case c = <-chunks:
				case <-ctx.Done():
					return ctx.Err()
				}
				users.args = c.users
				// The users first: their roles and languages refer to them.
				if err := users.drain(ctx, true); err != nil {
					return err
				}
				for i := 0; i < len(c.roles); i += 2 {
					if err := roles.add(ctx, c.roles[i], c.roles[i+1]); err != nil {
						return err
					}
				}
				for i := 0; i < len(c.langs); i += 2 {
					if err := langs.add(ctx, c.langs[i], c.langs[i+1]); err != nil {
						return err
					}
				}
			}
			if err := roles.drain(ctx, true); err != nil {
				return err
			}
			return langs.drain(ctx, true)
		}()
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return err
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return err
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// sqliteChunk is the bound values of up to insertBatch users (in
// copyBatch transactions) and of their roles and languages (pairs).
type sqliteChunk struct {
	users, roles, langs []any
}

// generateSQLite sends the users of gen, insertBatch at a time, each
// chunk inside one copyBatch, until n or ctx ends.
func generateSQLite(ctx context.Context, gen *Generator, n int, out chan<- sqliteChunk) {
	for start := 0; start < n; start += copyBatch {
		end := min(start+copyBatch, n)
		for b := start; b < end; b += insertBatch {
			c := sqliteChunk{users: make([]any, 0, insertBatch*len(sqliteUserColumns))}
			for i := b; i < min(b+insertBatch, end); i++ {
				u := gen.Next(i)
				c.users = u.sqliteValues(c.users)
				id := u.ID.String()
				for _, r := range u.Roles {
					c.roles = append(c.roles, id, string(r))
				}
				for _, l := range u.SpokenLanguages {
					c.langs = append(c.langs, id, l)
				}
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}
}

// LoadFast is Load for large loads on PostgreSQL: it drops the secondary
// (non-unique) indexes of the users and join tables, loads, recreates them
// (a bulk build is much faster than maintaining them row by row, the GIN
// trigram indexes above all), rebuilds the counters the triggers would
// have kept (the triggers are disabled during the load) and runs ANALYZE.
// On SQLite it drops indexes and triggers likewise (loadFastSQLite).
func LoadFast(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(done int)) error {
	d, err := sqldb.DialectOf(db)
	if err != nil {
		return err
	}
	if d != sqldb.Postgres {
		return loadFastSQLite(ctx, db, gen, n, progress, insertSQLite)
	}
	// The counters' and the list filters' triggers would run per row or
	// per batch; both are rebuilt from the loaded rows instead
	// (RebuildFilterColumns, RebuildCounts).
	triggeredTables := []string{"userdesk_users", "userdesk_user_roles", "userdesk_user_languages"}
	for _, t := range triggeredTables {
		if _, err := db.ExecContext(ctx, "ALTER TABLE "+t+" DISABLE TRIGGER USER"); err != nil {
			return err
		}
	}
	var defs []struct {
		Name string `bun:"indexname"`
		Def  string `bun:"indexdef"`
	}
	err = db.NewRaw(`SELECT i.indexname, i.indexdef FROM pg_indexes i
		JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
		WHERE i.schemaname = current_schema() AND NOT x.indisunique
		AND i.tablename IN ('userdesk_users', 'userdesk_user_roles', 'userdesk_user_languages')`).Scan(ctx, &defs)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := db.ExecContext(ctx, "DROP INDEX "+pgx.Identifier{d.Name}.Sanitize()); err != nil {
			return err
		}
	}
	if err := Load(ctx, db, gen, n, progress); err != nil {
		return err
	}
	// Before the indexes come back: the UPDATE then maintains the unique
	// ones only.
	if err := RebuildFilterColumns(ctx, db); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '1GB'"); err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := conn.ExecContext(ctx, d.Def); err != nil {
			return fmt.Errorf("recreate %s: %w", d.Name, err)
		}
	}
	for _, t := range triggeredTables {
		if _, err := conn.ExecContext(ctx, "ALTER TABLE "+t+" ENABLE TRIGGER USER"); err != nil {
			return err
		}
	}
	if err := RebuildCounts(ctx, db); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "VACUUM ANALYZE userdesk_users, userdesk_user_roles, userdesk_user_languages, userdesk_user_counts")
	return err
}

// RebuildFilterColumns recomputes the users list's filter columns on
// PostgreSQL (userdesk_users.role_mask and language_keys, which the
// triggers of migration 20261203000401 keep) from the join tables, in one
// statement, after a load that ran without the triggers. It does nothing
// on SQLite, which has no such columns.
func RebuildFilterColumns(ctx context.Context, db bun.IDB) error {
	d, err := sqldb.DialectOf(db)
	if err != nil || d != sqldb.Postgres {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE userdesk_users AS u SET role_mask = coalesce(r.mask, 0), language_keys = coalesce(l.keys, '{}')
	FROM userdesk_users AS o
	LEFT JOIN (SELECT user_id, bit_or(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END)::smallint AS mask
	           FROM userdesk_user_roles GROUP BY user_id) AS r ON r.user_id = o.id
	LEFT JOIN (SELECT l.user_id, array_agg(DISTINCT k.key ORDER BY k.key) AS keys
	           FROM userdesk_user_languages AS l,
	                LATERAL (VALUES (l.language), (split_part(l.language, '-', 1))) AS k (key)
	           GROUP BY l.user_id) AS l ON l.user_id = o.id
	WHERE u.id = o.id AND (u.role_mask, u.language_keys) IS DISTINCT FROM (coalesce(r.mask, 0), coalesce(l.keys, '{}'))`)
	return err
}

// countsByCell is the number of live users per status and role mask (1
// asker, 2 offeror), computed from the rows in one pass.
const countsByCell = `SELECT u.status, COALESCE(r.mask, 0) AS mask, count(*) AS n FROM userdesk_users AS u
	LEFT JOIN (SELECT user_id, sum(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END) AS mask
	           FROM userdesk_user_roles GROUP BY user_id) AS r ON r.user_id = u.id
	WHERE u.deleted_at IS NULL GROUP BY u.status, COALESCE(r.mask, 0)`

// RebuildCounts recomputes userdesk_user_counts (the list's counters by
// status and roles, which the migrations' triggers keep) from the rows,
// after a load that ran without the triggers.
func RebuildCounts(ctx context.Context, db bun.IDB) error {
	d, err := sqldb.DialectOf(db)
	if err != nil {
		return err
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if d == sqldb.Postgres {
			if _, err := tx.ExecContext(ctx, "DELETE FROM userdesk_user_counts"); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO userdesk_user_counts (status, mask, n) SELECT status, mask, n FROM ("+countsByCell+") AS c")
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE userdesk_user_counts SET n = 0"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE userdesk_user_counts SET n = c.n FROM ("+countsByCell+") AS c "+
			"WHERE c.status = userdesk_user_counts.status AND c.mask = userdesk_user_counts.mask")
		return err
	})
}

// sqliteLoader writes n users of gen to a SQLite db (insertSQLite; the
// tests compare it with bun's own INSERTs).
type sqliteLoader func(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(int)) error

// loadFastSQLite is Load for large loads on SQLite: on one connection
// with a large page cache and synchronous off for the load, it drops the
// secondary indexes and the triggers of the users and join tables, loads,
// recreates the indexes, rebuilds what the triggers keep (the counters and
// the FTS5 search index, each in one statement) and recreates the
// triggers. It leaves db with one open connection at most.
func loadFastSQLite(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(int), insert sqliteLoader) error {
	db.SetMaxOpenConns(1)
	// threads lets CREATE INDEX sort with a helper thread.
	for _, p := range []string{"PRAGMA cache_size = -1048576", "PRAGMA synchronous = OFF", "PRAGMA temp_store = MEMORY",
		fmt.Sprintf("PRAGMA threads = %d", min(runtime.GOMAXPROCS(0), 8))} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	var defs []struct {
		Type string `bun:"type"`
		Name string `bun:"name"`
		SQL  string `bun:"sql"`
	}
	err := db.NewRaw(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
		AND tbl_name IN ('userdesk_users', 'userdesk_user_roles', 'userdesk_user_languages') ORDER BY type, name`).Scan(ctx, &defs)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := db.ExecContext(ctx, "DROP "+strings.ToUpper(d.Type)+" "+d.Name); err != nil {
			return err
		}
	}
	if err := insert(ctx, db, gen, n, progress); err != nil {
		return err
	}
	for _, d := range defs {
		if d.Type == "index" {
			if _, err := db.ExecContext(ctx, d.SQL); err != nil {
				return fmt.Errorf("recreate %s: %w", d.Name, err)
			}
		}
	}
	if err := RebuildCounts(ctx, db); err != nil {
		return err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []string{
			"DELETE FROM userdesk_user_search",
			"DELETE FROM userdesk_user_search_ids",
			// A 256 MB pending-terms hash (1 MB by default) writes the
			// index in a few large segments instead of a thousand small
			// ones that automerge then merges: a third less time.
			"INSERT INTO userdesk_user_search (userdesk_user_search, rank) VALUES ('hashsize', 268435456)",
			"INSERT INTO userdesk_user_search_ids (user_id) SELECT id FROM userdesk_users WHERE deleted_at IS NULL ORDER BY created_at, id",
			`INSERT INTO userdesk_user_search (rowid, search_text, name_text)
			 SELECT i.rowid, u.search_text, u.name_text FROM userdesk_user_search_ids AS i JOIN userdesk_users AS u ON u.id = i.user_id`,
			"INSERT INTO userdesk_user_search (userdesk_user_search, rank) VALUES ('hashsize', 1048576)",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("search index: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range defs {
		if d.Type == "trigger" {
			if _, err := db.ExecContext(ctx, d.SQL); err != nil {
				return fmt.Errorf("recreate %s: %w", d.Name, err)
			}
		}
	}
	for _, p := range []string{"PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -2000", "PRAGMA threads = 0"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
