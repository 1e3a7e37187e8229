package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// userBankAccount shows the bank account masked, or in clear with
// ?reveal=true for an operator who may read personal data (audited).
func (a *API) userBankAccount(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	reveal := r.URL.Query().Get("reveal") == "true"
	b, err := a.users.GetBankAccount(r.Context(), a.db, op.ID, id, reveal)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}
