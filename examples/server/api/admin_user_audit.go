package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

func (a *API) userAudit(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	recs, next, err := a.users.AuditTrail(r.Context(), a.db, op.ID, id, usermgmt.AuditPage{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []usermgmt.AuditRecord{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": recs, "next_cursor": next})
}
