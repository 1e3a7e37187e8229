package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// errUnauthenticated: no valid credentials.
var errUnauthenticated = errors.New("authentication required")

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// operator authenticates a back-office request: a live operator session
// of an active operator, read in one statement with its roles. Permissions are checked by the library call the
// handler makes, never here. A database failure is returned as it is (a
// 503), never as "unauthenticated", so that a browser is not logged out
// by an outage.
func (a *API) operator(r *http.Request) (*usermgmt.Operator, error) {
	op, err := a.users.ResolveOperatorSession(r.Context(), a.db, bearer(r))
	if err != nil {
		return nil, authError(err)
	}
	return op, nil
}

// authError is err of an operator session's resolution as the API
// answers it: an invalid session, or one of a deactivated operator, is
// errUnauthenticated; anything else stays as it is.
func authError(err error) error {
	if errors.Is(err, usermgmt.ErrSessionInvalid) || errors.Is(err, usermgmt.ErrLoginRefused) {
		return errUnauthenticated
	}
	return err
}

// Me is the user a front-office request acts as, and who impersonates
// them when the request carries an impersonation token.
type Me struct {
	User *usermgmt.User
	// Impersonation is nil for the user's own session.
	Impersonation *impersonation.Impersonation
}

// isImpersonationToken tells an impersonation token (PASETO v4.public)
// from a session token (base64url, no dots).
func isImpersonationToken(tok string) bool { return strings.HasPrefix(tok, "v4.") }

// me authenticates a front-office request: an impersonation token
// (verified, the impersonation put in the returned request's context, and
// a read-only scope refused on anything but GET and HEAD) or a user
// session of a user whose status still allows logging in.
func (a *API) me(r *http.Request) (*Me, *http.Request, error) {
	ctx := r.Context()
	tok := bearer(r)
	if isImpersonationToken(tok) {
		if a.imp == nil {
			return nil, r, errUnauthenticated
		}
		imp, err := a.imp.Verify(ctx, a.db, tok)
		if err != nil {
			return nil, r, err
		}
		if imp.ReadOnly() && r.Method != http.MethodGet && r.Method != http.MethodHead {
			return nil, r, impersonation.ErrReadOnly
		}
		r = r.WithContext(impersonation.NewContext(ctx, imp))
		u, err := a.users.GetOwnUser(r.Context(), a.db, imp.UserID)
		if err != nil {
			return nil, r, err
		}
		return &Me{User: u, Impersonation: imp}, r, nil
	}
	id, err := a.users.ResolveSession(ctx, a.db, usermgmt.UserSession, tok)
	if errors.Is(err, usermgmt.ErrSessionInvalid) {
		return nil, r, errUnauthenticated
	}
	if err != nil {
		return nil, r, err
	}
	u, err := a.users.GetOwnUser(ctx, a.db, id)
	if errors.Is(err, usermgmt.ErrNotFound) {
		return nil, r, errUnauthenticated
	}
	if err != nil {
		return nil, r, err
	}
	return &Me{User: u}, r, nil
}

// userID reads the {uid} path value of a back-office route about a user.
func userID(r *http.Request) (uuid.UUID, error) { return pathUUID(r, "uid") }
