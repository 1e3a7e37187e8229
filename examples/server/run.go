package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// run starts the server and blocks until ctx ends, then shuts it down
// gracefully. When ready is not nil it receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	cfg, err := parseConfig(args, getenv, out)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(out, nil))
	// Keys first: a misconfigured production start fails before it touches
	// the database.
	if err := loadKeys(&cfg, logger); err != nil {
		return err
	}

	var db *bun.DB
	var replicas *sqldb.Replicas
	switch {
	case len(cfg.replicas) > 0 && !sqldb.IsPostgresDSN(cfg.db):
		return errors.New("-db-replicas needs a PostgreSQL -db")
	case len(cfg.replicas) > 0:
		db, replicas, err = sqldb.OpenPostgresWithReplicas(ctx, cfg.db, sqldb.ReplicaConfig{DSNs: cfg.replicas, MaxLag: cfg.replicaMaxLag, Logger: logger})
		if err == nil {
			logger.Info("read replicas", "count", len(cfg.replicas), "max_lag", cfg.replicaMaxLag)
		}
	default:
		db, err = sqldb.Open(ctx, cfg.db)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if sqldb.IsPostgresDSN(cfg.db) {
		logger.Info("database", "dialect", "postgres")
	} else {
		logger.Info("database", "dialect", "sqlite", "path", cfg.db)
	}
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if cfg.audience == "http://"+cfg.addr {
		cfg.audience = "http://" + ln.Addr().String()
	}
	cfg.replicaSet = replicas
	a, err := newApp(db, logger, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.bootstrapAdmin(ctx); err != nil {
		return err
	}
	seeded := false
	if cfg.demo {
		if seeded, err = a.seedDemo(ctx, out); err != nil {
			return err
		}
		if !seeded {
			why := "the database already has operators"
			if cfg.adminEmail != "" {
				why = "USERDESK_ADMIN_EMAIL is set, so the database has the bootstrap admin (demo data only goes into a database without operators)"
			}
			fmt.Fprintf(out, "Demo seeding skipped: %s. Demo operator passwords are shown once; -reset-demo-passwords prints new ones.\n", why)
		}
	}
	if a.fake != nil {
		if err := a.seedSevenRoomsDemo(ctx); err != nil {
			return err
		}
	}
	if cfg.resetDemo {
		if err := a.resetDemoPasswords(ctx, out); err != nil {
			return err
		}
	}

	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      10 * time.Minute, // exports stream for a while
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	logger.Info("listening", "url", "http://"+addr, "openapi", "http://"+addr+"/openapi.json")
	if seeded {
		fmt.Fprintf(out, "Try first (README.md has the whole tour):\n"+
			"  curl -s -X POST http://%s/admin/v1/login -d '{\"email\": \"admin@demo.userdesk.test\", \"password\": \"<the admin password above>\"}'\n"+
			"  curl -s 'http://%s/admin/v1/users?q=muller' -H 'Authorization: Bearer <token>'\n\n", addr, addr)
	}
	if ready != nil {
		ready <- addr
	}

	// Background maintenance runs with the server's context and is
	// waited for on shutdown (after the HTTP server has drained).
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	background := make(chan struct{})
	delivery := make(chan struct{})
	go func() { defer close(background); a.runBackground(bgCtx) }()
	go func() { defer close(delivery); a.runDelivery(bgCtx) }()
	defer func() { stopBackground(); <-background; <-delivery }()

	if cfg.debugAddr != "" {
		dln, err := net.Listen("tcp", cfg.debugAddr)
		if err != nil {
			return fmt.Errorf("-debug-addr: %w", err)
		}
		dbg := debugServer(dln, logger)
		defer dbg.Close()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// keysFile is the JSON form of generated keys.
type keysFile struct {
	BankKey    string `json:"bank_key"`
	SigningKey string `json:"signing_key"`
}

// loadKeys fills in keys not given explicitly from the keys file, creating
// it (mode 0600) with fresh random keys when it does not exist. Production
// deployments give -bank-key and -signing-key from their secret store
// instead; a PostgreSQL deployment without them or a keys file is refused.
func loadKeys(cfg *config, log *slog.Logger) error {
	if cfg.bankKey != nil && cfg.signingKey != nil {
		return nil
	}
	if cfg.keysFile == "" {
		return errors.New("-bank-key and -signing-key (or -keys FILE) are required with PostgreSQL")
	}
	var kf keysFile
	b, err := os.ReadFile(cfg.keysFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		kf.BankKey, kf.SigningKey = randomKey(), randomKey()
		b, _ = json.MarshalIndent(kf, "", "  ")
		if err := os.WriteFile(cfg.keysFile, b, 0o600); err != nil {
			return fmt.Errorf("write keys file: %w", err)
		}
		log.Info("generated keys for this database; keep the file with it", "keys", cfg.keysFile)
	case err != nil:
		return fmt.Errorf("read keys file: %w", err)
	default:
		if err := json.Unmarshal(b, &kf); err != nil {
			return fmt.Errorf("keys file %s: %w", cfg.keysFile, err)
		}
	}
	if cfg.bankKey == nil {
		if cfg.bankKey, err = decodeKey("keys file bank_key", kf.BankKey); err != nil || cfg.bankKey == nil {
			return fmt.Errorf("keys file %s: bank_key missing or invalid", cfg.keysFile)
		}
	}
	if cfg.signingKey == nil {
		if cfg.signingKey, err = decodeKey("keys file signing_key", kf.SigningKey); err != nil || cfg.signingKey == nil {
			return fmt.Errorf("keys file %s: signing_key missing or invalid", cfg.keysFile)
		}
	}
	return nil
}

func randomKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// bootstrapAdmin creates the first admin from USERDESK_ADMIN_EMAIL and
// USERDESK_ADMIN_PASSWORD when no operator exists; it never touches an
// existing operator.
func (a *app) bootstrapAdmin(ctx context.Context) error {
	if a.cfg.adminEmail == "" || a.cfg.adminPassword == "" {
		return nil
	}
	return a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n, err := a.users.CountOperators(ctx, tx)
		if err != nil || n > 0 {
			return err
		}
		_, err = a.users.CreateOperator(ctx, tx, usermgmt.NewOperator{
			Name: "Administrator", Email: a.cfg.adminEmail, Password: a.cfg.adminPassword, Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin},
		})
		if err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		// Not the email: logs travel further than the secret store.
		a.log.Info("created the first admin operator from USERDESK_ADMIN_EMAIL and USERDESK_ADMIN_PASSWORD")
		return nil
	})
}

// debugServer serves Go's profiler (net/http/pprof) on its own listener,
// apart from the API and the back office, so that a profile of a loaded
// server can be taken (go tool pprof http://ADDR/debug/pprof/profile)
// without exposing it where the server's users are.
func debugServer(ln net.Listener, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("profiler", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	go func() { _ = srv.Serve(ln) }()
	return srv
}
