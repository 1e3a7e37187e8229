// Command server is userdesk's reference HTTP server: it wires the library
// together the way we recommend an embedding service does.
//
// With no flags it opens (creating it if needed) the embedded SQLite file
// userdesk.db in the working directory, runs the migrations and serves on
// 127.0.0.1:8080:
//
//	go run ./examples/server
//
// Flags, each with an environment twin (the flag wins):
//
//	-addr  USERDESK_ADDR  listen address (default 127.0.0.1:8080)
//	-db    USERDESK_DB    SQLite file path, or a postgres:// DSN (default userdesk.db)
//
// Routes:
//
//	GET  /healthz          liveness
//	POST /v1/fees/quote    a fee quote on the platform's standard schedule,
//	                       with an optional per-user override
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// config is the server's configuration, from flags and environment.
type config struct {
	addr string // listen address
	db   string // SQLite path or postgres:// DSN
}

// parseConfig reads flags, falling back to environment variables and then
// to the defaults.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	envOr := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.addr, "addr", envOr("USERDESK_ADDR", "127.0.0.1:8080"), "listen `address` (env USERDESK_ADDR)")
	fs.StringVar(&c.db, "db", envOr("USERDESK_DB", "userdesk.db"), "SQLite file `path` or postgres:// DSN (env USERDESK_DB)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, nil
}

// run starts the server and blocks until ctx ends, then shuts it down
// gracefully. When ready is not nil it receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	cfg, err := parseConfig(args, getenv, out)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(out, nil))

	db, err := sqldb.Open(ctx, cfg.db)
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
	srv := &http.Server{
		Handler:           newServer(db, logger).routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	logger.Info("listening", "url", "http://"+addr, "try", "curl -s http://"+addr+"/healthz")
	if ready != nil {
		ready <- addr
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
