package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// meView is the user's own view of their account, and who impersonates
// them when a request carries an impersonation token.
type meView struct {
	*usermgmt.User
	Capabilities   map[string]bool `json:"capabilities"`
	ImpersonatedBy *impersonator   `json:"impersonated_by,omitempty"`
	// PendingEmail is the address a PATCH asked to change to: it becomes
	// the account's once the link sent to it is used.
	PendingEmail string `json:"pending_email,omitempty"`
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
	// A new email goes through verification.RequestEmailChange: the
	// account keeps its address until the link sent to the new one is
	// used, and the answer does not tell whether that address is taken.
	var newEmail string
	if upd.Email != nil {
		if usermgmt.NormalizeEmail(*upd.Email) != usermgmt.NormalizeEmail(me.User.Email) {
			newEmail = *upd.Email
		}
		upd.Email = nil
	}
	rest := upd
	rest.Version = 0
	err := a.db.RunInTx(r.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		if rest != (usermgmt.UserUpdate{}) || newEmail == "" {
			u, err := a.users.UpdateOwnProfile(ctx, tx, me.User.ID, upd)
			if err != nil {
				return err
			}
			me.User = u
		}
		if newEmail != "" {
			return a.verification.RequestEmailChange(ctx, tx, me.User.ID, newEmail, a.client(r))
		}
		return nil
	})
	if err != nil {
		return err
	}
	etag(w, me.User.Version)
	v := me.view()
	if newEmail != "" {
		v.PendingEmail = strings.TrimSpace(newEmail)
	}
	return writeJSON(w, http.StatusOK, v)
}
