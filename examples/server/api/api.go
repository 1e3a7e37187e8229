package api

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// Config is what the API is built on. DB, Users and Verification are
// required; every other field's zero value is a documented default.
type Config struct {
	// DB is the database every handler reads and writes.
	DB *bun.DB
	// Users is the usermgmt service. The host registers its hooks (the
	// session-ending status hook, password notifications) before New.
	Users *usermgmt.Service
	// Impersonation issues and verifies impersonation tokens. Nil
	// disables impersonation: its routes answer 503
	// signing_key_unavailable and impersonation tokens are refused.
	Impersonation *impersonation.Service
	// SessionTTL is the lifetime of operator and user sessions. Zero
	// means 8 hours.
	SessionTTL time.Duration
	// FrontOffice is the URL of the front office that impersonation
	// links open (the tokens' audience). Empty means the links are
	// relative paths.
	FrontOffice string
	// MaxBodyBytes bounds every request body. Zero means 1 MiB.
	MaxBodyBytes int64
	// Logger receives the access log and internal errors. Nil discards.
	Logger *slog.Logger
	// Now is the clock (login throttle, export file names). Nil means
	// time.Now.
	Now func() time.Time
	// ClientAddr tells the client's address, which the login throttle
	// counts guesses by. Nil means the connection's remote IP: behind a
	// proxy, give a function that reads the header the proxy sets.
	ClientAddr func(*http.Request) string
	// ImpersonationKeys are the public halves of the impersonation
	// signing keys, published at GET /.well-known/userdesk/impersonation-keys
	// for verifiers outside Go.
	ImpersonationKeys []PublicKey
	// Referral is the referral programme (the user page's referral card,
	// credits, referrer changes, abuse flags). Nil: its routes stay
	// bound, so that the route list and the OpenAPI document never
	// depend on the configuration, and answer 503 area_unavailable.
	Referral *referral.Service
	// Activity is the user's activity (reservations card, events
	// timeline, devices). Nil: its routes answer 503 area_unavailable.
	Activity *activity.Service
	// Verification runs registration (which must not tell whether an
	// address has an account), email links, SMS codes, reset links and ID
	// verification with evidence. Required.
	Verification *verification.Service
	// DevOutbox serves the development outbox at GET /dev/outbox (every
	// queued message with its live links and codes). Set it in demo mode
	// only; otherwise the route answers 404 route_not_found.
	DevOutbox bool
	// Links and SevenRooms are the third-party links and their SevenRooms
	// provider (the user page's SevenRooms card, reconnect and undo, the
	// ambiguous-link queue, the webhook). Either nil: those routes answer
	// 503 area_unavailable, and logins and registrations link nobody.
	// With both, a login and a registration call SevenRooms.AutoLink,
	// which is bounded by its LoginBudget and never fails the login.
	Links      *thirdparty.Service
	SevenRooms *sevenrooms.Service
	// Replicas, when DB was opened by sqldb.OpenPostgresWithReplicas,
	// learns of each operator's writes (sqldb.Replicas.NoteWrite), so that
	// the operator's next list pages read the primary for a while
	// (read-your-writes). Nil without replicas.
	Replicas *sqldb.Replicas
}

// PublicKey is one Ed25519 public key of the impersonation key ring and
// the key id that tokens signed by it carry in their footer.
type PublicKey struct {
	ID  string
	Key ed25519.PublicKey
}

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
// is zero.
const DefaultMaxBodyBytes = 1 << 20

// API is the reference server's JSON API. Build it with New and serve
// Handler.
type API struct {
	db       *bun.DB
	users    *usermgmt.Service
	imp      *impersonation.Service
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	front    string
	maxBody  int64
	throttle *throttle
	addrOf   func(*http.Request) string
	keys     []PublicKey
	referral *referral.Service
	activity *activity.Service
	// verification and devMailbox: Config.Verification and DevOutbox.
	verification *verification.Service
	devMailbox   bool
	routes       []Route
	handler      http.Handler

	// Third-party links (package thirdparty and its SevenRooms provider).
	links      *thirdparty.Service
	sevenrooms *sevenrooms.Service
	replicas   *sqldb.Replicas
}

// New builds the API and its routes. It returns an error when DB, Users
// or Verification is missing.
func New(cfg Config) (*API, error) {
	if cfg.DB == nil || cfg.Users == nil {
		return nil, errors.New("api: Config.DB and Config.Users are required")
	}
	if cfg.Verification == nil {
		return nil, errors.New("api: Config.Verification is required (registration must not tell whether an address has an account)")
	}
	a := &API{db: cfg.DB, users: cfg.Users, imp: cfg.Impersonation, log: cfg.Logger, now: cfg.Now,
		ttl: cfg.SessionTTL, front: cfg.FrontOffice, maxBody: cfg.MaxBodyBytes, addrOf: cfg.ClientAddr,
		keys:     append([]PublicKey(nil), cfg.ImpersonationKeys...),
		referral: cfg.Referral, activity: cfg.Activity, links: cfg.Links, sevenrooms: cfg.SevenRooms,
		verification: cfg.Verification, devMailbox: cfg.DevOutbox, replicas: cfg.Replicas}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.ttl == 0 {
		a.ttl = 8 * time.Hour
	}
	if a.maxBody == 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	for _, d := range usermgmt.OperatorPermissions() {
		if !a.users.KnowsPermission(d.Permission) {
			return nil, fmt.Errorf("api: the usermgmt.Service does not know %s: pass usermgmt.OperatorPermissions() in usermgmt.Config.Permissions", d.Permission)
		}
	}
	a.throttle = newThrottle(a.db, a.now)
	mux := http.NewServeMux()
	rt := &router{a: a, mux: mux}
	a.bind(rt)
	a.routes = rt.routes
	a.handler = a.middleware(a.unknownRoutes(mux))
	return a, nil
}

// Handler is the API's http.Handler: every route, with request ids, the
// access log, panic recovery, body limits and problem documents for
// unknown routes.
func (a *API) Handler() http.Handler { return a.handler }

// Routes lists every route the API serves with the kind of caller it
// authenticates, in registration order.
func (a *API) Routes() []Route { return append([]Route(nil), a.routes...) }

// Caller is the kind of caller a route authenticates.
type Caller string

// The kinds of caller.
const (
	// CallerPublic: no credentials (health, registration, login, quotes,
	// the OpenAPI document, the impersonation keys).
	CallerPublic Caller = "public"
	// CallerOperator: a back-office operator session. Permissions are the
	// library's to check, in the call the handler makes.
	CallerOperator Caller = "operator"
	// CallerUser: a front-office user session or an impersonation token;
	// a read-only impersonation may only use safe methods.
	CallerUser Caller = "user"
)

// Route is one route: its ServeMux pattern ("METHOD /path") and the kind
// of caller it authenticates.
type Route struct {
	Pattern string
	Caller  Caller
}

// router registers routes through the adapter of their kind of caller.
type router struct {
	a      *API
	mux    *http.ServeMux
	routes []Route
}

// handlerFunc is a handler that reports failure by returning an error,
// which the adapter turns into a problem document.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// operatorHandler is a handler for an authenticated operator.
type operatorHandler func(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error

// userHandler is a handler for the user a front-office request acts as.
type userHandler func(w http.ResponseWriter, r *http.Request, me *Me) error

func (rt *router) add(pattern string, c Caller, h handlerFunc) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Caller: c})
	rt.mux.Handle(pattern, rt.a.serve(h))
}

// public registers a route anyone may call.
func (rt *router) public(pattern string, h handlerFunc) { rt.add(pattern, CallerPublic, h) }

// operator registers a back-office route: the handler runs only for a
// live session of an active operator.
func (rt *router) operator(pattern string, h operatorHandler) {
	rt.add(pattern, CallerOperator, func(w http.ResponseWriter, r *http.Request) error {
		op, err := rt.a.operator(r)
		if err != nil {
			return err
		}
		// The library's permission checks use the operator just read
		// rather than reading it again.
		ctx := rt.a.users.WithOperator(r.Context(), op)
		if rt.a.replicas == nil {
			return h(w, r.WithContext(ctx), op)
		}
		// The read-your-writes rule of sqldb.Replicas: who acts, and that
		// they wrote.
		actor := op.ID.String()
		err = h(w, r.WithContext(sqldb.WithActor(ctx, actor)), op)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rt.a.replicas.NoteWrite(actor) // a failed write may have committed too
		}
		return err
	})
}

// operatorSelf registers a back-office route whose handler authenticates
// the operator itself, in the same library call as its read (the detail
// view: GetUserDetailBySession). Only for GET routes: a write needs the
// operator before it starts, and the replicas' read-your-writes note.
func (rt *router) operatorSelf(pattern string, h handlerFunc) {
	if !strings.HasPrefix(pattern, http.MethodGet+" ") {
		panic("api: operatorSelf is for GET routes: " + pattern)
	}
	rt.add(pattern, CallerOperator, h)
}

// user registers a front-office route: the handler runs for a user
// session or an impersonation token.
func (rt *router) user(pattern string, h userHandler) {
	rt.add(pattern, CallerUser, func(w http.ResponseWriter, r *http.Request) error {
		me, r, err := rt.a.me(r)
		if err != nil {
			return err
		}
		return h(w, r, me)
	})
}

// serve runs h and answers its error with a problem document.
func (a *API) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if sr, ok := w.(*statusRecorder); ok && sr.wrote {
			// The answer had started (a streamed export): a problem
			// document cannot follow it. Abort the connection, so that
			// the client sees a failed transfer rather than a file that
			// looks complete.
			a.log.WarnContext(r.Context(), "request failed after its answer started; connection aborted",
				"request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", sr.status, "err", err)
			panic(http.ErrAbortHandler)
		}
		a.writeError(w, r, err)
	})
}
