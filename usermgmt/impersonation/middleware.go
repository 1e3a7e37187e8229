package impersonation

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/uptrace/bun"
)

// MiddlewareConfig says where the middleware finds the token and what it
// does without one. Every field's zero value is a working default.
type MiddlewareConfig struct {
	// Header carries the token. Empty means "Authorization", read as
	// "Bearer <token>" (another scheme there counts as no token); any
	// other header holds the token alone. A host whose own sessions use
	// Authorization: Bearer names a header of its own here.
	Header string
	// Cookie, when set, names the cookie read when the header carries no
	// token. Cookies ride along with cross-site requests: give it
	// SameSite=Strict (or Lax with read-only scope).
	Cookie string
	// Optional lets a request without a token through unimpersonated, for
	// a middleware mounted on the whole front office. False, the default,
	// refuses it with 401. A token that is present is always verified:
	// an invalid one is refused, never ignored.
	Optional bool
	// OnError writes refusals. Nil writes a JSON body {"error": code},
	// with code "impersonation_required" (401), "invalid_token" (401,
	// plus "check": the failed Check), "read_only_impersonation" (403) or
	// "internal_error" (500, for a database failure).
	OnError func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// safeMethods are the methods a read-only impersonation may use. Anything
// else, unknown methods included, counts as mutating.
var safeMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true}

// Middleware returns an http.Handler middleware that verifies the
// request's impersonation token (see Verify) against db and serves the
// request with the impersonation in its context: read it with
// FromContext, UserID (the effective user) and OperatorID (the acting
// operator). Under ScopeReadOnly it refuses every method but GET, HEAD
// and OPTIONS with 403 (ErrReadOnly). A missing token is refused with 401
// (ErrNoToken) unless cfg.Optional; an invalid one with 401 (the
// *VerifyError); a database failure with 500.
func (s *Service) Middleware(db bun.IDB, cfg MiddlewareConfig) func(http.Handler) http.Handler {
	fail := cfg.OnError
	if fail == nil {
		fail = writeError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := tokenOf(r, cfg)
			if token == "" {
				if cfg.Optional {
					next.ServeHTTP(w, r)
					return
				}
				fail(w, r, http.StatusUnauthorized, ErrNoToken)
				return
			}
			imp, err := s.Verify(r.Context(), db, token)
			var verr *VerifyError
			switch {
			case errors.As(err, &verr):
				fail(w, r, http.StatusUnauthorized, err)
				return
			case err != nil:
				s.log.ErrorContext(r.Context(), "impersonation: verify", "err", err)
				fail(w, r, http.StatusInternalServerError, err)
				return
			}
			if imp.ReadOnly() && !safeMethods[r.Method] {
				fail(w, r, http.StatusForbidden, ErrReadOnly)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), imp)))
		})
	}
}

// tokenOf returns the token the request carries where cfg says, or "".
func tokenOf(r *http.Request, cfg MiddlewareConfig) string {
	if cfg.Header == "" || http.CanonicalHeaderKey(cfg.Header) == "Authorization" {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			if token = strings.TrimSpace(token); token != "" {
				return token
			}
		}
	} else if token := strings.TrimSpace(r.Header.Get(cfg.Header)); token != "" {
		return token
	}
	if cfg.Cookie != "" {
		if c, err := r.Cookie(cfg.Cookie); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// writeError is the default refusal: a small JSON body with a stable code,
// and no internal detail.
func writeError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	body := map[string]string{}
	var verr *VerifyError
	switch {
	case errors.As(err, &verr):
		body["error"], body["check"] = "invalid_token", string(verr.Check)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case errors.Is(err, ErrNoToken):
		body["error"] = "impersonation_required"
		w.Header().Set("WWW-Authenticate", "Bearer")
	case errors.Is(err, ErrReadOnly):
		body["error"] = "read_only_impersonation"
	default:
		body["error"] = "internal_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
