package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	var reg usermgmt.Registration
	if err := decodeJSON(r, &reg); err != nil {
		return err
	}
	u, err := a.users.Register(r.Context(), a.db, reg)
	if err != nil {
		return err
	}
	a.autoLink(r, u.ID)
	return writeJSON(w, http.StatusCreated, meView{User: u})
}
