package api

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// userGet answers the detail view, every card of the user page; the
// library masks what the operator may not see. The session and the user
// are read in one statement (GetUserDetailBySession): the user page is
// the back office's most frequent request.
func (a *API) userGet(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		// Authentication first: a caller without a session learns
		// nothing of the path's validity.
		if _, aerr := a.operator(r); aerr != nil {
			return aerr
		}
		return err
	}
	_, d, err := a.users.GetUserDetailBySession(r.Context(), a.db, bearer(r), id)
	if err != nil {
		return authError(err)
	}
	// The evidence behind the ID verification flag (who, when, which
	// source, why) is GET …/id-verification: the detail view stays at
	// its pinned statement count (TestRouteStatementCounts).
	etag(w, d.Version)
	return writeJSON(w, http.StatusOK, d)
}

// userPatch applies a partial update guarded by the version, given in the
// body or as If-Match.
func (a *API) userPatch(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
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
	u, err := a.users.UpdateUser(r.Context(), a.db, op.ID, id, upd)
	if err != nil {
		return err
	}
	etag(w, u.Version)
	d, err := a.users.GetUserDetail(r.Context(), a.db, op.ID, id)
	if err != nil {
		// The update committed: answer with what it returned rather than
		// an error that would make the operator retry it.
		a.log.WarnContext(r.Context(), "detail view after an update", "err", err)
		return writeJSON(w, http.StatusOK, u)
	}
	return writeJSON(w, http.StatusOK, d)
}

type deleteRequest struct {
	Reason string `json:"reason"`
}

// userDelete erases the user (GDPR). The reason comes in the body or as
// ?reason=.
func (a *API) userDelete(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	req := deleteRequest{Reason: r.URL.Query().Get("reason")}
	if req.Reason == "" && r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	if err := a.users.EraseUser(r.Context(), a.db, op.ID, id, req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
