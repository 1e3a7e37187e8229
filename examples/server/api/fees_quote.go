package api

import (
	"encoding/json"
	"net/http"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// quoteRequest is the body of POST /v1/fees/quote. Price is a decimal
// string; an absent or null override field means "platform standard" and
// "0" means "no fee".
type quoteRequest struct {
	Price    *string        `json:"price"`
	Currency string         `json:"currency"`
	Override *fees.Override `json:"override"`
}

// quoteResponse is the quote's own JSON object (fees.Quote marshals
// itself, amounts as decimal strings) with two more keys: the schedule it
// used and whether that is the platform standard or customized.
func quoteResponse(q fees.Quote, schedule fees.Schedule, mode fees.Mode) (map[string]any, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	out["schedule"] = schedule
	out["fees"] = mode
	return out, nil
}

func (a *API) feesQuote(w http.ResponseWriter, r *http.Request) error {
	var req quoteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Price == nil {
		return &badRequest{code: "validation_failed", detail: "price is required", fields: []fieldProblem{{Name: "price", Reason: "required: a decimal string such as \"100\""}}}
	}
	price, err := fees.ParsePrice(*req.Price, req.Currency)
	if err != nil {
		return err
	}
	settings, err := usermgmt.GetSettings(r.Context(), a.db)
	if err != nil {
		return err
	}
	var override fees.Override
	if req.Override != nil {
		override = *req.Override
	}
	schedule, mode, err := fees.Resolve(settings.StandardFees(), override)
	if err != nil {
		return err
	}
	q, err := fees.Calculator{}.Quote(schedule, price)
	if err != nil {
		return err
	}
	resp, err := quoteResponse(q, schedule, mode)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}
