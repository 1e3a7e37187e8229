package api

import (
	"errors"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

type bankAccountRequest struct {
	Holder string `json:"holder"`
	IBAN   string `json:"iban"`
	BIC    string `json:"bic"`
}

// meBankAccountPut stores the user's own payout bank account, sealed, and
// answers it as the bank card shows it. Never under an impersonation:
// payout details are the user's to give.
func (a *API) meBankAccountPut(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req bankAccountRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.users.SetOwnBankAccount(r.Context(), a.db, me.User.ID, usermgmt.BankAccount{Holder: req.Holder, IBAN: req.IBAN, BIC: req.BIC}); err != nil {
		return err
	}
	b, err := a.users.GetOwnBankAccount(r.Context(), a.db, me.User.ID)
	if err != nil && !errors.Is(err, usermgmt.ErrNotFound) {
		// Stored: answer without the read-back rather than an error that
		// would make the user send it again.
		a.log.WarnContext(r.Context(), "bank account read-back", "err", err)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return writeJSON(w, http.StatusOK, map[string]any{"bank_account": b})
}
