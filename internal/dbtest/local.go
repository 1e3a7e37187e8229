package dbtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBinDir finds a folder holding initdb and postgres: the PATH first, then
// Debian's /usr/lib/postgresql/VERSION/bin, newest version first.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("initdb and postgres not found on the PATH nor in /usr/lib/postgresql/*/bin")
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// clusterOwner returns the credentials to run the server with: nil when the
// process is not root, else those of the "postgres" user, or of "nobody".
func clusterOwner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and neither a postgres nor a nobody user exists to run initdb as")
}

// startLocalCluster creates a throwaway cluster in a temporary folder,
// starts it on a unix socket only, and returns the DSN of its maintenance
// database. It stops and is removed when Main ends; it also stops on its own
// if the test binary dies, through the parent-death signal.
func startLocalCluster(ctx context.Context) (string, error) {
	bin, err := pgBinDir()
	if err != nil {
		return "", err
	}
	cred, err := clusterOwner()
	if err != nil {
		return "", err
	}
	base := ""
	if cred != nil {
		base = "/tmp" // TMPDIR may be a folder the unprivileged owner cannot enter
	}
	dir, err := os.MkdirTemp(base, "userdesk-pg-")
	if err != nil {
		return "", err
	}
	removeDir := func() { _ = os.RemoveAll(dir) }
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			removeDir()
			return "", err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		removeDir()
		return "", fmt.Errorf("initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}

	logFile, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		removeDir()
		return "", err
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-k", dir, // the socket folder
		"-c", "listen_addresses=", // no TCP at all
		// fsync=off makes commits cheap already; commits stay
		// synchronous, as on a production server: under
		// synchronous_commit=off a commit's hint bits wait for the WAL
		// writer (per group of 32 transactions, so later commits delay
		// earlier ones), and a VACUUM right after a write cannot mark
		// pages all-visible, which tests of index-only reads check.
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// SIGINT is PostgreSQL's fast shutdown. Pdeathsig belongs to the thread
	// that forks, so the fork happens on a thread locked for good.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		started <- cmd.Start()
		select {} // keep this thread alive while the server runs
	}()
	if err := <-started; err != nil {
		_ = logFile.Close()
		removeDir()
		return "", fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
		removeDir()
	}

	dsn := "postgres://postgres@/postgres?sslmode=disable&host=" + url.QueryEscape(dir)
	if err := waitReady(ctx, dsn, exited); err != nil {
		stop()
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(log)))
	}
	atShutdown(stop)
	return dsn, nil
}

// waitReady polls the server until it accepts a connection, it exits, or
// ctx ends.
func waitReady(ctx context.Context, dsn string, exited <-chan struct{}) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-exited:
			return errors.New("postgres exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w", err)
		case <-tick.C:
		}
	}
}
