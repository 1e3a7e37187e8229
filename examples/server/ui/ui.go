package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultBasePath is where the back office is mounted when
// Config.BasePath is empty.
const DefaultBasePath = "/admin"

// sessionTTL is how long an operator's back-office session lasts.
const sessionTTL = 12 * time.Hour

// Config configures the back office. DB and Users are required; every
// other field's zero value is a working default.
type Config struct {
	// DB is the database the library runs on. Required.
	DB *bun.DB
	// Users is the usermgmt service. Required.
	Users *usermgmt.Service
	// Impersonation issues impersonation tokens. Nil hides the spy icons
	// and the Edit buttons, and the impersonation route answers that it
	// is not configured.
	Impersonation *impersonation.Service
	// FrontOfficeURL is the front office's base URL, such as
	// "https://app.example.com"; impersonations open its dashboard pages.
	// Empty means the same host as the back office.
	FrontOfficeURL string
	// BasePath is the path prefix the handler is mounted under, without
	// a trailing slash. Empty means DefaultBasePath ("/admin").
	BasePath string
	// Logger receives unexpected errors (never personal data or
	// passwords). Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// OnInvitationToken sends a guest invitation's new token (an operator
	// changed the email of an invitation not accepted yet) to the invited
	// address. Nil logs a warning that nobody sent it.
	OnInvitationToken func(ctx context.Context, g *usermgmt.Guest, token string) error
	// Verification sends password-reset links and records ID
	// verification with evidence (package verification). Nil hides the
	// "send a reset link" button and the ID evidence form; the
	// verification checkboxes stay.
	Verification *verification.Service
	// Links and SevenRooms show the user page's "Third parties" card
	// (the SevenRooms link, reconnect with a field-by-field merge, undo).
	// Either nil hides the card.
	Links      *thirdparty.Service
	SevenRooms *sevenrooms.Service
	// Referral is the referral programme (the user page's Referral tab).
	// Nil hides the tab.
	Referral *referral.Service
	// Activity is the activity package (the Reservations, Events and
	// Devices tabs). Nil hides them.
	Activity *activity.Service
}

// server holds what the pages share.
type server struct {
	db      *bun.DB
	users   *usermgmt.Service
	imp     *impersonation.Service
	front   string
	base    string
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	onToken func(ctx context.Context, g *usermgmt.Guest, token string) error
	verify  *verification.Service
	// referral and activity back the user page's tabs; nil hides them.
	referral *referral.Service
	activity *activity.Service
	// formAction is the CSP form-action source list: this origin and the
	// front office's, where the impersonation hand-off posts.
	formAction string

	links      *thirdparty.Service
	sevenrooms *sevenrooms.Service
}

// New builds the back office's handler. It serves every path under
// cfg.BasePath (mount it with mux.Handle(BasePath+"/", h)). Returns an
// error when a required field is missing or a template does not parse.
func New(cfg Config) (http.Handler, error) {
	if cfg.DB == nil || cfg.Users == nil {
		return nil, errors.New("ui: Config.DB and Config.Users are required")
	}
	s := &server{db: cfg.DB, users: cfg.Users, imp: cfg.Impersonation,
		front: strings.TrimRight(cfg.FrontOfficeURL, "/"), base: strings.TrimRight(cfg.BasePath, "/"),
		log: cfg.Logger, now: cfg.Now, onToken: cfg.OnInvitationToken, verify: cfg.Verification,
		links: cfg.Links, sevenrooms: cfg.SevenRooms, referral: cfg.Referral, activity: cfg.Activity}
	if s.base == "" {
		s.base = DefaultBasePath
	}
	if !strings.HasPrefix(s.base, "/") {
		return nil, fmt.Errorf("ui: BasePath %q must start with a slash", cfg.BasePath)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.formAction = "'self'"
	if s.front != "" {
		u, err := url.Parse(s.front)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("ui: FrontOfficeURL %q must be an absolute http or https URL", cfg.FrontOfficeURL)
		}
		s.formAction += " " + u.Scheme + "://" + u.Host
	}
	var err error
	funcs := s.funcs()
	maps.Copy(funcs, tabFuncs())
	if s.pages, err = parsePages(funcs); err != nil {
		return nil, err
	}
	return s.routes(), nil
}

// parsePages parses each page template together with the layout.
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Partials (templates/_*.html and templates/partial_*.html, the user
	// page's tab bar) define templates every page may use.
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", "templates/partial_*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: layout: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "partial_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	b := s.base
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+b+"/static/", http.StripPrefix(b+"/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET "+b+"/login", s.loginForm)
	mux.HandleFunc("POST "+b+"/login", s.login)
	mux.Handle("POST "+b+"/logout", s.authed(s.logout))
	mux.Handle("GET "+b+"/{$}", http.RedirectHandler(b+"/users", http.StatusSeeOther))
	mux.Handle("GET "+b+"/users", s.authed(s.usersList))
	mux.Handle("GET "+b+"/users/export", s.authed(s.usersExport))
	mux.Handle("POST "+b+"/users/{id}/status", s.authed(s.userStatus))
	mux.Handle("GET "+b+"/users/{id}", s.authed(s.userDetail))
	mux.Handle("GET "+b+"/users/{id}/public", s.authed(s.publicProfile))
	mux.Handle("POST "+b+"/users/{id}/password", s.authed(s.userPassword))
	mux.Handle("POST "+b+"/users/{id}/guests/{guest}", s.authed(s.userGuest))
	mux.Handle("POST "+b+"/users/{id}/fees", s.authed(s.userFees))
	mux.Handle("GET "+b+"/users/{id}/fees/quote", s.authed(s.feesQuote))
	mux.Handle("POST "+b+"/users/{id}/categories", s.authed(s.userCategories))
	mux.Handle("POST "+b+"/users/{id}/verifications", s.authed(s.userVerifications))
	mux.Handle("POST "+b+"/users/{id}/password-reset", s.authed(s.userResetLink))
	mux.Handle("POST "+b+"/users/{id}/id-verification", s.authed(s.userIDVerification))
	mux.Handle("POST "+b+"/users/{id}/bank/reveal", s.authed(s.bankReveal))
	mux.Handle("POST "+b+"/users/{id}/delete", s.authed(s.userDelete))
	mux.Handle("POST "+b+"/users/{id}/impersonate", s.authed(s.impersonate))
	mux.Handle("GET "+b+"/thirdparty/ambiguous", s.authed(s.tpQueue))
	mux.Handle("POST "+b+"/users/{id}/thirdparty/preview", s.authed(s.tpPreview))
	mux.Handle("POST "+b+"/users/{id}/thirdparty/reconnect", s.authed(s.tpReconnect))
	mux.Handle("POST "+b+"/users/{id}/thirdparty/check", s.authed(s.tpCheck))
	mux.Handle("POST "+b+"/users/{id}/thirdparty/merges/{merge}/undo", s.authed(s.tpUndo))
	s.tabRoutes(mux)
	s.viewRoutes(mux)
	mux.Handle("GET "+b+"/operators", s.authed(s.operatorsPage))
	mux.Handle("POST "+b+"/operators", s.authed(s.operatorCreate))
	mux.Handle("POST "+b+"/operators/{id}/roles", s.authed(s.operatorRoles))
	mux.Handle("POST "+b+"/operators/{id}/active", s.authed(s.operatorActive))
	mux.Handle("GET "+b+"/settings", s.authed(s.settingsPage))
	mux.Handle("POST "+b+"/settings", s.authed(s.settingsSave))
	mux.HandleFunc(b+"/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusNotFound, "There is no page at this address.")
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusForbidden, "This form was sent from another site, so it was refused. Open the back office and try again.")
	}))
	return s.securityHeaders(cop.Handler(s.recoverer(mux)))
}

// contentSecurityPolicy allows this origin's own scripts, styles and
// images only (pictures may come from any https host); no inline script.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"connect-src 'self'; form-action %s; frame-ancestors 'none'; base-uri 'none'"

func (s *server) securityHeaders(next http.Handler) http.Handler {
	csp := fmt.Sprintf(contentSecurityPolicy, s.formAction)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into the error page, logging it.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "ui: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				s.renderError(w, r, nil, http.StatusInternalServerError, "Something went wrong on our side. Try again; if it keeps happening, tell the platform team.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
