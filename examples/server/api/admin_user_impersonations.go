package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

type impersonateRequest struct {
	Reason  string                `json:"reason"`
	Scope   impersonation.Scope   `json:"scope"`
	Landing impersonation.Landing `json:"landing"`
}

type impersonateResponse struct {
	Token     string    `json:"token"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	ID        uuid.UUID `json:"id"`
	Scope     string    `json:"scope"`
}

// landingPaths maps the edit buttons' landing pages to the front office.
var landingPaths = map[impersonation.Landing]string{
	"":                                "/v1/me",
	impersonation.LandingPresentation: "/v1/me/presentation",
	impersonation.LandingIdentity:     "/v1/me/identity",
	impersonation.LandingBankAccount:  "/v1/me/bank-account",
}

// impersonate starts an impersonation: the token and the dashboard URL it
// opens (the token travels as "Authorization: Bearer").
func (a *API) impersonate(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req impersonateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	// The impersonation package stores the reason as it is: refuse what
	// the database cannot hold first.
	if err := usermgmt.CheckText("reason", req.Reason); err != nil {
		return err
	}
	if a.imp == nil {
		return impersonation.ErrNoSigningKey
	}
	iss, err := a.imp.Issue(r.Context(), a.db, impersonation.IssueRequest{
		OperatorID: op.ID, UserID: id, Reason: req.Reason, Scope: req.Scope, Landing: req.Landing,
		OperatorSession: bearer(r),
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, impersonateResponse{
		Token: iss.Token, URL: strings.TrimRight(a.front, "/") + landingPaths[iss.Record.Landing],
		ExpiresAt: iss.Record.ExpiresAt, ID: iss.Record.ID, Scope: string(iss.Record.Scope),
	})
}
