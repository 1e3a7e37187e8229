package api

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

type categoriesRequest struct {
	Version     int64       `json:"version"`
	CategoryIDs []uuid.UUID `json:"category_ids"`
}

// userCategories replaces the user's categories, guarded by the version.
func (a *API) userCategories(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req categoriesRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.CategoryIDs == nil {
		return usermgmt.Invalid("category_ids", "required", "is required: a list, empty to clear")
	}
	var cs []usermgmt.Category
	version, err := a.versioned(r, req.Version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		cs, err = a.users.SetUserCategories(ctx, a.db, op.ID, id, req.CategoryIDs, guard)
		return err
	})
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []usermgmt.Category{}
	}
	etag(w, version)
	return writeJSON(w, http.StatusOK, map[string]any{"categories": cs, "version": version})
}
