package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) userVerifications(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req usermgmt.VerificationUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	v, err := a.users.SetVerifications(r.Context(), a.db, op.ID, id, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
