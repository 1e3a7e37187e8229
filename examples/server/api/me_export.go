package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// ownExport is the user's own data export: usermgmt's part and, when the
// activity area is on, usermgmt/activity's (reservations, events, devices;
// never push tokens).
type ownExport struct {
	*usermgmt.OwnData
	Activity *activity.OwnExport `json:"activity"`
}

// meExport downloads the user's own data as one JSON document. The
// library decides what is in it and refuses it under an impersonation
// (403 forbidden_under_impersonation).
func (a *API) meExport(w http.ResponseWriter, r *http.Request, me *Me) error {
	own, err := a.users.ExportOwnData(r.Context(), a.db, me.User.ID)
	if err != nil {
		return err
	}
	out := ownExport{OwnData: own}
	if a.activity != nil {
		if out.Activity, err = a.activity.ExportOwnActivity(r.Context(), a.db, me.User.ID); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Disposition", `attachment; filename="my-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, out)
}
