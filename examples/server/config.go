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
	debugAddr        string        // net/http/pprof listener, off when empty
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

	// Verification messages: SMTP for email and a Twilio-shaped HTTP API
	// for SMS; without them, messages stay in the development outbox.
	smtpAddr, smtpFrom, smtpUser, smtpPassword, smtpTLS string
	smsURL, smsAccount, smsToken, smsFrom               string
	smsCallingCodes                                     []string
	// SevenRooms (package thirdparty/sevenrooms). Without a URL it is off,
	// except in demo mode, where an in-process fake stands in.
	sevenrooms sevenRoomsConfig
}

// sevenRoomsConfig configures the SevenRooms client and service.
type sevenRoomsConfig struct {
	url           string // API root with the version, such as https://www.sevenrooms.com/api-ext/2_4
	clientID      string // API credentials
	clientSecret  string // (env only)
	venueGroup    string // venue group the searches and exports are scoped to
	environment   string // production or demo: ids of the other are refused
	venue         string // venue url key of the manager links (copy, open)
	webhookSecret string // shared secret of webhook deliveries (env only)
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
	fs.StringVar(&c.debugAddr, "debug-addr", envOr("USERDESK_DEBUG_ADDR", ""), "serve Go's profiler (net/http/pprof, /debug/pprof/) on this separate `address`, such as 127.0.0.1:6060; keep it off public networks (env USERDESK_DEBUG_ADDR; default off)")
	fs.StringVar(&c.db, "db", envOr("USERDESK_DB", ""), "SQLite file `path` or postgres:// DSN (env USERDESK_DB; default userdesk.db)")
	fs.StringVar(&demo, "demo", envOr("USERDESK_DEMO", ""), "seed demo data into an empty database: true or false (env USERDESK_DEMO; default true only without -db)")
	fs.StringVar(&c.keysFile, "keys", envOr("USERDESK_KEYS", ""), "keys `file`, generated on first run (env USERDESK_KEYS; default <db>.keys.json for SQLite)")
	fs.StringVar(&bankKey, "bank-key", envOr("USERDESK_BANK_KEY", ""), "base64 32-byte AES `key` for bank details (env USERDESK_BANK_KEY)")
	fs.StringVar(&signingKey, "signing-key", envOr("USERDESK_SIGNING_KEY", ""), "base64 32-byte Ed25519 `seed` for impersonation tokens (env USERDESK_SIGNING_KEY)")
	fs.StringVar(&sessionTTL, "session-ttl", envOr("USERDESK_SESSION_TTL", "8h"), "session `lifetime` (env USERDESK_SESSION_TTL)")
	fs.StringVar(&impTTL, "impersonation-ttl", envOr("USERDESK_IMPERSONATION_TTL", "15m"), "impersonation token `lifetime`, at most 1h (env USERDESK_IMPERSONATION_TTL)")
	fs.StringVar(&c.audience, "audience", envOr("USERDESK_AUDIENCE", ""), "front-office `URL` impersonation tokens are for (env USERDESK_AUDIENCE; default http://<addr>)")
	fs.BoolVar(&c.resetDemo, "reset-demo-passwords", resetDemoEnv, "give the demo operators new passwords and print them once (env USERDESK_RESET_DEMO_PASSWORDS)")
	var callingCodes string
	fs.StringVar(&c.smtpAddr, "smtp-addr", envOr("USERDESK_SMTP_ADDR", ""), "SMTP submission server `host:port` for verification emails (env USERDESK_SMTP_ADDR; none: emails stay in the outbox)")
	fs.StringVar(&c.smtpFrom, "smtp-from", envOr("USERDESK_SMTP_FROM", ""), "sender `address` of verification emails (env USERDESK_SMTP_FROM)")
	fs.StringVar(&c.smtpUser, "smtp-username", envOr("USERDESK_SMTP_USERNAME", ""), "SMTP AUTH PLAIN `user`; the password comes from env USERDESK_SMTP_PASSWORD only (env USERDESK_SMTP_USERNAME)")
	fs.StringVar(&c.smtpTLS, "smtp-tls", envOr("USERDESK_SMTP_TLS", "starttls"), "SMTP `mode`: starttls, tls (implicit, port 465) or none (a relay on this machine only) (env USERDESK_SMTP_TLS)")
	fs.StringVar(&c.smsURL, "sms-url", envOr("USERDESK_SMS_URL", ""), "base `URL` of a Twilio-shaped SMS API (env USERDESK_SMS_URL; default Twilio's when an account is set)")
	fs.StringVar(&c.smsAccount, "sms-account", envOr("USERDESK_SMS_ACCOUNT", ""), "SMS API account `id`; the token comes from env USERDESK_SMS_TOKEN only (env USERDESK_SMS_ACCOUNT; none: SMS stay in the outbox)")
	fs.StringVar(&c.smsFrom, "sms-from", envOr("USERDESK_SMS_FROM", ""), "SMS sender `number` or messaging service id (env USERDESK_SMS_FROM)")
	fs.StringVar(&callingCodes, "sms-calling-codes", envOr("USERDESK_SMS_CALLING_CODES", ""), "comma-separated `list` of calling codes codes may be sent to, such as +33,+44 (env USERDESK_SMS_CALLING_CODES; empty allows all)")
	fs.StringVar(&c.sevenrooms.url, "sevenrooms-url", envOr("USERDESK_SEVENROOMS_URL", ""), "SevenRooms API `URL` with the version (env USERDESK_SEVENROOMS_URL; default off, an in-process fake in demo mode)")
	fs.StringVar(&c.sevenrooms.clientID, "sevenrooms-client-id", envOr("USERDESK_SEVENROOMS_CLIENT_ID", ""), "SevenRooms API client `id` (env USERDESK_SEVENROOMS_CLIENT_ID; the secret is env USERDESK_SEVENROOMS_CLIENT_SECRET only)")
	fs.StringVar(&c.sevenrooms.venueGroup, "sevenrooms-venue-group", envOr("USERDESK_SEVENROOMS_VENUE_GROUP", ""), "SevenRooms venue group `id` (env USERDESK_SEVENROOMS_VENUE_GROUP)")
	fs.StringVar(&c.sevenrooms.environment, "sevenrooms-environment", envOr("USERDESK_SEVENROOMS_ENVIRONMENT", ""), "SevenRooms `environment`: production or demo (env USERDESK_SEVENROOMS_ENVIRONMENT; default production, demo for the fake)")
	fs.StringVar(&c.sevenrooms.venue, "sevenrooms-venue", envOr("USERDESK_SEVENROOMS_VENUE", ""), "SevenRooms venue url `key` the back office's profile links open under (env USERDESK_SEVENROOMS_VENUE)")
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
	c.smtpPassword, c.smsToken = getenv("USERDESK_SMTP_PASSWORD"), getenv("USERDESK_SMS_TOKEN")
	switch c.smtpTLS {
	case "starttls", "tls", "none":
	default:
		return config{}, fmt.Errorf("-smtp-tls: want starttls, tls or none")
	}
	for _, cc := range strings.Split(callingCodes, ",") {
		if cc = strings.TrimSpace(cc); cc != "" {
			c.smsCallingCodes = append(c.smsCallingCodes, cc)
		}
	}
	c.sevenrooms.clientSecret, c.sevenrooms.webhookSecret = getenv("USERDESK_SEVENROOMS_CLIENT_SECRET"), getenv("USERDESK_SEVENROOMS_WEBHOOK_SECRET")
	if err := c.sevenrooms.check(); err != nil {
		return config{}, err
	}
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

// check refuses a half-configured SevenRooms: a URL without credentials
// or venue group, or an unknown environment.
func (c sevenRoomsConfig) check() error {
	switch c.environment {
	case "", "production", "demo":
	default:
		return fmt.Errorf("-sevenrooms-environment: want production or demo")
	}
	if c.url != "" && (c.clientID == "" || c.clientSecret == "" || c.venueGroup == "") {
		return fmt.Errorf("-sevenrooms-url needs -sevenrooms-client-id, -sevenrooms-venue-group and USERDESK_SEVENROOMS_CLIENT_SECRET")
	}
	return nil
}
