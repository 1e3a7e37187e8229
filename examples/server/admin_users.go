package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// userDetail is the detail view: every card of the first product
// document. Email and phone (of the user and of the guests) are masked
// unless the operator may read personal data.
type userDetail struct {
	*usermgmt.User
	FullName    string                `json:"full_name"`
	Masked      bool                  `json:"masked"`
	BankAccount *usermgmt.BankAccount `json:"bank_account"`
	Guests      []usermgmt.Guest      `json:"guests"`
	Fees        *usermgmt.UserFees    `json:"fee_card"`
	Categories  []usermgmt.Category   `json:"categories"`
}

// loadUser reads a user for op; erased users are not found.
func (a *app) loadUser(r *http.Request, db bun.IDB, op *usermgmt.Operator, id uuid.UUID) (*usermgmt.User, error) {
	u, err := a.users.GetUser(r.Context(), db, op.ID, id)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, usermgmt.ErrNotFound
	}
	return u, nil
}

func (a *app) detail(r *http.Request, op *usermgmt.Operator, u *usermgmt.User) (*userDetail, error) {
	ctx := r.Context()
	d := &userDetail{User: u, FullName: u.FullName()}
	if !a.users.Can(op, usermgmt.PermReadPersonalData) {
		masked := *u
		masked.Email, masked.Phone = usermgmt.MaskEmail(u.Email), usermgmt.MaskPhone(u.Phone)
		d.User, d.Masked = &masked, true
	}
	var err error
	if d.BankAccount, err = a.users.GetBankAccount(ctx, a.db, op.ID, u.ID, false); err != nil && !errors.Is(err, usermgmt.ErrNotFound) {
		return nil, err
	}
	if d.Guests, err = a.users.ListGuests(ctx, a.db, op.ID, u.ID); err != nil {
		return nil, err
	}
	if d.Guests == nil {
		d.Guests = []usermgmt.Guest{}
	}
	if d.Masked {
		for i := range d.Guests {
			d.Guests[i].Email = usermgmt.MaskEmail(d.Guests[i].Email)
		}
	}
	if d.Fees, err = a.users.GetUserFees(ctx, a.db, op.ID, u.ID); err != nil {
		return nil, err
	}
	if d.Categories, err = a.users.UserCategories(ctx, a.db, u.ID); err != nil {
		return nil, err
	}
	if d.Categories == nil {
		d.Categories = []usermgmt.Category{}
	}
	return d, nil
}

func (a *app) userGet(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	u, err := a.loadUser(r, a.db, op, id)
	if err != nil {
		return err
	}
	d, err := a.detail(r, op, u)
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
	d, err := a.detail(r, op, u)
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
	if !a.users.Can(op, usermgmt.PermReadPersonalData) {
		for i := range gs {
			gs[i].Email = usermgmt.MaskEmail(gs[i].Email)
		}
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
	// The guest must belong to the user in the path.
	gs, err := a.users.ListGuests(r.Context(), a.db, op.ID, owner)
	if err != nil {
		return err
	}
	found := false
	for _, g := range gs {
		found = found || g.ID == gid
	}
	if !found {
		return usermgmt.ErrNotFound
	}
	g, token, err := a.users.UpdateGuest(r.Context(), a.db, op.ID, gid, upd)
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

// publicProfile is what other users see of a user in the front office.
type publicProfile struct {
	ID              uuid.UUID         `json:"id"`
	PictureURL      string            `json:"picture_url"`
	DisplayName     string            `json:"display_name"`
	Type            usermgmt.UserType `json:"type"`
	CompanyName     string            `json:"company_name,omitempty"`
	MotherTongue    string            `json:"mother_tongue"`
	SpokenLanguages []string          `json:"spoken_languages"`
	City            string            `json:"city"`
	Country         string            `json:"country"`
	Listings        int64             `json:"listings"`
	ReviewsReceived int64             `json:"reviews_received"`
	MemberSince     string            `json:"member_since"`
}

// userPublicProfile shows the public profile as other users see it: hidden
// (404 profile_hidden) when the status policy hides it.
func (a *app) userPublicProfile(w http.ResponseWriter, r *http.Request) error {
	op, id, err := a.operatorAndUser(r)
	if err != nil {
		return err
	}
	u, err := a.loadUser(r, a.db, op, id)
	if err != nil {
		return err
	}
	if !u.Status.Allows(usermgmt.CanBeSeen) {
		return &badRequest{status: http.StatusNotFound, code: "profile_hidden",
			detail: "other users cannot see this profile: its status is " + string(u.Status)}
	}
	name := u.FirstName
	if last := []rune(u.LastName); len(last) > 0 {
		name += " " + string(last[0]) + "."
	}
	return writeJSON(w, http.StatusOK, publicProfile{
		ID: u.ID, PictureURL: u.PictureURL, DisplayName: name, Type: u.Type, CompanyName: u.CompanyName,
		MotherTongue: u.MotherTongue, SpokenLanguages: u.SpokenLanguages, City: u.LocationAddress.City,
		Country: u.LocationAddress.Country, Listings: u.Counters.Listings, ReviewsReceived: u.Counters.ReviewsReceived,
		MemberSince: u.CreatedAt.Format("2006-01"),
	})
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
