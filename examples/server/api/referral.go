package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

// errAreaUnavailable answers the routes of an area whose service the host
// did not configure (a nil Config field).
var errAreaUnavailable = &badRequest{status: http.StatusServiceUnavailable, code: "area_unavailable", detail: "this part of the API is not configured on this server"}

// bindReferral: the user page's referral card and the abuse-flag queue
// (package referral; the library checks every permission).
func (a *API) bindReferral(rt *router) {
	rt.operator(routeUserReferral, a.needReferral(a.userReferral))
	rt.operator(routeUserReferralEntries, a.needReferral(a.userReferralEntries))
	rt.operator(routeUserReferralCredits, a.needReferral(a.userReferralCredits))
	rt.operator(routeUserReferralStep, a.needReferral(a.userReferralStep))
	rt.operator(routeUserReferralReferrer, a.needReferral(a.userReferralReferrer))
	rt.operator(routeReferralFlags, a.needReferral(a.referralFlags))
	rt.operator(routeReferralFlagClear, a.needReferral(a.referralFlagClear))
}

func (a *API) needReferral(h operatorHandler) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
		if a.referral == nil {
			return errAreaUnavailable
		}
		return h(w, r, op)
	}
}

// userReferral answers the referral card: code, referrer, balance with
// its version, the newest ledger entries and the people referred.
func (a *API) userReferral(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	entries, err := intParam(r, "entries")
	if err != nil {
		return err
	}
	referees, err := intParam(r, "referees")
	if err != nil {
		return err
	}
	card, err := a.referral.Card(r.Context(), a.db, op.ID, id, referral.CardOptions{Entries: entries, Referees: referees})
	if err != nil {
		return err
	}
	etag(w, card.Version)
	return writeJSON(w, http.StatusOK, card)
}

// userReferralEntries answers a page of the credits ledger.
func (a *API) userReferralEntries(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	before, err := intParam(r, "before")
	if err != nil {
		return err
	}
	page, err := a.referral.Ledger(r.Context(), a.db, op.ID, id, referral.EntryPage{Limit: limit, Before: int64(before)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

type creditsSetRequest struct {
	Version        int64  `json:"version"`
	To             int64  `json:"to"`
	Reason         string `json:"reason"`
	IdempotencyKey string `json:"idempotency_key"`
}

// userReferralCredits sets the credits to a number, guarded by the
// balance's version (the body's or If-Match); a stale version is 409
// credits_version_conflict carrying the current balance.
func (a *API) userReferralCredits(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req creditsSetRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &req.Version); err != nil {
		return err
	}
	ch, err := a.referral.SetCredits(r.Context(), a.db, op.ID, id, referral.CreditSet{To: req.To, SeenVersion: req.Version, Reason: req.Reason, IdempotencyKey: idempotencyKey(r, req.IdempotencyKey)})
	if err != nil {
		return err
	}
	etag(w, ch.Version)
	return writeJSON(w, http.StatusOK, ch)
}

// userReferralStep adds or takes one credit (the card's arrows).
func (a *API) userReferralStep(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req referral.CreditStep
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	req.IdempotencyKey = idempotencyKey(r, req.IdempotencyKey)
	ch, err := a.referral.StepCredits(r.Context(), a.db, op.ID, id, req)
	if err != nil {
		return err
	}
	etag(w, ch.Version)
	return writeJSON(w, http.StatusOK, ch)
}

// idempotencyKey is the body's key, or the Idempotency-Key header.
func idempotencyKey(r *http.Request, body string) string {
	if body != "" {
		return body
	}
	return r.Header.Get("Idempotency-Key")
}

type referrerRequest struct {
	// ReferrerID is the new referrer; null removes the referrer.
	ReferrerID *uuid.UUID `json:"referrer_id"`
	Reason     string     `json:"reason"`
}

// userReferralReferrer changes or removes the user's referrer, with a
// reason.
func (a *API) userReferralReferrer(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req referrerRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := a.referral.ChangeReferrer(r.Context(), a.db, op.ID, id, req.ReferrerID, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ref)
}

// referralFlags lists abuse flags, newest first.
func (a *API) referralFlags(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	q := r.URL.Query()
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	fq := referral.FlagQuery{Status: referral.FlagStatus(q.Get("status")), Limit: limit, Cursor: q.Get("cursor")}
	if s := q.Get("referrer_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return &badRequest{code: "validation_failed", detail: "referrer_id must be a UUID", fields: []fieldProblem{{Name: "referrer_id", Reason: "must be a UUID"}}}
		}
		fq.ReferrerID = &id
	}
	page, err := a.referral.ListFlags(r.Context(), a.db, op.ID, fq)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// referralFlagClear clears an abuse flag with a reason.
func (a *API) referralFlagClear(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f, err := a.referral.ClearFlag(r.Context(), a.db, op.ID, id, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}
