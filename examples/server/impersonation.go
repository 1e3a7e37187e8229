package main

import (
	"crypto/ed25519"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// newImpersonation builds the impersonation service on the signing key.
func newImpersonation(users *usermgmt.Service, cfg config) (*impersonation.Service, error) {
	if cfg.signingKey == nil {
		return nil, nil
	}
	return impersonation.New(impersonation.Config{
		Users:      users,
		Audience:   cfg.audience,
		DefaultTTL: cfg.impersonationTTL,
		Keys: impersonation.KeyRing{Current: "k1", Keys: []impersonation.Key{
			{ID: "k1", Private: ed25519.NewKeyFromSeed(cfg.signingKey)},
		}},
	})
}

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
func (a *app) impersonate(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var req impersonateRequest
	if err := decodeJSON(r, &req); err != nil {
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
		Token: iss.Token, URL: strings.TrimRight(a.cfg.audience, "/") + landingPaths[iss.Record.Landing],
		ExpiresAt: iss.Record.ExpiresAt, ID: iss.Record.ID, Scope: string(iss.Record.Scope),
	})
}

func (a *app) impersonationsList(w http.ResponseWriter, r *http.Request) error {
	op, err := a.operator(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	if a.imp == nil {
		return impersonation.ErrNoSigningKey
	}
	recs, next, err := a.imp.ListActive(r.Context(), a.db, op.ID, impersonation.ListFilter{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []impersonation.Record{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": recs, "next_cursor": next})
}

func (a *app) impersonationRevoke(w http.ResponseWriter, r *http.Request) error {
	op, err := a.operator(r)
	if err != nil {
		return err
	}
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	if a.imp == nil {
		return impersonation.ErrNoSigningKey
	}
	reason := r.URL.Query().Get("reason")
	if reason == "" {
		reason = "revoked from the back office"
	}
	if _, err := a.imp.Revoke(r.Context(), a.db, op.ID, id, reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// isImpersonationToken tells an impersonation token (PASETO v4.public)
// from a session token (base64url, no dots).
func isImpersonationToken(tok string) bool { return strings.HasPrefix(tok, "v4.public.") }

// frontOffice serves a front-office route to a user session or, when the
// bearer token is an impersonation token, through the impersonation
// middleware: it verifies the token, puts the impersonation in the
// context and refuses writes under a read-only scope.
func (a *app) frontOffice(h http.Handler) http.Handler {
	if a.imp == nil {
		return h
	}
	viaImpersonation := a.imp.Middleware(a.db, impersonation.MiddlewareConfig{
		OnError: func(w http.ResponseWriter, r *http.Request, _ int, err error) { a.writeError(w, r, err) },
	})(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isImpersonationToken(bearer(r)) {
			viaImpersonation.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// me is the user a front-office request acts as: the impersonated user
// (with who impersonates) or the session's user. A user whose status no
// longer allows logging in is refused even with a live session.
func (a *app) me(w http.ResponseWriter, r *http.Request) (meView, error) {
	ctx := r.Context()
	if imp, ok := impersonation.FromContext(ctx); ok {
		u, err := a.users.GetOwnUser(ctx, a.db, imp.UserID)
		if err != nil {
			return meView{}, err
		}
		return meView{User: u, ImpersonatedBy: &impersonator{
			OperatorID: imp.OperatorID, TokenID: imp.TokenID, Scope: string(imp.Scope), Landing: string(imp.Landing), Reason: imp.Reason,
		}}, nil
	}
	id, err := a.users.ResolveSession(ctx, a.db, usermgmt.UserSession, bearer(r))
	if err != nil {
		return meView{}, errUnauthenticated
	}
	u, err := a.users.GetOwnUser(ctx, a.db, id)
	if err != nil {
		return meView{}, errUnauthenticated
	}
	return meView{User: u}, nil
}

// meSection answers the dashboard sections the edit buttons open.
func (a *app) meSection(section string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := a.me(w, r)
		if err != nil {
			return err
		}
		u := me.User
		var body map[string]any
		switch section {
		case "presentation":
			body = map[string]any{"picture_url": u.PictureURL, "mother_tongue": u.MotherTongue, "spoken_languages": u.SpokenLanguages}
		case "identity":
			body = map[string]any{"type": u.Type, "company_name": u.CompanyName, "first_name": u.FirstName, "last_name": u.LastName,
				"date_of_birth": u.DateOfBirth, "country_of_residence": u.CountryOfResidence, "phone": u.Phone, "email": u.Email,
				"postal_address": u.PostalAddress, "location_address": u.LocationAddress}
		case "bank-account":
			b, err := a.users.GetOwnBankAccount(r.Context(), a.db, u.ID)
			if err != nil && err != usermgmt.ErrNotFound {
				return err
			}
			body = map[string]any{"bank_account": b}
		}
		body["section"] = section
		body["impersonated_by"] = me.ImpersonatedBy
		return writeJSON(w, http.StatusOK, body)
	}
}
