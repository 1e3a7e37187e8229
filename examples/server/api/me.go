package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

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

// view is me as the front office shows it.
func (me *Me) view() meView {
	v := meView{User: me.User}
	if imp := me.Impersonation; imp != nil {
		v.ImpersonatedBy = &impersonator{OperatorID: imp.OperatorID, TokenID: imp.TokenID, Scope: string(imp.Scope), Landing: string(imp.Landing), Reason: imp.Reason}
	}
	s := me.User.Status
	v.Capabilities = map[string]bool{
		"log_in": s.Allows(usermgmt.CanLogIn), "profile_visible": s.Allows(usermgmt.CanBeSeen),
		"book": s.Allows(usermgmt.CanBook), "contact": s.Allows(usermgmt.CanContact),
	}
	return v
}

func (a *API) meGet(w http.ResponseWriter, r *http.Request, me *Me) error {
	etag(w, me.User.Version)
	return writeJSON(w, http.StatusOK, me.view())
}

func (a *API) mePatch(w http.ResponseWriter, r *http.Request, me *Me) error {
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
	etag(w, u.Version)
	return writeJSON(w, http.StatusOK, me.view())
}
