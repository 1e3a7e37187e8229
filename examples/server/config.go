package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/userdesk/userdesk/sqldb"
)

// config is the server's configuration, from flags and environment.
type config struct {
	addr             string        // listen address
	db               string        // SQLite path or postgres:// DSN
	demo             bool          // seed demo data into an empty database
	keysFile         string        // where generated keys live (SQLite default)
	bankKey          []byte        // AES-256 key for bank details
	signingKey       []byte        // Ed25519 seed for impersonation tokens
	sessionTTL       time.Duration // operator and user sessions
	impersonationTTL time.Duration // impersonation tokens
	audience         string        // front office named in impersonation tokens
	adminEmail       string        // bootstrap admin (env only)
	adminPassword    string
	resetDemo        bool            // give the demo operators new passwords
	replicas         []string        // PostgreSQL streaming replicas for list reads
	replicaMaxLag    time.Duration   // the lag a replica read accepts
	replicaSet       *sqldb.Replicas // the opened replicas (run sets it)
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
	var demo, bankKey, signingKey, sessionTTL, impTTL string
	resetDemoEnv, err := strconv.ParseBool(envOr("USERDESK_RESET_DEMO_PASSWORDS", "false"))
	if err != nil {
		return config{}, fmt.Errorf("USERDESK_RESET_DEMO_PASSWORDS: %w", err)
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.addr, "addr", envOr("USERDESK_ADDR", "127.0.0.1:8080"), "listen `address` (env USERDESK_ADDR)")
	fs.StringVar(&c.db, "db", envOr("USERDESK_DB", ""), "SQLite file `path` or postgres:// DSN (env USERDESK_DB; default userdesk.db)")
	fs.StringVar(&demo, "demo", envOr("USERDESK_DEMO", ""), "seed demo data into an empty database: true or false (env USERDESK_DEMO; default true only without -db)")
	fs.StringVar(&c.keysFile, "keys", envOr("USERDESK_KEYS", ""), "keys `file`, generated on first run (env USERDESK_KEYS; default <db>.keys.json for SQLite)")
	fs.StringVar(&bankKey, "bank-key", envOr("USERDESK_BANK_KEY", ""), "base64 32-byte AES `key` for bank details (env USERDESK_BANK_KEY)")
	fs.StringVar(&signingKey, "signing-key", envOr("USERDESK_SIGNING_KEY", ""), "base64 32-byte Ed25519 `seed` for impersonation tokens (env USERDESK_SIGNING_KEY)")
	fs.StringVar(&sessionTTL, "session-ttl", envOr("USERDESK_SESSION_TTL", "8h"), "session `lifetime` (env USERDESK_SESSION_TTL)")
	fs.StringVar(&impTTL, "impersonation-ttl", envOr("USERDESK_IMPERSONATION_TTL", "15m"), "impersonation token `lifetime`, at most 1h (env USERDESK_IMPERSONATION_TTL)")
	fs.StringVar(&c.audience, "audience", envOr("USERDESK_AUDIENCE", ""), "front-office `URL` impersonation tokens are for (env USERDESK_AUDIENCE; default http://<addr>)")
	fs.BoolVar(&c.resetDemo, "reset-demo-passwords", resetDemoEnv, "give the demo operators new passwords and print them once (env USERDESK_RESET_DEMO_PASSWORDS)")
	var replicas, maxLag string
	fs.StringVar(&replicas, "db-replicas", envOr("USERDESK_DB_REPLICAS", ""), "comma-separated postgres:// `DSNs` of streaming replicas that serve the users list, counts and exports (env USERDESK_DB_REPLICAS)")
	fs.StringVar(&maxLag, "replica-max-lag", envOr("USERDESK_REPLICA_MAX_LAG", "5s"), "largest replication `lag` a replica read accepts (env USERDESK_REPLICA_MAX_LAG)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	for _, r := range strings.Split(replicas, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.replicas = append(c.replicas, r)
		}
	}
	if c.replicaMaxLag, err = time.ParseDuration(maxLag); err != nil || c.replicaMaxLag <= time.Second {
		return config{}, fmt.Errorf("-replica-max-lag: want a duration above 1s, got %q", maxLag)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.demo = c.db == ""
	if c.db == "" {
		c.db = "userdesk.db"
	}
	if demo != "" {
		v, err := strconv.ParseBool(demo)
		if err != nil {
			return config{}, fmt.Errorf("-demo: %w", err)
		}
		c.demo = v
	}
	if c.sessionTTL, err = time.ParseDuration(sessionTTL); err != nil || c.sessionTTL <= 0 {
		return config{}, fmt.Errorf("-session-ttl: want a positive duration such as 8h")
	}
	if c.impersonationTTL, err = time.ParseDuration(impTTL); err != nil || c.impersonationTTL <= 0 || c.impersonationTTL > time.Hour {
		return config{}, fmt.Errorf("-impersonation-ttl: want a duration between 0 and 1h")
	}
	if c.bankKey, err = decodeKey("-bank-key", bankKey); err != nil {
		return config{}, err
	}
	if c.signingKey, err = decodeKey("-signing-key", signingKey); err != nil {
		return config{}, err
	}
	if c.keysFile == "" && !sqldb.IsPostgresDSN(c.db) {
		c.keysFile = c.db + ".keys.json"
	}
	if c.audience == "" {
		c.audience = "http://" + c.addr
	}
	c.adminEmail, c.adminPassword = getenv("USERDESK_ADMIN_EMAIL"), getenv("USERDESK_ADMIN_PASSWORD")
	return c, nil
}

func decodeKey(name, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%s: want 32 bytes in standard base64", name)
	}
	return b, nil
}
