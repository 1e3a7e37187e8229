package api

import (
	"context"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

type userPasswordRequest struct {
	Version int64 `json:"version"`
	usermgmt.PasswordChange
}

// userPassword sets a user's password (temporary unless said otherwise),
// guarded by the version.
func (a *API) userPassword(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req userPasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	version, err := a.versioned(r, req.Version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		return a.users.SetPassword(ctx, a.db, op.ID, id, req.PasswordChange, guard)
	})
	if err != nil {
		return err
	}
	etag(w, version)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
