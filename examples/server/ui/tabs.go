package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// tabLink is one tab of the user page, with its count.
type tabLink struct {
	ID, Label, Href string
	// Count is shown beside the label; empty shows none.
	Count   string
	Current bool
}

// userTab describes a tab of the user page: the permission that shows it
// (empty: always shown), its path below /users/{id} and how it counts.
type userTab struct {
	id, label, path string
	perm            usermgmt.Permission
	// count returns the tab's count as shown; nil counts nothing.
	count func(s *server, ctx context.Context, c *tabCounts) (string, error)
}

// tabCounts reads the counts of one tab bar: the activity tabs share one
// statement (activity.UserCounts), read at the first tab that asks.
type tabCounts struct {
	actor, user uuid.UUID
	act         *activity.Counts
	actErr      error
	actRead     bool
}

func (c *tabCounts) activity(s *server, ctx context.Context) (*activity.Counts, error) {
	if !c.actRead {
		c.act, c.actErr = s.activity.UserCounts(ctx, s.db, c.actor, c.user)
		c.actRead = true
	}
	return c.act, c.actErr
}

// activityCount counts a tab from the tab bar's shared activity counts.
func activityCount(pick func(*activity.Counts) string) func(*server, context.Context, *tabCounts) (string, error) {
	return func(s *server, ctx context.Context, c *tabCounts) (string, error) {
		ac, err := c.activity(s, ctx)
		if err != nil {
			return "", err
		}
		return pick(ac), nil
	}
}

// shown is a count as a tab shows it: "+" when the card has more.
func shown(n int, more bool) string {
	if more {
		return strconv.Itoa(n) + "+"
	}
	return strconv.Itoa(n)
}

// userTabs are the user page's tabs, in order.
func (s *server) userTabs() []userTab {
	tabs := []userTab{{id: "information", label: "Information", path: ""}}
	if s.activity != nil {
		tabs = append(tabs, userTab{id: "reservations", label: "Reservations", path: "/reservations", perm: activity.PermReadActivity,
			count: activityCount(func(ac *activity.Counts) string { return shown(ac.Reservations, ac.ReservationsTruncated) })})
	}
	if s.referral != nil {
		tabs = append(tabs, userTab{id: "referral", label: "Referral", path: "/referral", perm: referral.PermRead,
			count: func(s *server, ctx context.Context, c *tabCounts) (string, error) {
				n, err := s.referral.RefereeCount(ctx, s.db, c.actor, c.user)
				if err != nil {
					return "", err
				}
				return strconv.FormatInt(n, 10), nil
			}})
	}
	if s.sevenrooms != nil && s.links != nil {
		tabs = append(tabs, userTab{id: "thirdparty", label: "Third parties", path: "/thirdparty", perm: thirdparty.PermReadLinks,
			count: func(s *server, ctx context.Context, c *tabCounts) (string, error) {
				return s.thirdPartyCount(ctx, c.actor, c.user)
			}})
	}
	if s.activity != nil {
		tabs = append(tabs,
			userTab{id: "events", label: "Events", path: "/events", perm: activity.PermReadActivity,
				count: activityCount(func(ac *activity.Counts) string { return shown(ac.Events, ac.EventsTruncated) })},
			userTab{id: "devices", label: "Devices", path: "/devices", perm: activity.PermReadActivity,
				count: activityCount(func(ac *activity.Counts) string { return strconv.Itoa(ac.Devices) })})
	}
	return tabs
}

// tabBar builds the tab bar of a user page, current naming the open tab.
// A tab whose permission the operator lacks is not shown; a count the
// library refuses is left out.
func (s *server) tabBar(r *http.Request, p *page, user uuid.UUID, current string) []tabLink {
	oc := fromContext(r.Context())
	var out []tabLink
	counts := &tabCounts{actor: oc.op.ID, user: user}
	for _, t := range s.userTabs() {
		if t.perm != "" && !p.Perms[string(t.perm)] {
			continue
		}
		l := tabLink{ID: t.id, Label: t.label, Href: s.base + "/users/" + user.String() + t.path, Current: t.id == current}
		if t.count != nil {
			n, err := t.count(s, r.Context(), counts)
			if err != nil {
				s.log.WarnContext(r.Context(), "ui: tab count", "tab", t.id, "err", err)
			}
			l.Count = n
		}
		out = append(out, l)
	}
	return out
}

// tabFlashes are the sentences shown after a tab's change.
var tabFlashes = map[string]string{
	"credits":        "The credits were saved.",
	"device_revoked": "The device was revoked: its sessions ended.",
}

// tabRoutes registers the tabs' pages and actions.
func (s *server) tabRoutes(mux *http.ServeMux) {
	b := s.base + "/users/{id}"
	act, ref := s.activity != nil, s.referral != nil
	mux.Handle("GET "+b+"/reservations", s.authed(s.needArea(act, s.reservationsTab)))
	mux.Handle("GET "+b+"/referral", s.authed(s.needArea(ref, s.referralTab)))
	mux.Handle("POST "+b+"/referral/credits", s.authed(s.needArea(ref, s.referralCredits)))
	mux.Handle("POST "+b+"/referral/step", s.authed(s.needArea(ref, s.referralStep)))
	mux.Handle("POST "+b+"/referral/referrer", s.authed(s.needArea(ref, s.referralReferrer)))
	mux.Handle("GET "+b+"/events", s.authed(s.needArea(act, s.eventsTab)))
	mux.Handle("GET "+b+"/devices", s.authed(s.needArea(act, s.devicesTab)))
	mux.Handle("GET "+b+"/thirdparty", s.authed(s.needArea(s.sevenrooms != nil && s.links != nil, s.thirdPartyTab)))
	mux.Handle("POST "+b+"/devices/{device}/revoke", s.authed(s.needArea(act, s.deviceRevoke)))
}

// tabData is what every tab page other than Information receives.
type tabData struct {
	User *usermgmt.User
	Name string
	// Label names the open tab, for the breadcrumb.
	Label string
	Self  string
	Tabs  []tabLink
	Error *cardError
	Data  any
}

// tabPage reads the user for the header, builds the tab bar and renders
// the tab's template; fill reads the tab's content and may fail.
func (s *server) tabPage(w http.ResponseWriter, r *http.Request, tab, title string, status int, fill func(ctx context.Context, actor, user uuid.UUID) (any, error), tabErr error) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	u, err := s.users.GetUser(r.Context(), s.db, oc.op.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, title+" · "+u.FullName())
	p.Flash = tabFlashes[r.URL.Query().Get("done")]
	d := &tabData{User: u, Name: u.FullName(), Label: title, Self: s.base + "/users/" + id.String()}
	d.Tabs = s.tabBar(r, p, id, tab)
	if tabErr != nil {
		st, msg, problems := s.explainTab(r, tabErr)
		d.Error, status = &cardError{Message: msg, Problems: problems}, st
	}
	if d.Data, err = fill(r.Context(), oc.op.ID, id); err != nil {
		st, msg, problems := s.explainTab(r, err)
		if st == http.StatusNotFound {
			s.fail(w, r, err)
			return
		}
		d.Error, status = &cardError{Message: msg, Problems: problems}, st
	}
	p.Data = d
	s.render(w, r, "tab_"+tab, status, p)
}

// explainTab words the referral and activity errors the tabs meet, then
// falls back on explain.
func (s *server) explainTab(r *http.Request, err error) (int, string, []string) {
	var stale *referral.StaleCreditsError
	switch {
	case errors.As(err, &stale):
		return http.StatusConflict, fmt.Sprintf("The credits changed meanwhile: they are now %d. Check the ledger and save again.", stale.Balance), nil
	case errors.Is(err, referral.ErrInsufficientCredits):
		return http.StatusConflict, "There are no credits left to take away.", nil
	case errors.Is(err, referral.ErrIdempotencyKeyReused):
		return http.StatusConflict, "This form was already sent with other values. Reload the page and try again.", nil
	case errors.Is(err, activity.ErrNotFound):
		return http.StatusUnprocessableEntity, "This device is not linked to the user (any more).", nil
	}
	return s.explain(r, err)
}

// needArea answers a tab whose library the host did not pass.
func (s *server) needArea(ok bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			s.renderError(w, r, nil, http.StatusNotFound, "This part of the back office is not configured on this server.")
			return
		}
		h(w, r)
	}
}

// backTo redirects to a tab after a successful change, with a flash.
func (s *server) backTo(w http.ResponseWriter, r *http.Request, user uuid.UUID, path, done string) {
	http.Redirect(w, r, s.base+"/users/"+user.String()+path+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// invalidDate is the refusal of a date typed in a tab's filter.
func invalidDate(field string) error {
	return usermgmt.Invalid(field, "date", "must be a date such as 2026-12-01")
}

// formKey is a fresh idempotency key for a form, so that a form sent
// twice (a double click, a reload) changes the credits once.
func formKey() string { return uuid.NewString() }

// resRows is one table of the Reservations tab.
type resRows struct {
	Title, ID string
	Rows      []activity.Reservation
}

// entryLabels name the ledger's entry kinds for a person.
var entryLabels = map[referral.EntryKind]string{
	referral.KindOperatorSet: "Set by an operator", referral.KindOperatorStep: "Changed by an operator",
	referral.KindConsumed: "Used by a referral", referral.KindRestored: "Given back",
	referral.KindGranted: "Granted", referral.KindExpired: "Expired",
}

// channelLabel names a channel for a person.
func channelLabel(c activity.Channel) string {
	switch c {
	case activity.ChannelApp:
		return "App"
	case activity.ChannelBot:
		return "Bot"
	case activity.ChannelWeb:
		return "Web"
	case activity.ChannelBackOffice:
		return "Back office"
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

// tabFuncs are the template functions of the tabs.
func tabFuncs() template.FuncMap {
	return template.FuncMap{
		"channelLabel": channelLabel,
		"resTable": func(title, id string, rows []activity.Reservation) resRows {
			return resRows{Title: title, ID: id, Rows: rows}
		},
		"localTime": func(r activity.Reservation) string {
			return r.LocalVisit().Format("2006-01-02 15:04") + " " + r.VisitTimezone
		},
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"signed": func(n int64) string {
			if n > 0 {
				return "+" + strconv.FormatInt(n, 10)
			}
			return strconv.FormatInt(n, 10)
		},
		"entryLabel": func(k referral.EntryKind) string {
			if l, ok := entryLabels[k]; ok {
				return l
			}
			return strings.ReplaceAll(string(k), "_", " ")
		},
		"attrs": func(m map[string]any) string {
			keys := slices.Sorted(maps.Keys(m))
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s: %v", strings.ReplaceAll(k, "_", " "), m[k]))
			}
			return strings.Join(parts, ", ")
		},
		"pathEscape": url.PathEscape,
	}
}
