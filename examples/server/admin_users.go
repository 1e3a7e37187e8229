package main

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

func (a *app) userGet(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	d, err := a.users.GetUserDetail(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// userPatch applies a partial update guarded by the version, given in the
// body or as If-Match.
func (a *app) userPatch(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
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
	d, err := a.users.GetUserDetail(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(u.Version, 10)))
	return writeJSON(w, http.StatusOK, d)
}

// versionFromIfMatch takes the version from an If-Match header when the
// body gave none.
func versionFromIfMatch(r *http.Request, version *int64) error {
	h := strings.Trim(strings.TrimPrefix(r.Header.Get("If-Match"), "W/"), `"`)
	if h == "" || *version != 0 {
		return nil
	}
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		return &badRequest{detail: "If-Match must hold the version", fields: []fieldProblem{{Name: "If-Match", Reason: "must be a version number"}}}
	}
	*version = v
	return nil
}

type statusRequest struct {
	Status usermgmt.Status `json:"status"`
	Reason string          `json:"reason"`
}

func (a *app) userStatus(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u, err := a.users.ChangeStatus(r.Context(), a.db, op.ID, id, req.Status, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "status": u.Status, "version": u.Version})
}

func (a *app) userPassword(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var req usermgmt.PasswordChange
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.users.SetPassword(r.Context(), a.db, op.ID, id, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *app) userFeesGet(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	f, err := a.users.GetUserFees(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

func (a *app) userFeesPut(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var o fees.Override
	if err := decodeJSON(r, &o); err != nil {
		return err
	}
	f, err := a.users.SetUserFees(r.Context(), a.db, op.ID, id, o)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

// userFeesPreview quotes a sample price with the user's effective fees.
func (a *app) userFeesPreview(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	f, err := a.users.GetUserFees(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	currency := r.URL.Query().Get("currency")
	if currency == "" {
		currency = f.Schedule.Currency
	}
	price, err := fees.ParsePrice(r.URL.Query().Get("price"), currency)
	if err != nil {
		return err
	}
	q, err := fees.Calculator{}.Quote(f.Schedule, price)
	if err != nil {
		return err
	}
	resp, err := quoteResponse(q, f.Schedule, f.Mode)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

type categoriesRequest struct {
	CategoryIDs []uuid.UUID `json:"category_ids"`
}

func (a *app) userCategories(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var req categoriesRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	cs, err := a.users.SetUserCategories(r.Context(), a.db, op.ID, id, req.CategoryIDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"categories": cs})
}

func (a *app) userVerifications(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	var req usermgmt.VerificationUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	v, err := a.users.SetVerifications(r.Context(), a.db, op.ID, id, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// userBankAccount shows the bank account masked, or in clear with
// ?reveal=true for an operator who may read personal data (audited).
func (a *app) userBankAccount(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	reveal := r.URL.Query().Get("reveal") == "true"
	b, err := a.users.GetBankAccount(r.Context(), a.db, op.ID, id, reveal)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

func (a *app) userGuests(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	gs, err := a.users.ListGuests(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []usermgmt.Guest{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": gs})
}

func (a *app) userGuestPatch(w http.ResponseWriter, r *http.Request) error {
	op, owner, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	gid, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var upd usermgmt.GuestUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &upd.Version); err != nil {
		return err
	}
	g, token, err := a.users.UpdateGuest(r.Context(), a.db, op.ID, owner, gid, upd)
	if err != nil {
		return err
	}
	if token != "" {
		// A real host emails the new invitation link to the new address.
		a.log.InfoContext(r.Context(), "guest invitation re-issued; the host sends the link", "guest", g.ID)
	}
	return writeJSON(w, http.StatusOK, g)
}

type deleteRequest struct {
	Reason string `json:"reason"`
}

// userDelete erases the user (GDPR). The reason comes in the body or as
// ?reason=.
func (a *app) userDelete(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
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

func (a *app) userAudit(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
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

// userPublicProfile shows the public profile as other users see it: hidden
// (404 profile_hidden) when the status policy hides it.
func (a *app) userPublicProfile(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	if _, err := a.users.GetUser(r.Context(), a.db, op.ID, id); err != nil {
		return err
	}
	p, err := a.users.GetPublicProfile(r.Context(), a.db, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// intParam reads an optional integer query parameter.
func intParam(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &badRequest{detail: name + " must be an integer", fields: []fieldProblem{{Name: name, Reason: "must be an integer"}}}
	}
	return n, nil
}
