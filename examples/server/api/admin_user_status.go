package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

type statusRequest struct {
	Status usermgmt.Status `json:"status"`
	Reason string          `json:"reason"`
}

func (a *API) userStatus(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u, err := a.users.ChangeStatus(r.Context(), a.db, op.ID, id, req.Status, req.Reason)
	if err != nil {
		return err
	}
	etag(w, u.Version)
	return writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "status": u.Status, "version": u.Version})
}
