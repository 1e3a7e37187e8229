package api

import (
	"net/http"
)

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// mePassword lets the user replace their password (which clears a
// temporary one an operator set). Never under an impersonation, whatever
// its scope (the library refuses it: ErrUnderImpersonation).
// Guesses of the current password are throttled like logins.
func (a *API) mePassword(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req passwordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	return a.throttled(w, r, "password:"+me.User.ID.String(), func() error {
		if err := a.users.ChangeOwnPassword(r.Context(), a.db, me.User.ID, req.CurrentPassword, req.NewPassword); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
