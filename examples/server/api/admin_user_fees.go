package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// userFeesResponse is the fee card with the user's version, which the
// next edit gives back.
type userFeesResponse struct {
	*usermgmt.UserFees
	Version int64 `json:"version"`
}

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
	// The body is the override's own JSON object plus "version": the
	// override refuses keys it does not know, so version is taken out
	// first.
	var body map[string]json.RawMessage
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	var version int64
	if raw, ok := body["version"]; ok {
		if err := json.Unmarshal(raw, &version); err != nil {
			return usermgmt.Invalid("version", "integer", "must be the version number you read")
		}
		delete(body, "version")
	}
	rest, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var o fees.Override
	if err := json.Unmarshal(rest, &o); err != nil {
		return jsonProblem(err)
	}
	var f *usermgmt.UserFees
	version, err = a.versioned(r, version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		f, err = a.users.SetUserFees(ctx, a.db, op.ID, id, o, guard)
		return err
	})
	if err != nil {
		return err
	}
	etag(w, version)
	return writeJSON(w, http.StatusOK, userFeesResponse{UserFees: f, Version: version})
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
