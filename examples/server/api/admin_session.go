package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type operatorView struct {
	ID          uuid.UUID               `json:"id"`
	Name        string                  `json:"name"`
	Email       string                  `json:"email"`
	Roles       []usermgmt.OperatorRole `json:"roles"`
	Permissions []usermgmt.Permission   `json:"permissions"`
}

type sessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Operator  any       `json:"operator,omitempty"`
	User      any       `json:"user,omitempty"`
}

// adminLogin opens an operator session. Unknown email and wrong password
// get the same answer after the same work; attempts are throttled per
// account and per address.
func (a *API) adminLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var op *usermgmt.Operator
	err := a.throttled(w, r, "operator:"+normalizeEmail(req.Email), func() error {
		var err error
		op, err = a.users.AuthenticateOperator(r.Context(), a.db, req.Email, req.Password)
		return err
	})
	if err != nil {
		return err
	}
	token, exp, err := a.users.StartSession(r.Context(), a.db, usermgmt.OperatorSession, op.ID, a.ttl)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionResponse{Token: token, ExpiresAt: exp, Operator: operatorView{
		ID: op.ID, Name: op.Name, Email: op.Email, Roles: op.Roles, Permissions: a.users.Permissions(op),
	}})
}

func (a *API) adminLogout(w http.ResponseWriter, r *http.Request, _ *usermgmt.Operator) error {
	if err := a.users.EndSession(r.Context(), a.db, bearer(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
