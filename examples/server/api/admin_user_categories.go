package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

type categoriesRequest struct {
	CategoryIDs []uuid.UUID `json:"category_ids"`
}

func (a *API) userCategories(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req categoriesRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	cs, err := a.users.SetUserCategories(r.Context(), a.db, op.ID, id, req.CategoryIDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"categories": cs})
}
