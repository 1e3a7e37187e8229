package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// operator authenticates a back-office request: a live operator session
// of an active operator. Permissions are checked by the library call the
// handler makes, never here.
func (a *app) operator(r *http.Request) (*usermgmt.Operator, error) {
	id, err := a.users.ResolveSession(r.Context(), a.db, usermgmt.OperatorSession, bearer(r))
	if err != nil {
		return nil, errUnauthenticated
	}
	op, err := a.users.GetOperator(r.Context(), a.db, id)
	if err != nil || !op.Active {
		return nil, errUnauthenticated
	}
	return op, nil
}

// operatorAndUser authenticates a back-office request about the user
// named by the {uid} path value.
func (a *app) operatorAndUser(r *http.Request) (*usermgmt.Operator, uuid.UUID, error) {
	op, err := a.operator(r)
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathUUID(r, "uid")
	return op, id, err
}

// loginLimiter limits login attempts per account and per client address
// with fixed windows, in memory (per replica; a deployment with many
// replicas puts a shared limiter in front).
type loginLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	hit map[string]*window
}

type window struct {
	count int
	reset time.Time
}

// Limits: failures per account and attempts per address in a window.
const (
	loginWindow          = 15 * time.Minute
	maxFailuresPerAcct   = 5
	maxAttemptsPerAddr   = 30
	limiterSweepAtLength = 10000
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, hit: map[string]*window{}}
}

// allow reports whether an attempt for account from addr may proceed, and
// if not, after how long. It counts the attempt against the address.
func (l *loginLimiter) allow(account, addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hit) > limiterSweepAtLength {
		for k, w := range l.hit {
			if now.After(w.reset) {
				delete(l.hit, k)
			}
		}
	}
	get := func(k string) *window {
		w := l.hit[k]
		if w == nil || now.After(w.reset) {
			w = &window{reset: now.Add(loginWindow)}
			l.hit[k] = w
		}
		return w
	}
	acct, ip := get("acct:"+account), get("addr:"+addr)
	if acct.count >= maxFailuresPerAcct {
		return false, acct.reset.Sub(now)
	}
	if ip.count >= maxAttemptsPerAddr {
		return false, ip.reset.Sub(now)
	}
	ip.count++
	return true, 0
}

// failed counts a failed attempt against the account; succeeded clears it.
func (l *loginLimiter) failed(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.hit["acct:"+account]; w != nil {
		w.count++
	}
}

func (l *loginLimiter) succeeded(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hit, "acct:"+account)
}

// clientAddr is the request's remote IP. The reference server trusts no
// proxy header; behind a proxy, set the real address in a middleware.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitLogin applies the limiter around a login; check returns the
// authenticated subject or an error.
func (a *app) limitLogin(w http.ResponseWriter, r *http.Request, kind, email string, check func() (uuid.UUID, error)) (uuid.UUID, error) {
	account := kind + ":" + strings.ToLower(strings.TrimSpace(email))
	if ok, wait := a.limiter.allow(account, clientAddr(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return uuid.Nil, &badRequest{status: http.StatusTooManyRequests, code: "too_many_attempts", detail: "too many login attempts; try again later"}
	}
	id, err := check()
	if err != nil {
		a.limiter.failed(account)
		return uuid.Nil, err
	}
	a.limiter.succeeded(account)
	return id, nil
}
