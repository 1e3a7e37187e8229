package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func (a *API) impersonationsList(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
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

func (a *API) impersonationRevoke(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	if a.imp == nil {
		return impersonation.ErrNoSigningKey
	}
	reason := r.URL.Query().Get("reason")
	if err := usermgmt.CheckText("reason", reason); err != nil {
		return err
	}
	if reason == "" {
		reason = "revoked from the back office"
	}
	if _, err := a.imp.Revoke(r.Context(), a.db, op.ID, id, reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
