package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// userPublicProfile shows the public profile as other users see it: hidden
// (404 profile_hidden) when the status policy hides it. The operator must
// be allowed to read the user at all.
func (a *API) userPublicProfile(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if _, err := a.users.GetUser(r.Context(), a.db, op.ID, id); err != nil {
		return err
	}
	p, err := a.users.GetPublicProfile(r.Context(), a.db, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}
