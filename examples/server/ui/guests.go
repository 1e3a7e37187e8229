package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// guestRoles are the roles a guest invitation can grant, in the order
// the form shows them.
var guestRoles = []usermgmt.GuestRole{usermgmt.GuestManageListings, usermgmt.GuestManageBookings,
	usermgmt.GuestManageMessages, usermgmt.GuestViewPayouts}

// userGuest edits an invitation from the guest card's pen: its email
// (empty keeps it) and its roles. A changed email of a pending invitation
// gets a new token, which Config.OnInvitationToken sends.
func (s *server) userGuest(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	guestID, err := uuid.Parse(r.PathValue("guest"))
	if err != nil {
		s.fail(w, r, usermgmt.ErrNotFound)
		return
	}
	_ = r.ParseForm()
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	upd := usermgmt.GuestUpdate{Version: version}
	if e := strings.TrimSpace(r.PostFormValue("email")); e != "" {
		upd.Email = &e
	}
	roles := []usermgmt.GuestRole{}
	for _, v := range r.PostForm["role"] {
		roles = append(roles, usermgmt.GuestRole(v))
	}
	upd.Roles = &roles
	g, token, err := s.users.UpdateGuest(r.Context(), s.db, oc.op.ID, id, guestID, upd)
	if err != nil {
		s.cardFail(w, r, id, "guests", err, nil)
		return
	}
	if token != "" {
		if s.onToken != nil {
			if err := s.onToken(r.Context(), g, token); err != nil {
				s.cardFail(w, r, id, "guests", err, nil)
				return
			}
		} else {
			s.log.WarnContext(r.Context(), "ui: a guest invitation got a new token but no Config.OnInvitationToken sends it", "guest", g.ID)
		}
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=guest#guests", http.StatusSeeOther)
}
