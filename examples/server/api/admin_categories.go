package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) categoriesList(w http.ResponseWriter, r *http.Request, _ *usermgmt.Operator) error {
	cs, err := a.users.ListCategories(r.Context(), a.db)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []usermgmt.Category{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": cs})
}

type categoryRequest struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (a *API) categoryCreate(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	var req categoryRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := a.users.CreateCategory(r.Context(), a.db, op.ID, req.Slug, req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}
