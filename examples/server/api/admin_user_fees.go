package api

import (
	"net/http"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) userFeesGet(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	f, err := a.users.GetUserFees(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

func (a *API) userFeesPut(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var o fees.Override
	if err := decodeJSON(r, &o); err != nil {
		return err
	}
	f, err := a.users.SetUserFees(r.Context(), a.db, op.ID, id, o)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

// userFeesPreview quotes a sample price with the user's effective fees.
func (a *API) userFeesPreview(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	f, err := a.users.GetUserFees(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	currency := r.URL.Query().Get("currency")
	if currency == "" {
		currency = f.Schedule.Currency
	}
	price, err := fees.ParsePrice(r.URL.Query().Get("price"), currency)
	if err != nil {
		return err
	}
	q, err := fees.Calculator{}.Quote(f.Schedule, price)
	if err != nil {
		return err
	}
	resp, err := quoteResponse(q, f.Schedule, f.Mode)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}
