package api

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

type verificationsRequest struct {
	Version int64 `json:"version"`
	usermgmt.VerificationUpdate
}

// userVerifications sets the verification flags, guarded by the version.
func (a *API) userVerifications(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req verificationsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var v *usermgmt.Verifications
	version, err := a.versioned(r, op, usermgmt.PermEditVerifications, id, req.Version, func(ctx context.Context, tx bun.Tx) error {
		v, err = a.users.SetVerifications(ctx, tx, op.ID, id, req.VerificationUpdate)
		return err
	})
	if err != nil {
		return err
	}
	etag(w, version)
	return writeJSON(w, http.StatusOK, struct {
		*usermgmt.Verifications
		Version int64 `json:"version"`
	}{v, version})
}
