package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// viewsMenu is the users list's "Views" menu: the views the operator may
// open, and the roles a new view may be shared with.
type viewsMenu struct {
	Views []usermgmt.SavedView
	Mine  uuid.UUID
	Roles []usermgmt.OperatorRole
	// Query is the current search, saved with a new view.
	Query string
	Base  string
}

// savedViews reads the menu; a failure leaves the menu empty (and is
// logged) rather than the list unusable.
func (s *server) savedViews(r *http.Request, query string) viewsMenu {
	oc := fromContext(r.Context())
	m := viewsMenu{Mine: oc.op.ID, Roles: oc.op.Roles, Query: query, Base: s.base}
	vs, err := s.users.ListViews(r.Context(), s.db, oc.op.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "ui: saved views", "err", err)
		return m
	}
	m.Views = vs
	return m
}

func (s *server) viewRoutes(mux *http.ServeMux) {
	mux.Handle("POST "+s.base+"/views", s.authed(s.viewSave))
	mux.Handle("GET "+s.base+"/views/{view}", s.authed(s.viewOpen))
	mux.Handle("POST "+s.base+"/views/{view}/delete", s.authed(s.viewDelete))
}

// viewSave saves the current search (and the hidden columns, which the
// column chooser's script puts in the form) as a view.
func (s *server) viewSave(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	q, _ := url.ParseQuery(r.PostFormValue("query"))
	if hide := strings.TrimSpace(r.PostFormValue("hide")); hide != "" {
		q.Set("hide", hide)
	}
	v, err := s.users.SaveView(r.Context(), s.db, oc.op.ID, usermgmt.SavedViewInput{Name: r.PostFormValue("name"),
		Query: q.Encode(), SharedRole: usermgmt.OperatorRole(r.PostFormValue("shared_role"))})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, s.viewURL(v, "view_saved"), http.StatusSeeOther)
}

func (s *server) viewURL(v *usermgmt.SavedView, done string) string {
	q, _ := url.ParseQuery(v.Query)
	if done != "" {
		q.Set("done", done)
	}
	return s.base + "/users?" + q.Encode()
}

// viewOpen opens a view: the library checks that it is the operator's or
// shared with a role they hold, and the list checks its own permissions.
func (s *server) viewOpen(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, err := uuid.Parse(r.PathValue("view"))
	if err != nil {
		s.renderError(w, r, nil, http.StatusNotFound, "There is no saved view at this address.")
		return
	}
	v, err := s.users.OpenView(r.Context(), s.db, oc.op.ID, id)
	if err != nil {
		s.viewFail(w, r, err)
		return
	}
	http.Redirect(w, r, s.viewURL(v, ""), http.StatusSeeOther)
}

func (s *server) viewDelete(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, err := uuid.Parse(r.PathValue("view"))
	if err == nil {
		err = s.users.DeleteView(r.Context(), s.db, oc.op.ID, id)
	} else {
		err = usermgmt.ErrNotFound
	}
	if err != nil {
		s.viewFail(w, r, err)
		return
	}
	http.Redirect(w, r, s.base+"/users?done=view_deleted", http.StatusSeeOther)
}

func (s *server) viewFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, usermgmt.ErrViewNotShared):
		s.renderError(w, r, nil, http.StatusForbidden, "This saved view is not shared with you: it belongs to another operator and is not shared with one of your roles.")
	case errors.Is(err, usermgmt.ErrNotFound):
		s.renderError(w, r, nil, http.StatusNotFound, "This saved view does not exist, or was deleted.")
	default:
		s.fail(w, r, err)
	}
}
