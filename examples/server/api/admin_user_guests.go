package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) userGuests(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	gs, err := a.users.ListGuests(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []usermgmt.Guest{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": gs})
}

func (a *API) userGuestPatch(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	owner, err := userID(r)
	if err != nil {
		return err
	}
	gid, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var upd usermgmt.GuestUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &upd.Version); err != nil {
		return err
	}
	g, token, err := a.users.UpdateGuest(r.Context(), a.db, op.ID, owner, gid, upd)
	if err != nil {
		return err
	}
	if token != "" {
		// A real host emails the new invitation link to the new address.
		a.log.InfoContext(r.Context(), "guest invitation re-issued; the host sends the link", "guest", g.ID)
	}
	return writeJSON(w, http.StatusOK, g)
}
