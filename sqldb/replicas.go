package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// ReplicaConfig configures the PostgreSQL streaming replicas of
// [OpenPostgresWithReplicas].
type ReplicaConfig struct {
	// DSNs are the replicas' connection strings (hot standbys of the
	// primary). None means every query goes to the primary.
	DSNs []string
	// MaxLag is the largest replication lag a replica read accepts: a
	// replica that has not replayed what the primary had written MaxLag
	// ago is skipped until it catches up. Default 5 s.
	MaxLag time.Duration
	// CheckEvery is how often each replica's lag is measured. Default 1 s;
	// it must be shorter than MaxLag.
	CheckEvery time.Duration
	// ReadYourWrites is how long, after [Replicas.NoteWrite] for an
	// actor, that actor's reads stay on the primary. Default MaxLag +
	// CheckEvery, so that the write has reached every replica that is
	// still used by the time the actor reads from one again.
	ReadYourWrites time.Duration
	// Logger receives a line when a replica is skipped (down or lagging)
	// and when it is used again. Default: discard.
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Replicas routes the reads that may be served by a replica to healthy
// PostgreSQL streaming replicas: it is the bun.ConnResolver that
// [OpenPostgresWithReplicas] installs. The rule:
//
//   - Only a bun SELECT run on the *bun.DB itself (not in a transaction,
//     not a raw query) whose context was marked by [ReplicaSafe] may go to
//     a replica. userdesk marks the users list, its counts and its exports
//     (usermgmt.ListUsers, CountUsers, ExportUsers); every write, every
//     read in a transaction, and every other read — sessions, permissions,
//     the detail view, version checks — goes to the primary, so that a
//     revoked role or a new status applies at once.
//   - A replica serves only while its lag is at most MaxLag, measured
//     every CheckEvery against the primary's WAL position; one that is
//     down or behind is skipped (the primary serves) and logged, and used
//     again once it has caught up.
//   - Read-your-writes: after [Replicas.NoteWrite] for an actor (the
//     reference server calls it after each successful operator write),
//     that actor's marked reads go to the primary for ReadYourWrites. The
//     memory of recent writers is per process: behind a load balancer
//     without sticky sessions an operator's next read may land on another
//     server replica, whose memory lacks the write, and read a replica at
//     most MaxLag behind. Keep MaxLag small, or route an operator to one
//     server (sticky sessions), where that matters.
type Replicas struct {
	cfg     ReplicaConfig
	primary *sql.DB
	nodes   []*replicaNode
	next    atomic.Uint64
	log     *slog.Logger

	mu      sync.Mutex
	history []lsnSample // the primary's WAL position over the last MaxLag and more
	writers map[string]time.Time

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

type replicaNode struct {
	name    string // host of the DSN, for logs
	db      *sql.DB
	healthy atomic.Bool
	reason  atomic.Value // string: why it is skipped
	served  atomic.Int64
}

type lsnSample struct {
	at  time.Time
	lsn uint64
}

// ReplicaStatus is one replica's state, for metrics and health pages.
type ReplicaStatus struct {
	Name    string `json:"name"`
	Healthy bool   `json:"healthy"`
	// Reason says why an unhealthy replica is skipped.
	Reason string `json:"reason,omitempty"`
	// Served counts the reads it answered.
	Served int64 `json:"served"`
}

type replicaSafeKey struct{}
type actorKey struct{}

// ReplicaSafe marks ctx: the bun SELECTs run with it may be served by a
// replica at most ReplicaConfig.MaxLag behind the primary.
func ReplicaSafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaSafeKey{}, true)
}

// WithActor names who acts in ctx (an operator id, say), for the
// read-your-writes rule of [Replicas].
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// OpenPostgresWithReplicas opens the primary at primaryDSN as
// [OpenPostgres] does, and each replica of cfg, and returns a *bun.DB
// whose marked reads go to the replicas (see [Replicas]) with the
// resolver, for NoteWrite and Status. Closing the *bun.DB closes the
// replicas too.
func OpenPostgresWithReplicas(ctx context.Context, primaryDSN string, cfg ReplicaConfig) (*bun.DB, *Replicas, error) {
	if cfg.MaxLag == 0 {
		cfg.MaxLag = 5 * time.Second
	}
	if cfg.CheckEvery == 0 {
		cfg.CheckEvery = time.Second
	}
	if cfg.ReadYourWrites == 0 {
		cfg.ReadYourWrites = cfg.MaxLag + cfg.CheckEvery
	}
	if cfg.MaxLag < 0 || cfg.CheckEvery < 0 || cfg.ReadYourWrites < 0 || cfg.CheckEvery >= cfg.MaxLag {
		return nil, nil, errors.New("sqldb: replicas: MaxLag, CheckEvery and ReadYourWrites must be positive, and CheckEvery shorter than MaxLag")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	primary, err := openPostgresPool(ctx, primaryDSN)
	if err != nil {
		return nil, nil, err
	}
	r := &Replicas{cfg: cfg, primary: primary, log: cfg.Logger, writers: map[string]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	for _, dsn := range cfg.DSNs {
		db, err := openPostgresPool(ctx, dsn)
		if err != nil {
			// A replica that is down at start is skipped, not fatal: it
			// is checked again with the others.
			db, err = openPostgresDB(dsn)
			if err != nil {
				_ = r.closeAll()
				return nil, nil, fmt.Errorf("sqldb: replica: %w", err)
			}
		}
		n := &replicaNode{name: dsnHost(dsn), db: db}
		n.reason.Store("not checked yet")
		r.nodes = append(r.nodes, n)
	}
	r.check(ctx)
	go r.loop()
	return bun.NewDB(primary, pgdialect.New(), bun.WithConnResolver(r)), r, nil
}

// NoteWrite records that actor just wrote: its marked reads go to the
// primary for ReadYourWrites.
func (r *Replicas) NoteWrite(actor string) {
	if actor == "" || len(r.nodes) == 0 {
		return
	}
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writers[actor] = now
	if len(r.writers) > 10000 { // forget the old ones
		for a, at := range r.writers {
			if now.Sub(at) > r.cfg.ReadYourWrites {
				delete(r.writers, a)
			}
		}
	}
}

// Status returns each replica's state.
func (r *Replicas) Status() []ReplicaStatus {
	out := make([]ReplicaStatus, len(r.nodes))
	for i, n := range r.nodes {
		out[i] = ReplicaStatus{Name: n.name, Healthy: n.healthy.Load(), Served: n.served.Load()}
		if !out[i].Healthy {
			out[i].Reason, _ = n.reason.Load().(string)
		}
	}
	return out
}

// ResolveConn implements bun.ConnResolver: a healthy replica for a marked
// read, nil (the primary) for everything else.
func (r *Replicas) ResolveConn(ctx context.Context, q bun.Query) bun.IConn {
	if len(r.nodes) == 0 || ctx.Value(replicaSafeKey{}) == nil || !bun.IsReadOnlyQuery(q) {
		return nil
	}
	if actor, _ := ctx.Value(actorKey{}).(string); actor != "" {
		r.mu.Lock()
		at, ok := r.writers[actor]
		r.mu.Unlock()
		if ok && r.cfg.Now().Sub(at) < r.cfg.ReadYourWrites {
			return nil
		}
	}
	start := r.next.Add(1)
	for i := range uint64(len(r.nodes)) {
		n := r.nodes[(start+i)%uint64(len(r.nodes))]
		if n.healthy.Load() {
			return replicaConn{r: r, n: n}
		}
	}
	return nil
}

// replicaConn runs a read on a replica, and on the primary when the
// replica turns out to be unreachable (it is then skipped until a check
// finds it back): a replica that dies between two checks costs no failed
// read.
type replicaConn struct {
	r *Replicas
	n *replicaNode
}

func (c replicaConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.n.db.QueryContext(ctx, query, args...)
	if err != nil && connectionLost(err) && ctx.Err() == nil {
		c.r.skip(c.n, "down: "+err.Error())
		return c.r.primary.QueryContext(ctx, query, args...)
	}
	if err == nil {
		c.n.served.Add(1)
	}
	return rows, err
}

func (c replicaConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.r.primary.ExecContext(ctx, query, args...) // never a read: never a replica's
}

// QueryRowContext checks the replica with a ping first, since a *sql.Row
// defers its error to Scan, too late to fall back.
func (c replicaConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := c.n.db.PingContext(ctx); err != nil && ctx.Err() == nil {
		c.r.skip(c.n, "down: "+err.Error())
		return c.r.primary.QueryRowContext(ctx, query, args...)
	}
	c.n.served.Add(1)
	return c.n.db.QueryRowContext(ctx, query, args...)
}

// skip marks n unhealthy until the next check that finds it well.
func (r *Replicas) skip(n *replicaNode, reason string) {
	n.reason.Store(reason)
	if n.healthy.Swap(false) {
		r.log.Warn("sqldb: replica skipped, the primary serves its reads", "replica", n.name, "reason", reason)
	}
}

// connectionLost reports whether err means the server could not be
// reached or the connection died, rather than a bad query.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) || errors.As(err, &connectErr) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "conn closed")
}

// Close implements bun.ConnResolver: it stops the checks and closes the
// replicas' pools (bun.DB.Close closes the primary's).
func (r *Replicas) Close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	var first error
	for _, n := range r.nodes {
		if err := n.db.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (r *Replicas) closeAll() error {
	for _, n := range r.nodes {
		_ = n.db.Close()
	}
	return r.primary.Close()
}

func (r *Replicas) loop() {
	defer close(r.done)
	t := time.NewTicker(r.cfg.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), r.cfg.CheckEvery)
			r.check(ctx)
			cancel()
		}
	}
}

// check samples the primary's WAL position and judges each replica: it is
// healthy when it has replayed at least what the primary had written
// MaxLag ago.
func (r *Replicas) check(ctx context.Context) {
	if len(r.nodes) == 0 {
		return
	}
	now := r.cfg.Now()
	var text string
	if err := r.primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&text); err != nil {
		// Without the primary's position no lag can be judged: keep the
		// replicas as they were; the primary's own failure shows
		// elsewhere.
		r.log.Warn("sqldb: replicas: cannot read the primary's WAL position", "err", err)
		return
	}
	lsn, err := parseLSN(text)
	if err != nil {
		r.log.Warn("sqldb: replicas: primary WAL position", "err", err)
		return
	}
	r.mu.Lock()
	r.history = append(r.history, lsnSample{at: now, lsn: lsn})
	// The threshold: the newest sample at least MaxLag old (else the
	// oldest one, at start).
	threshold := r.history[0].lsn
	cut := 0
	for i, s := range r.history {
		if now.Sub(s.at) >= r.cfg.MaxLag {
			threshold, cut = s.lsn, i
		}
	}
	r.history = r.history[cut:]
	r.mu.Unlock()
	for _, n := range r.nodes {
		var replay sql.NullString
		err := n.db.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&replay)
		var reason string
		switch {
		case err != nil:
			reason = "down: " + err.Error()
		case !replay.Valid:
			reason = "not a standby (pg_last_wal_replay_lsn is null)"
		default:
			got, err := parseLSN(replay.String)
			switch {
			case err != nil:
				reason = err.Error()
			case got < threshold:
				reason = fmt.Sprintf("lagging: replayed %s, the primary was at %s %s ago", replay.String, formatLSN(threshold), r.cfg.MaxLag)
			}
		}
		if reason == "" {
			if !n.healthy.Swap(true) {
				r.log.Info("sqldb: replica used again", "replica", n.name)
			}
			continue
		}
		r.skip(n, reason)
	}
}

// parseLSN reads PostgreSQL's "X/Y" WAL position.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("sqldb: bad LSN %q", s)
	}
	return h<<32 | l, nil
}

func formatLSN(v uint64) string { return fmt.Sprintf("%X/%X", v>>32, v&0xffffffff) }

// dsnHost is the host part of a DSN, for logs (never the password).
func dsnHost(dsn string) string {
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "host="); ok {
			return strings.Trim(v, "'")
		}
	}
	if _, rest, ok := strings.Cut(dsn, "@"); ok {
		host, _, _ := strings.Cut(rest, "/")
		return host
	}
	return "replica"
}
