package main

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/api"
	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/examples/server/ui"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// This file is the wiring: the part a host copies into its own service.
// It builds the library's services on the host's database and keys,
// registers the hooks the host reacts to, and mounts the JSON API.

// signingKeyID is the key id of the one impersonation signing key. A
// rotation adds a key under a new id (see impersonation.KeyRing).
const signingKeyID = "k1"

// app holds the wired services.
type app struct {
	db    *bun.DB
	log   *slog.Logger
	cfg   config
	users *usermgmt.Service
	imp   *impersonation.Service
	api   *api.API
	ui    http.Handler
	front http.Handler
	keys  *usermgmt.BankKeyring

	// The packages built on usermgmt, sharing its Service (its
	// permissions catalogue, audit log and erase/profile hooks).
	referral *referral.Service
	activity *activity.Service
	// verification sends its messages through the outbox, delivered by
	// runDelivery on one replica at a time.
	verification *verification.Service

	// Third-party links and SevenRooms (nil when SevenRooms is off); fake
	// is the in-process SevenRooms of demo mode.
	links      *thirdparty.Service
	sevenrooms *sevenrooms.Service
	fake       *sevenroomstest.Server

	// holder names this replica in the lease rows (host/pid/random).
	holder string
	// maintenanceEvery and maintenanceLeaseTTL override maintenancePeriod
	// and the lease's one minute (tests); zero keeps them.
	maintenanceEvery, maintenanceLeaseTTL time.Duration
}

func (a *app) bankKeys() *usermgmt.BankKeyring { return a.keys }

func newApp(db *bun.DB, log *slog.Logger, cfg config) (*app, error) {
	var keyring *usermgmt.BankKeyring
	if cfg.bankKey != nil {
		var err error
		if keyring, err = usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": cfg.bankKey}); err != nil {
			return nil, err
		}
	}
	// Every package built on usermgmt brings its own permissions: the
	// catalogue must know them before the package's New (which checks).
	var perms []usermgmt.PermissionDef
	perms = append(perms, usermgmt.OperatorPermissions()...)
	perms = append(perms, referral.Permissions()...)
	perms = append(perms, activity.Permissions()...)
	perms = append(perms, verification.Permissions()...)
	perms = append(perms, thirdparty.Permissions()...)
	users, err := usermgmt.New(usermgmt.Config{BankKeys: keyring, Logger: log, Permissions: perms})
	if err != nil {
		return nil, err
	}
	a := &app{db: db, log: log, cfg: cfg, users: users, keys: keyring, holder: replicaHolder()}
	// Each New registers its own OnErase (and, for referral, OnProfileChange)
	// hook on users: nothing else to do for erasure.
	if a.referral, err = referral.New(referral.Config{Users: users, InitialCredits: demoReferralCredits(cfg), Logger: log}); err != nil {
		return nil, err
	}
	if a.activity, err = activity.New(activity.Config{Users: users, Logger: log}); err != nil {
		return nil, err
	}
	if a.verification, err = newVerification(users, log, cfg); err != nil {
		return nil, err
	}
	if err := a.wireSevenRooms(); err != nil {
		return nil, err
	}
	var published []api.PublicKey
	if cfg.signingKey != nil {
		private := ed25519.NewKeyFromSeed(cfg.signingKey)
		a.imp, err = impersonation.New(impersonation.Config{
			Users:      users,
			Audience:   cfg.audience,
			DefaultTTL: cfg.impersonationTTL,
			Keys:       impersonation.KeyRing{Current: signingKeyID, Keys: []impersonation.Key{{ID: signingKeyID, Private: private}}},
		})
		if err != nil {
			return nil, err
		}
		published = append(published, api.PublicKey{ID: signingKeyID, Key: private.Public().(ed25519.PublicKey)})
	}
	// An account that may no longer log in loses its sessions in the same
	// transaction as the status change or the erasure.
	users.OnPasswordSet(func(ctx context.Context, tx bun.IDB, e usermgmt.PasswordSet) error {
		// A real host queues an email to the user here (outbox). The
		// reference server logs it, without the password.
		log.InfoContext(ctx, "password set by an operator; the user should be told", "user", e.UserID, "temporary", e.Temporary)
		return nil
	})
	a.api, err = api.New(api.Config{
		DB: db, Users: users, Impersonation: a.imp, SessionTTL: cfg.sessionTTL,
		FrontOffice: cfg.audience, Logger: log, ImpersonationKeys: published,
		Referral: a.referral, Activity: a.activity,
		Verification: a.verification, DevOutbox: cfg.demo,
		Links: a.links, SevenRooms: a.sevenrooms, Replicas: cfg.replicaSet,
	})
	if err != nil {
		return nil, err
	}
	// The back office in a browser, under /admin/ beside the JSON API's
	// /admin/v1/; it calls the library directly.
	a.ui, err = ui.New(ui.Config{DB: db, Users: users, Impersonation: a.imp, FrontOfficeURL: cfg.audience, Logger: log,
		Verification: a.verification, Links: a.links, SevenRooms: a.sevenrooms, Referral: a.referral, Activity: a.activity})
	if err != nil {
		return nil, err
	}
	// The minimal front office (/app/ and the impersonation hand-off,
	// POST /impersonate) where the back office's impersonations land.
	a.front, err = front.New(front.Config{DB: db, Users: users, Impersonation: a.imp, Verification: a.verification, BackOfficeURL: "/admin", SessionTTL: cfg.sessionTTL, Logger: log})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// routes is the server's handler: the JSON API, and the demo pictures.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+demoPicturePath, demoPictures())
	mux.Handle("/admin/", a.ui)
	mux.Handle("/app/", a.front)
	mux.Handle("POST "+front.HandoffPath, a.front)
	mux.Handle("/admin/v1/", a.api.Handler())
	mux.Handle("/", a.api.Handler())
	return mux
}

// demoReferralCredits is how many people a new user may refer: a few in
// demo mode so that the card has something to show, none otherwise (an
// operator grants them).
func demoReferralCredits(cfg config) int64 {
	if cfg.demo {
		return 3
	}
	return 0
}

// maintenancePeriod is how often the background maintenance runs.
const maintenancePeriod = time.Hour

// maintenanceLease names the lease that keeps the periodic maintenance
// on one replica at a time.
const maintenanceLease = "server.maintenance"

// runBackground runs the packages' periodic maintenance until ctx ends:
// activity's event retention, referral's idempotency-key pruning and
// verification's sweep of ended links, codes and old messages, once
// when this replica takes the lease and then every maintenancePeriod
// (a.maintenanceEvery when set). It returns when ctx is done; run waits
// for it on shutdown. A failed pass is logged and retried at the next
// tick.
//
// Every replica calls it; the maintenance runs on one at a time, under
// the lease row maintenanceLease of thirdparty.RunExclusive (the one the
// SevenRooms work below already holds its own lease with), so that
// replicas do not prune the same rows side by side. thirdparty's rather
// than verification's lease: RunExclusive runs any work and stops it
// when a renewal fails, where verification's RunExclusiveDelivery is the
// outbox loop itself (its TryLease would need a third renewal loop
// here). The lease lives a minute (a.maintenanceLeaseTTL when set) and
// is released on shutdown: the next replica takes over within TTL/3
// after a clean stop, within TTL after a crash.
func (a *app) runBackground(ctx context.Context) {
	if a.sevenrooms != nil {
		done := make(chan struct{})
		go func() { defer close(done); a.runSevenRooms(ctx) }()
		defer func() { <-done }()
	}
	every := a.maintenanceEvery
	if every <= 0 {
		every = maintenancePeriod
	}
	_ = thirdparty.RunExclusive(ctx, a.db, thirdparty.LeaseConfig{Name: maintenanceLease, Holder: a.holder, TTL: a.maintenanceLeaseTTL, Logger: a.log},
		func(ctx context.Context) error {
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				a.maintain(ctx)
				select {
				case <-ctx.Done():
					return nil
				case <-tick.C:
				}
			}
		})
}

// maintain is one pass of the periodic maintenance.
func (a *app) maintain(ctx context.Context) {
	if rep, err := a.activity.PruneEvents(ctx, a.db, activity.PruneOptions{Pause: 50 * time.Millisecond}); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "activity retention pass failed", "err", err)
	} else if err == nil {
		a.log.DebugContext(ctx, "activity retention pass", "report", rep)
	}
	if _, err := a.referral.PruneIdempotencyKeys(ctx, a.db); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "referral idempotency-key pruning failed", "err", err)
	}
	if _, err := a.verification.Sweep(ctx, a.db); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "verification sweep failed", "err", err)
	}
	a.log.InfoContext(ctx, "maintenance pass done", "holder", a.holder)
}

// SevenRooms: the client, the service, and its background work.

// demoWebhookSecret is the webhook secret of demo mode, where the fake
// stands in for SevenRooms.
const demoWebhookSecret = "userdesk-demo-webhook-secret"

// sevenRoomsLease names the lease that keeps the SevenRooms background
// work (health checks, queued automatic links, partial merges) on one
// replica at a time.
const sevenRoomsLease = "sevenrooms.background"

// wireSevenRooms builds the third-party links and, when SevenRooms is
// configured (or in demo mode, against an in-process fake), the
// SevenRooms client and service. The links service always exists, so
// that erasure deletes links written by an earlier configuration.
func (a *app) wireSevenRooms() error {
	var err error
	if a.links, err = thirdparty.New(thirdparty.Config{Users: a.users, Logger: a.log}); err != nil {
		return err
	}
	c := a.cfg.sevenrooms
	env := sevenrooms.Environment(c.environment)
	var cc sevenrooms.ClientConfig
	switch {
	case c.url != "":
		cc = sevenrooms.ClientConfig{BaseURL: c.url, ClientID: c.clientID, ClientSecret: c.clientSecret, VenueGroupID: c.venueGroup, Logger: a.log}
	case a.cfg.demo:
		if env == "" {
			env = sevenrooms.Demo
		}
		a.fake = sevenroomstest.NewServer(sevenroomstest.Config{Environment: env})
		cc = a.fake.ClientConfig()
		cc.Logger = a.log
		if c.webhookSecret == "" {
			c.webhookSecret = demoWebhookSecret
		}
		if c.venue == "" {
			c.venue = "demo-venue"
		}
		a.log.Info("SevenRooms: demo mode, an in-process fake stands in", "url", a.fake.BaseURL(), "webhook_secret", c.webhookSecret)
	default:
		return nil
	}
	client, err := sevenrooms.NewClient(cc)
	if err != nil {
		return err
	}
	a.sevenrooms, err = sevenrooms.NewService(sevenrooms.Config{
		Links: a.links, API: client, Link: sevenrooms.LinkConfig{Environment: env},
		WebhookSecret: c.webhookSecret, ManagerVenue: c.venue, Logger: a.log,
	})
	return err
}

// runSevenRooms runs the SevenRooms background work until ctx ends, on
// one replica at a time (a lease row, see thirdparty.RunExclusive).
func (a *app) runSevenRooms(ctx context.Context) {
	_ = thirdparty.RunExclusive(ctx, a.db, thirdparty.LeaseConfig{Name: sevenRoomsLease, Logger: a.log}, func(ctx context.Context) error {
		return a.sevenrooms.Run(ctx, a.db, time.Minute, 100)
	})
}

// close releases what the app started: the demo fake.
func (a *app) close() {
	if a.fake != nil {
		a.fake.Close()
	}
}
