package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// login opens a user session, honouring the status policy (Invalidated
// users are refused, In review users may log in).
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var u *usermgmt.User
	err := a.throttled(w, r, "user:"+normalizeEmail(req.Email), func() error {
		var err error
		u, err = a.users.Authenticate(r.Context(), a.db, req.Email, req.Password)
		return err
	})
	if err != nil {
		return err
	}
	token, exp, err := a.users.StartSession(r.Context(), a.db, usermgmt.UserSession, u.ID, a.ttl)
	if err != nil {
		return err
	}
	a.autoLink(r, u.ID)
	return writeJSON(w, http.StatusOK, sessionResponse{Token: token, ExpiresAt: exp, User: meView{User: u}})
}
