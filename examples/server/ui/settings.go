package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/usermgmt"
)

type settingsData struct {
	Settings *usermgmt.Settings
	// Form refills the fields after a refused save.
	Form map[string]string
}

func (s *server) settingsPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "Settings")
	p.Flash = flashes[r.URL.Query().Get("done")]
	s.showSettings(w, r, p, http.StatusOK, nil)
}

func (s *server) showSettings(w http.ResponseWriter, r *http.Request, p *page, status int, form map[string]string) {
	st, err := usermgmt.GetSettings(r.Context(), s.db)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form == nil {
		form = map[string]string{"currency": st.Currency, "asker_percent": st.AskerPercent.String(), "asker_fixed": st.AskerFixed.String(),
			"offeror_percent": st.OfferorPercent.String(), "offeror_fixed": st.OfferorFixed.String(),
			"default_user_status": string(st.DefaultUserStatus), "platform_mode": string(st.PlatformMode),
			"version": strconv.FormatInt(st.Version, 10)}
	}
	p.Data = settingsData{Settings: st, Form: form}
	s.render(w, r, "settings", status, p)
}

func (s *server) settingsSave(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	p := s.newPage(r, "Settings")
	form := map[string]string{}
	for _, k := range []string{"currency", "asker_percent", "asker_fixed", "offeror_percent", "offeror_fixed", "default_user_status", "platform_mode", "version"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	var problems []string
	version, err := strconv.ParseInt(form["version"], 10, 64)
	if err != nil {
		problems = append(problems, "The form is out of date: reload the page.")
	}
	num := func(k string) *decimal.Decimal {
		d, err := decimal.NewFromString(form[k])
		if err != nil {
			problems = append(problems, fieldLabel(k)+": enter a number such as 12.5.")
			return nil
		}
		return &d
	}
	cur := form["currency"]
	st := usermgmt.Status(form["default_user_status"])
	mode := usermgmt.PlatformMode(form["platform_mode"])
	upd := usermgmt.SettingsUpdate{Version: version, Currency: &cur, AskerPercent: num("asker_percent"), AskerFixed: num("asker_fixed"),
		OfferorPercent: num("offeror_percent"), OfferorFixed: num("offeror_fixed"), DefaultUserStatus: &st, PlatformMode: &mode}
	if len(problems) > 0 {
		p.Error, p.Problems = "Some fields need another value.", problems
		s.showSettings(w, r, p, http.StatusUnprocessableEntity, form)
		return
	}
	if _, err := s.users.UpdateSettings(r.Context(), s.db, oc.op.ID, upd); err != nil {
		var status int
		status, p.Error, p.Problems = s.explain(r, err)
		s.showSettings(w, r, p, status, form)
		return
	}
	http.Redirect(w, r, s.base+"/settings?done=settings", http.StatusSeeOther)
}
