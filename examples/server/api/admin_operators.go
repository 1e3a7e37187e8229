package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// operatorsList lists every operator (PermManageOperators).
func (a *API) operatorsList(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	ops, err := a.users.ListOperators(r.Context(), a.db, op.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": ops})
}

// operatorCreate creates an operator with a password the new operator
// replaces (PermManageOperators; audited).
func (a *API) operatorCreate(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	var req usermgmt.NewOperator
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	created, err := a.users.CreateOperatorAs(r.Context(), a.db, op.ID, req)
	if err != nil {
		return err
	}
	etag(w, created.Version)
	return writeJSON(w, http.StatusCreated, created)
}

type operatorRolesRequest struct {
	Version int64                   `json:"version"`
	Roles   []usermgmt.OperatorRole `json:"roles"`
}

// operatorRoles replaces an operator's roles, guarded by its version.
func (a *API) operatorRoles(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var req operatorRolesRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &req.Version); err != nil {
		return err
	}
	changed, err := a.users.ChangeOperatorRoles(r.Context(), a.db, op.ID, id, req.Version, req.Roles)
	if err != nil {
		return err
	}
	etag(w, changed.Version)
	return writeJSON(w, http.StatusOK, changed)
}

type operatorActiveRequest struct {
	Version int64  `json:"version"`
	Active  *bool  `json:"active"`
	Reason  string `json:"reason"`
}

// operatorActive deactivates (ending its sessions) or reactivates an
// operator, guarded by its version.
func (a *API) operatorActive(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var req operatorActiveRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &req.Version); err != nil {
		return err
	}
	if req.Active == nil {
		return usermgmt.Invalid("active", "required", "is required: true or false")
	}
	changed, err := a.users.SetOperatorActiveAs(r.Context(), a.db, op.ID, id, req.Version, *req.Active, req.Reason)
	if err != nil {
		return err
	}
	etag(w, changed.Version)
	return writeJSON(w, http.StatusOK, changed)
}
