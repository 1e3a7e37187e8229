package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// userPassword sets a user's password (temporary unless said otherwise).
func (a *API) userPassword(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req usermgmt.PasswordChange
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.users.SetPassword(r.Context(), a.db, op.ID, id, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
