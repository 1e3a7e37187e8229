package api

import (
	"errors"
	"net/http"

	"github.com/uptrace/bun"

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
func (a *API) loadUser(r *http.Request, db bun.IDB, op *usermgmt.Operator) (*usermgmt.User, error) {
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	u, err := a.users.GetUser(r.Context(), db, op.ID, id)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, usermgmt.ErrNotFound
	}
	return u, nil
}

func (a *API) detail(r *http.Request, op *usermgmt.Operator, u *usermgmt.User) (*userDetail, error) {
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

func (a *API) userGet(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	u, err := a.loadUser(r, a.db, op)
	if err != nil {
		return err
	}
	d, err := a.detail(r, op, u)
	if err != nil {
		return err
	}
	etag(w, u.Version)
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
	d, err := a.detail(r, op, u)
	if err != nil {
		return err
	}
	etag(w, u.Version)
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
