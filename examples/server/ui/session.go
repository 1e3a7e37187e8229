package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/userdesk/userdesk/usermgmt"
)

// cookieName holds the operator's usermgmt session token.
const cookieName = "userdesk_admin"

// operatorKey carries the logged-in operator in the request context.
type operatorKey struct{}

// operatorCtx is the logged-in operator and their session token.
type operatorCtx struct {
	op    *usermgmt.Operator
	token string
}

func fromContext(ctx context.Context) operatorCtx {
	oc, _ := ctx.Value(operatorKey{}).(operatorCtx)
	return oc
}

// authed resolves the session cookie; without a live session of an
// active operator the browser is sent to the login page, back here after.
func (s *server) authed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err == nil && c.Value != "" {
			// One statement for the session, the operator and its roles;
			// the operator then rides in the context, so the library's
			// permission checks during this request read nothing more.
			op, err := s.users.ResolveOperatorSession(r.Context(), s.db, c.Value)
			if err == nil {
				ctx := s.users.WithOperator(r.Context(), op)
				h(w, r.WithContext(context.WithValue(ctx, operatorKey{}, operatorCtx{op: op, token: c.Value})))
				return
			}
			if !errors.Is(err, usermgmt.ErrSessionInvalid) && !errors.Is(err, usermgmt.ErrLoginRefused) {
				s.fail(w, r, err)
				return
			}
		}
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			next = s.base + "/users"
		}
		http.Redirect(w, r, s.base+"/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	})
}

type loginData struct {
	Email string
	Next  string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", http.StatusOK, &page{Title: "Sign in", Data: loginData{Next: s.safeNext(r.URL.Query().Get("next"))}})
}

// safeNext keeps a post-login destination only when it is a path of the
// back office itself (no open redirect).
func (s *server) safeNext(next string) string {
	if strings.HasPrefix(next, s.base+"/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return s.base + "/users"
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	next := s.safeNext(r.PostFormValue("next"))
	op, err := s.users.AuthenticateOperator(r.Context(), s.db, email, password)
	if err != nil {
		msg := ""
		switch {
		case errors.Is(err, usermgmt.ErrInvalidCredentials):
			msg = "The email or the password is wrong."
		case errors.Is(err, usermgmt.ErrLoginRefused):
			msg = "This operator account is deactivated."
		default:
			s.fail(w, r, err)
			return
		}
		s.render(w, r, "login", http.StatusUnauthorized, &page{Title: "Sign in", Error: msg, Data: loginData{Email: email, Next: next}})
		return
	}
	token, _, err := s.users.StartSession(r.Context(), s.db, usermgmt.OperatorSession, op.ID, sessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A browser-session cookie: the server-side session's expiry decides,
	// and closing the browser forgets the token.
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: s.base + "/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	if err := s.users.EndSession(r.Context(), s.db, oc.token); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: s.base + "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, s.base+"/login", http.StatusSeeOther)
}
