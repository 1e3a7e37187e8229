package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// settingsGet shows the platform settings to any signed-in operator: they
// hold no personal data.
func (a *API) settingsGet(w http.ResponseWriter, r *http.Request, _ *usermgmt.Operator) error {
	s, err := usermgmt.GetSettings(r.Context(), a.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (a *API) settingsPut(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
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
