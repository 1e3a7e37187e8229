package main

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// The front-office part of the reference server stands in for the host's
// own user-facing API and dashboard, so that registration, login and
// impersonation can be tried end to end.

func (a *app) register(w http.ResponseWriter, r *http.Request) error {
	var reg usermgmt.Registration
	if err := decodeJSON(r, &reg); err != nil {
		return err
	}
	u, err := a.users.Register(r.Context(), a.db, reg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, meView{User: u})
}

// login opens a user session, honouring the status policy (Invalidated
// users are refused, In review users may log in).
func (a *app) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var u *usermgmt.User
	_, err := a.limitLogin(w, r, "user", req.Email, func() (uuid.UUID, error) {
		var err error
		u, err = a.users.Authenticate(r.Context(), a.db, req.Email, req.Password)
		if err != nil {
			return uuid.Nil, err
		}
		return u.ID, nil
	})
	if err != nil {
		return err
	}
	token, exp, err := a.users.StartSession(r.Context(), a.db, usermgmt.UserSession, u.ID, a.cfg.sessionTTL)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionResponse{Token: token, ExpiresAt: exp, User: meView{User: u}})
}

// meView is the user's own view of their account, and who impersonates
// them when a request carries an impersonation token.
type meView struct {
	*usermgmt.User
	Capabilities   map[string]bool `json:"capabilities"`
	ImpersonatedBy *impersonator   `json:"impersonated_by,omitempty"`
}

type impersonator struct {
	OperatorID uuid.UUID `json:"operator_id"`
	TokenID    uuid.UUID `json:"token_id"`
	Scope      string    `json:"scope"`
	Landing    string    `json:"landing,omitempty"`
	Reason     string    `json:"reason"`
}

func (v meView) withCapabilities() meView {
	s := v.User.Status
	v.Capabilities = map[string]bool{
		"log_in": s.Allows(usermgmt.CanLogIn), "profile_visible": s.Allows(usermgmt.CanBeSeen),
		"book": s.Allows(usermgmt.CanBook), "contact": s.Allows(usermgmt.CanContact),
	}
	return v
}

func (a *app) meGet(w http.ResponseWriter, r *http.Request) error {
	me, err := a.me(w, r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, me.withCapabilities())
}

func (a *app) mePatch(w http.ResponseWriter, r *http.Request) error {
	me, err := a.me(w, r)
	if err != nil {
		return err
	}
	var upd usermgmt.UserUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &upd.Version); err != nil {
		return err
	}
	u, err := a.users.UpdateOwnProfile(r.Context(), a.db, me.User.ID, upd)
	if err != nil {
		return err
	}
	me.User = u
	return writeJSON(w, http.StatusOK, me.withCapabilities())
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// mePassword lets the user replace their password (which clears a
// temporary one an operator set). Never under an impersonation, whatever
// its scope: an operator must not choose a user's password that way.
func (a *app) mePassword(w http.ResponseWriter, r *http.Request) error {
	me, err := a.me(w, r)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.users.ChangeOwnPassword(r.Context(), a.db, me.User.ID, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
