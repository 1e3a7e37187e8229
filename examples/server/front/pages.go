package front

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
)

// flashes are the sentences a redirect after a save shows.
var flashes = map[string]string{
	"presentation": "The presentation was saved.",
	"identity":     "The identity was saved.",
	"bank":         "The bank account was saved.",
}

func (s *server) home(w http.ResponseWriter, r *http.Request, a *account) {
	s.render(w, r, "home", http.StatusOK, a.page("Your dashboard", "home"))
}

func (s *server) presentation(w http.ResponseWriter, r *http.Request, a *account) {
	p := a.page("Presentation", "presentation")
	p.Flash = flashes[r.URL.Query().Get("done")]
	s.render(w, r, "presentation", http.StatusOK, p)
}

// splitList reads a comma-separated list of codes.
func splitList(v string) []string {
	out := []string{}
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// formErr re-renders a page with the library's refusal in words.
func (s *server) formErr(w http.ResponseWriter, r *http.Request, a *account, name, title string, err error) {
	status, msg, problems := s.explain(r.Context(), err)
	p := a.page(title, name)
	p.Error, p.Problems = msg, problems
	s.render(w, r, name, status, p)
}

func version(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

func (s *server) presentationSave(w http.ResponseWriter, r *http.Request, a *account) {
	u := a.user
	upd := usermgmt.UserUpdate{Version: version(r)}
	if v := r.PostFormValue("picture_url"); v != u.PictureURL {
		upd.PictureURL = &v
	}
	if v := r.PostFormValue("mother_tongue"); v != u.MotherTongue {
		upd.MotherTongue = &v
	}
	if v := splitList(r.PostFormValue("spoken_languages")); !slices.Equal(v, u.SpokenLanguages) {
		upd.SpokenLanguages = &v
	}
	if _, err := s.users.UpdateOwnProfile(r.Context(), s.db, u.ID, upd); err != nil {
		s.formErr(w, r, a, "presentation", "Presentation", err)
		return
	}
	http.Redirect(w, r, BasePath+"/presentation?done=presentation", http.StatusSeeOther)
}

func (s *server) identity(w http.ResponseWriter, r *http.Request, a *account) {
	p := a.page("Identity", "identity")
	p.Flash = flashes[r.URL.Query().Get("done")]
	s.render(w, r, "identity", http.StatusOK, p)
}

// identitySave sends only the fields that differ from what the page
// showed, so that a value the library masked is never written back.
func (s *server) identitySave(w http.ResponseWriter, r *http.Request, a *account) {
	u := a.user
	upd := usermgmt.UserUpdate{Version: version(r)}
	text := func(name, shown string, dst **string) {
		if v := strings.TrimSpace(r.PostFormValue(name)); v != shown {
			*dst = &v
		}
	}
	text("first_name", u.FirstName, &upd.FirstName)
	text("last_name", u.LastName, &upd.LastName)
	text("company_name", u.CompanyName, &upd.CompanyName)
	text("phone", u.Phone, &upd.Phone)
	text("email", u.Email, &upd.Email)
	text("country_of_residence", u.CountryOfResidence, &upd.CountryOfResidence)
	if v := usermgmt.UserType(r.PostFormValue("type")); v != "" && v != u.Type {
		upd.Type = &v
	}
	shownDOB := ""
	if u.DateOfBirth != nil {
		shownDOB = u.DateOfBirth.UTC().Format(time.DateOnly)
	}
	if v := r.PostFormValue("date_of_birth"); v != shownDOB && v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.formErr(w, r, a, "identity", "Identity", usermgmt.Invalid("date_of_birth", "date", "must be a date such as 1990-04-21"))
			return
		}
		upd.DateOfBirth = &d
	}
	if !u.Masked {
		addr := func(prefix string, shown usermgmt.Address, dst **usermgmt.Address) {
			v := usermgmt.Address{Line1: r.PostFormValue(prefix + "_line1"), Line2: r.PostFormValue(prefix + "_line2"),
				PostalCode: r.PostFormValue(prefix + "_postal_code"), City: r.PostFormValue(prefix + "_city"),
				Region: shown.Region, Country: r.PostFormValue(prefix + "_country")}
			if v != shown {
				*dst = &v
			}
		}
		addr("postal", u.PostalAddress, &upd.PostalAddress)
		addr("location", u.LocationAddress, &upd.LocationAddress)
	}
	if _, err := s.users.UpdateOwnProfile(r.Context(), s.db, u.ID, upd); err != nil {
		s.formErr(w, r, a, "identity", "Identity", err)
		return
	}
	http.Redirect(w, r, BasePath+"/identity?done=identity", http.StatusSeeOther)
}

type bankData struct {
	Account *usermgmt.BankAccount
}

func (s *server) bankPage(w http.ResponseWriter, r *http.Request, a *account, status int, edit func(*page)) {
	acct, err := s.users.GetOwnBankAccount(r.Context(), s.db, a.user.ID)
	if err != nil && !errors.Is(err, usermgmt.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	p := a.page("Bank account", "bank")
	p.Flash = flashes[r.URL.Query().Get("done")]
	p.Data = bankData{Account: acct}
	if edit != nil {
		edit(p)
	}
	s.render(w, r, "bank", status, p)
}

func (s *server) bank(w http.ResponseWriter, r *http.Request, a *account) {
	s.bankPage(w, r, a, http.StatusOK, nil)
}

func (s *server) bankSave(w http.ResponseWriter, r *http.Request, a *account) {
	in := usermgmt.BankAccount{Holder: r.PostFormValue("holder"), IBAN: r.PostFormValue("iban"), BIC: r.PostFormValue("bic")}
	if err := s.users.SetOwnBankAccount(r.Context(), s.db, a.user.ID, in); err != nil {
		status, msg, problems := s.explain(r.Context(), err)
		s.bankPage(w, r, a, status, func(p *page) { p.Error, p.Problems = msg, problems })
		return
	}
	http.Redirect(w, r, BasePath+"/bank-account?done=bank", http.StatusSeeOther)
}
