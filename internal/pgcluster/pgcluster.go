// Package pgcluster starts throwaway PostgreSQL servers for tests that need
// more than one: a primary and its streaming replicas, each in a temporary
// folder, on a unix socket of its own, run as the postgres user when the
// test runs as root. Nodes stop when the test ends (and with the test
// binary, through the parent-death signal).
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Node is one running PostgreSQL server.
type Node struct {
	dir  string // its folder: data/, the socket, postgres.log
	bin  string
	cred *syscall.Credential

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	stopped bool
}

// DSN returns the libpq connection string of database name on the node.
func (n *Node) DSN(name string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", n.dir, name)
}

// URL returns the postgres:// URL of database name on the node.
func (n *Node) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=5432&sslmode=disable", name, n.dir)
}

// Dir is the node's folder.
func (n *Node) Dir() string { return n.dir }

// StartPrimary creates and starts a primary that accepts streaming
// replicas (wal_level replica, trust for local replication connections).
func StartPrimary(tb testing.TB) *Node {
	tb.Helper()
	n := newNode(tb)
	initdb := exec.Command(filepath.Join(n.bin, "initdb"), "-D", n.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: n.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		tb.Fatalf("pgcluster: initdb: %v: %s", err, out)
	}
	n.start(tb)
	return n
}

// StartReplica clones the primary with pg_basebackup and starts the copy
// as a hot standby streaming from it.
func (n *Node) StartReplica(tb testing.TB) *Node {
	tb.Helper()
	r := newNode(tb)
	cmd := exec.Command(filepath.Join(r.bin, "pg_basebackup"), "-D", r.data(), "-h", n.dir, "-p", "5432", "-U", "postgres", "-R", "-X", "stream", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("pgcluster: pg_basebackup: %v: %s", err, out)
	}
	r.start(tb)
	return r
}

func newNode(tb testing.TB) *Node {
	tb.Helper()
	bin, err := binDir()
	if err != nil {
		tb.Fatalf("pgcluster: %v", err)
	}
	cred, err := owner()
	if err != nil {
		tb.Fatalf("pgcluster: %v", err)
	}
	// /tmp: TMPDIR may be a folder the unprivileged owner cannot enter;
	// short, because a unix socket path is limited to ~100 bytes.
	dir, err := os.MkdirTemp("/tmp", "udpg-")
	if err != nil {
		tb.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			tb.Fatal(err)
		}
	}
	n := &Node{dir: dir, bin: bin, cred: cred}
	tb.Cleanup(func() {
		n.Stop()
		_ = os.RemoveAll(dir)
	})
	return n
}

func (n *Node) data() string { return filepath.Join(n.dir, "data") }

// start runs postgres on the node's folder and waits until it answers.
func (n *Node) start(tb testing.TB) {
	tb.Helper()
	log, err := os.OpenFile(filepath.Join(n.dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(n.bin, "postgres"), "-D", n.data(), "-k", n.dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=100",
		"-c", "wal_level=replica", "-c", "max_wal_senders=10", "-c", "hot_standby=on", "-c", "wal_receiver_status_interval=1s")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: n.cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig belongs to the thread that forks: keep it for good.
		runtime.LockOSThread()
		started <- cmd.Start()
		select {}
	}()
	if err := <-started; err != nil {
		tb.Fatalf("pgcluster: start postgres: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = log.Close(); close(exited) }()
	n.mu.Lock()
	n.cmd, n.exited, n.stopped = cmd, exited, false
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, n.DSN("postgres"))
		if err == nil {
			_ = conn.Close(ctx)
			return
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(n.dir, "postgres.log"))
			tb.Fatalf("pgcluster: postgres exited: %s", b)
		case <-ctx.Done():
			tb.Fatalf("pgcluster: postgres did not answer: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop shuts the node down (fast shutdown) and waits for it.
func (n *Node) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.stopped {
		return
	}
	n.stopped = true
	_ = n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
}

// Restart starts a stopped node again on the same folder.
func (n *Node) Restart(tb testing.TB) {
	tb.Helper()
	n.Stop()
	n.start(tb)
}

// binDir finds a folder holding initdb, postgres and pg_basebackup.
func binDir() (string, error) {
	complete := func(dir string) bool {
		for _, tool := range []string{"initdb", "postgres", "pg_basebackup"} {
			if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil && complete(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) float64 { v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64); return v }
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if complete(d) {
			return d, nil
		}
	}
	return "", errors.New("initdb, postgres and pg_basebackup not found together on the PATH nor in /usr/lib/postgresql/*/bin")
}

// owner is who runs the servers: nil when not root, else postgres.
func owner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres user to run the servers as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("postgres user ids %q %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
