package api

import (
	"context"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

type statusRequest struct {
	Version int64           `json:"version"`
	Status  usermgmt.Status `json:"status"`
	Reason  string          `json:"reason"`
}

// userStatus changes the user's status, guarded by the version.
func (a *API) userStatus(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var u *usermgmt.User
	version, err := a.versioned(r, req.Version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		u, err = a.users.ChangeStatus(ctx, a.db, op.ID, id, req.Status, req.Reason, guard)
		return err
	})
	if err != nil {
		return err
	}
	etag(w, version)
	return writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "status": u.Status, "version": version})
}
