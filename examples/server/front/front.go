package front

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Paths the handler serves.
const (
	// BasePath prefixes the front office's pages.
	BasePath = "/app"
	// HandoffPath receives an impersonation token from the back office
	// (POST, form fields token and landing).
	HandoffPath = "/impersonate"
)

// Cookie names.
const (
	impersonationCookie = "userdesk_impersonation"
	userCookie          = "userdesk_user"
)

// DefaultSessionTTL is how long a user's front-office login lasts when
// Config.SessionTTL is zero.
const DefaultSessionTTL = 12 * time.Hour

// Config configures the front office. DB and Users are required.
type Config struct {
	// DB is the database the library runs on. Required.
	DB *bun.DB
	// Users is the usermgmt service. Required.
	Users *usermgmt.Service
	// Impersonation verifies the back office's tokens. Nil refuses every
	// hand-off in words.
	Impersonation *impersonation.Service
	// Verification spends the tokens of the links its emails carry, on
	// the pages VerifyEmailPath, ConfirmEmailChangePath and
	// ResetPasswordPath under BasePath. Nil answers those pages 404.
	Verification *verification.Service
	// BackOfficeURL is where "back to the back office" links go, such as
	// "/admin" or "https://admin.example.com/admin". Empty means "/admin".
	BackOfficeURL string
	// SessionTTL is a user login's lifetime; zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// Logger receives unexpected errors (never personal data, never a
	// token). Nil discards.
	Logger *slog.Logger
}

type server struct {
	db    *bun.DB
	users *usermgmt.Service
	imp   *impersonation.Service
	verif *verification.Service
	back  string
	ttl   time.Duration
	log   *slog.Logger
	pages map[string]*template.Template
}

// New builds the front office's handler. Mount it on BasePath+"/" and on
// "POST "+HandoffPath. Returns an error when a required field is missing.
func New(cfg Config) (http.Handler, error) {
	if cfg.DB == nil || cfg.Users == nil {
		return nil, errors.New("front: Config.DB and Config.Users are required")
	}
	s := &server{db: cfg.DB, users: cfg.Users, imp: cfg.Impersonation, verif: cfg.Verification, back: strings.TrimRight(cfg.BackOfficeURL, "/"),
		ttl: cfg.SessionTTL, log: cfg.Logger}
	if s.back == "" {
		s.back = "/admin"
	}
	if s.ttl == 0 {
		s.ttl = DefaultSessionTTL
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s.routes(), nil
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"join": strings.Join,
		"date": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
		"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"addr": func(prefix, legend string, a usermgmt.Address) addressFields {
			return addressFields{Prefix: prefix, Legend: legend, A: a}
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	b := BasePath
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+b+"/static/", http.StripPrefix(b+"/static/", http.FileServerFS(static)))
	mux.HandleFunc("POST "+HandoffPath, s.handoff)
	mux.HandleFunc("POST "+b+"/impersonation/end", s.endImpersonation)
	mux.HandleFunc("GET "+b+"/login", s.loginForm)
	mux.HandleFunc("POST "+b+"/login", s.login)
	mux.HandleFunc("POST "+b+"/logout", s.logout)
	mux.Handle("GET "+b+"/{$}", s.authed(s.home))
	mux.Handle("GET "+b+"/presentation", s.authed(s.presentation))
	mux.Handle("POST "+b+"/presentation", s.authed(s.presentationSave))
	mux.Handle("GET "+b+"/identity", s.authed(s.identity))
	mux.Handle("POST "+b+"/identity", s.authed(s.identitySave))
	mux.Handle("GET "+b+"/bank-account", s.authed(s.bank))
	mux.Handle("POST "+b+"/bank-account", s.authed(s.bankSave))
	s.linkRoutes(mux)
	mux.HandleFunc(b+"/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "There is no page at this address.")
	})
	cop := http.NewCrossOriginProtection()
	// The hand-off is posted from the back office, which may be another
	// origin; the token it carries is its credential.
	cop.AddInsecureBypassPattern("POST " + HandoffPath)
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusForbidden, "This form was sent from another site, so it was refused.")
	}))
	return securityHeaders(cop.Handler(mux))
}

// contentSecurityPolicy: no script at all; styles and images from this
// origin (pictures from any https host); forms to this origin only.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// addressFields feeds the identity page's address fieldset.
type addressFields struct {
	Prefix, Legend string
	A              usermgmt.Address
}

// page is what every template receives.
type page struct {
	Title string
	// Section names the dashboard section shown, for the navigation.
	Section string
	User    *usermgmt.User
	// Imp is the impersonation under way, nil for the user's own login.
	Imp      *impersonation.Impersonation
	Back     string
	Flash    string
	Error    string
	Problems []string
	Data     any
}

func (s *server) render(w http.ResponseWriter, r *http.Request, name string, status int, p *page) {
	p.Back = s.back
	var buf bytes.Buffer
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "front: template", "name", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string, problems ...string) {
	p := &page{Title: "Something is wrong", Error: msg, Problems: problems}
	if a, ok := r.Context().Value(accountKey{}).(*account); ok {
		p.User, p.Imp = a.user, a.imp
	}
	s.render(w, r, "error", status, p)
}

// explain turns a library error into a status and sentences for the
// person at the screen; unexpected errors are logged and described
// generically.
func (s *server) explain(ctx context.Context, err error) (int, string, []string) {
	var verr *usermgmt.ValidationError
	switch {
	case errors.As(err, &verr):
		var out []string
		for _, f := range verr.Fields {
			out = append(out, strings.ReplaceAll(f.Field, "_", " ")+": "+f.Message)
		}
		return http.StatusUnprocessableEntity, "Some fields need another value.", out
	case errors.Is(err, usermgmt.ErrUnderImpersonation):
		return http.StatusForbidden, "Only the user may do this: it is refused under an impersonation.", nil
	case errors.Is(err, impersonation.ErrReadOnly):
		return http.StatusForbidden, "This impersonation is read only: nothing can be changed. Start a full one from the back office to edit.", nil
	case errors.Is(err, usermgmt.ErrForbidden):
		return http.StatusForbidden, "You are not allowed to do this.", nil
	case errors.Is(err, usermgmt.ErrStaleVersion):
		return http.StatusConflict, "This changed meanwhile. Reload the page and try again.", nil
	case errors.Is(err, usermgmt.ErrEmailTaken):
		return http.StatusConflict, "Another account already uses this email address.", nil
	case errors.Is(err, usermgmt.ErrNoBankKey):
		return http.StatusServiceUnavailable, "Bank details cannot be stored on this server: it has no bank key configured.", nil
	case errors.Is(err, usermgmt.ErrNotFound):
		return http.StatusNotFound, "This account does not exist any more.", nil
	}
	s.log.ErrorContext(ctx, "front: unexpected error", "err", err)
	return http.StatusInternalServerError, "Something went wrong on our side. Try again later.", nil
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg, problems := s.explain(r.Context(), err)
	s.renderError(w, r, status, msg, problems...)
}
