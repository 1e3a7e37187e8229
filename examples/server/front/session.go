package front

import (
	"context"
	"errors"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// accountKey carries the signed-in account in the request context.
type accountKey struct{}

// account is whose pages these are: the user, and the impersonation
// under way when an operator is looking.
type account struct {
	user *usermgmt.User
	imp  *impersonation.Impersonation
}

func (a *account) page(title, section string) *page {
	return &page{Title: title, Section: section, User: a.user, Imp: a.imp}
}

// landingPath is the page a landing opens.
func landingPath(l impersonation.Landing) string {
	switch l {
	case impersonation.LandingPresentation:
		return BasePath + "/presentation"
	case impersonation.LandingIdentity:
		return BasePath + "/identity"
	case impersonation.LandingBankAccount:
		return BasePath + "/bank-account"
	}
	return BasePath + "/"
}

// cookie is a browser-session cookie of the front office (the server
// side decides expiry: the session's, the token's); an empty value
// deletes it.
func (s *server) cookie(r *http.Request, name, value string) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: BasePath + "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}

// authed serves h with the signed-in account: the impersonation the
// cookie carries (verified by the library's middleware on every request),
// else the user's own session; else the login page.
func (s *server) authed(h func(http.ResponseWriter, *http.Request, *account)) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if imp, ok := impersonation.FromContext(ctx); ok {
			u, err := s.users.GetOwnUser(ctx, s.db, imp.UserID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			a := &account{user: u, imp: imp}
			h(w, r.WithContext(context.WithValue(ctx, accountKey{}, a)), a)
			return
		}
		if c, err := r.Cookie(userCookie); err == nil && c.Value != "" {
			id, err := s.users.ResolveSession(ctx, s.db, usermgmt.UserSession, c.Value)
			if err == nil {
				u, err := s.users.GetOwnUser(ctx, s.db, id)
				if err == nil {
					a := &account{user: u}
					h(w, r.WithContext(context.WithValue(ctx, accountKey{}, a)), a)
					return
				}
				if !errors.Is(err, usermgmt.ErrNotFound) {
					s.fail(w, r, err)
					return
				}
			} else if !errors.Is(err, usermgmt.ErrSessionInvalid) && !errors.Is(err, usermgmt.ErrLoginRefused) {
				s.fail(w, r, err)
				return
			}
		}
		http.Redirect(w, r, BasePath+"/login", http.StatusSeeOther)
	})
	if s.imp == nil {
		return inner
	}
	return s.imp.Middleware(s.db, impersonation.MiddlewareConfig{Cookie: impersonationCookie, Optional: true,
		OnError: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			switch {
			case errors.Is(err, impersonation.ErrReadOnly):
				// Say it under the banner: the token was valid, so read
				// the impersonation and the user again for the page.
				status, msg, _ := s.explain(r.Context(), err)
				p := &page{Title: "Read-only impersonation", Error: msg}
				if c, cerr := r.Cookie(impersonationCookie); cerr == nil {
					if imp, verr := s.imp.Verify(r.Context(), s.db, c.Value); verr == nil {
						ctx := impersonation.NewContext(r.Context(), imp)
						if u, uerr := s.users.GetOwnUser(ctx, s.db, imp.UserID); uerr == nil {
							p.User, p.Imp = u, imp
						}
					}
				}
				s.render(w, r, "error", status, p)
			case errors.Is(err, impersonation.ErrInvalidToken):
				http.SetCookie(w, s.cookie(r, impersonationCookie, ""))
				s.render(w, r, "ended", http.StatusUnauthorized, &page{Title: "Impersonation ended",
					Error: "This impersonation has ended: it expired, was revoked, or the operator signed out of the back office."})
			default:
				s.fail(w, r, err)
			}
		}})(inner)
}

// handoff receives a token from the back office, verifies it, keeps it
// in an HttpOnly cookie and opens the page its landing names.
func (s *server) handoff(w http.ResponseWriter, r *http.Request) {
	if s.imp == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, "Impersonation is not configured on this server.")
		return
	}
	token := r.PostFormValue("token")
	imp, err := s.imp.Verify(r.Context(), s.db, token)
	if errors.Is(err, impersonation.ErrInvalidToken) {
		s.renderError(w, r, http.StatusUnauthorized, "This impersonation cannot be opened: it expired, was revoked, or is not valid here. Start it again from the back office.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(r, impersonationCookie, token))
	http.Redirect(w, r, landingPath(imp.Landing), http.StatusSeeOther)
}

// endImpersonation revokes the impersonation's token, forgets it and
// links back to the user in the back office.
func (s *server) endImpersonation(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Impersonation ended"}
	c, err := r.Cookie(impersonationCookie)
	if err == nil && c.Value != "" && s.imp != nil {
		imp, verr := s.imp.Verify(r.Context(), s.db, c.Value)
		if verr == nil {
			if _, err := s.imp.Revoke(r.Context(), s.db, imp.OperatorID, imp.TokenID, "ended from the front office"); err != nil {
				s.fail(w, r, err)
				return
			}
			p.Data = imp.UserID.String()
		} else if !errors.Is(verr, impersonation.ErrInvalidToken) {
			s.fail(w, r, verr)
			return
		}
	}
	http.SetCookie(w, s.cookie(r, impersonationCookie, ""))
	p.Flash = "The impersonation has ended."
	s.render(w, r, "ended", http.StatusOK, p)
}

type loginData struct{ Email string }

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", http.StatusOK, &page{Title: "Sign in", Data: loginData{}})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	u, err := s.users.Authenticate(r.Context(), s.db, email, r.PostFormValue("password"))
	if err != nil {
		msg := ""
		switch {
		case errors.Is(err, usermgmt.ErrInvalidCredentials):
			msg = "The email or the password is wrong."
		case errors.Is(err, usermgmt.ErrLoginRefused):
			msg = "This account may not sign in at the moment."
		default:
			s.fail(w, r, err)
			return
		}
		s.render(w, r, "login", http.StatusUnauthorized, &page{Title: "Sign in", Error: msg, Data: loginData{Email: email}})
		return
	}
	token, _, err := s.users.StartSession(r.Context(), s.db, usermgmt.UserSession, u.ID, s.ttl)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(r, userCookie, token))
	http.Redirect(w, r, BasePath+"/", http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(userCookie); err == nil && c.Value != "" {
		if err := s.users.EndSession(r.Context(), s.db, c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.cookie(r, userCookie, ""))
	http.Redirect(w, r, BasePath+"/login", http.StatusSeeOther)
}
