package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// meGuests lists the user's own guests.
func (a *API) meGuests(w http.ResponseWriter, r *http.Request, me *Me) error {
	gs, err := a.users.ListOwnGuests(r.Context(), a.db, me.User.ID)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []usermgmt.Guest{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": gs})
}

// invitationResponse is a new invitation. The reference server answers
// the invitation token so that the flow can be tried without mail; a host
// sends it to the guest's address instead and answers the guest only.
type invitationResponse struct {
	usermgmt.Guest
	InvitationToken string `json:"invitation_token"`
}

// meGuestInvite invites a guest to help with the user's account. Never
// under an impersonation: an operator must not give themself a way into
// the account.
func (a *API) meGuestInvite(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req usermgmt.GuestInvite
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	g, token, err := a.users.InviteGuest(r.Context(), a.db, me.User.ID, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, invitationResponse{Guest: *g, InvitationToken: token})
}

type acceptRequest struct {
	Token string `json:"token"`
}

// meInvitationAccept links the calling user's account to the invitation
// the token names; the account's email must be the invited one.
func (a *API) meInvitationAccept(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req acceptRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := usermgmt.CheckText("token", req.Token); err != nil {
		return err
	}
	g, err := a.users.AcceptInvitation(r.Context(), a.db, req.Token, me.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}
