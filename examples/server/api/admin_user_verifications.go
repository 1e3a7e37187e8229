package api

import (
	"context"
	"net/http"

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
	version, err := a.versioned(r, req.Version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		v, err = a.users.SetVerifications(ctx, a.db, op.ID, id, req.VerificationUpdate, guard)
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
