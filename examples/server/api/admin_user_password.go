package api

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

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
	version, err := a.versioned(r, op, usermgmt.PermSetPassword, id, req.Version, func(ctx context.Context, tx bun.Tx) error {
		return a.users.SetPassword(ctx, tx, op.ID, id, req.PasswordChange)
	})
	if err != nil {
		return err
	}
	etag(w, version)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
