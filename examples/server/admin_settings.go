package main

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// settingsGet shows the platform settings to any signed-in operator: they
// hold no personal data.
func (a *app) settingsGet(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.operator(r); err != nil {
		return err
	}
	s, err := usermgmt.GetSettings(r.Context(), a.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (a *app) settingsPut(w http.ResponseWriter, r *http.Request) error {
	op, err := a.operator(r)
	if err != nil {
		return err
	}
	var upd usermgmt.SettingsUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &upd.Version); err != nil {
		return err
	}
	s, err := a.users.UpdateSettings(r.Context(), a.db, op.ID, upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (a *app) categoriesList(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.operator(r); err != nil {
		return err
	}
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

func (a *app) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	op, err := a.operator(r)
	if err != nil {
		return err
	}
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
