package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// listForm is the users list's search form as the browser sent it; it
// refills the form and rebuilds the query string of links.
type listForm struct {
	Keyword, Role, Listing, Languages, From, To, Fees string
	IDVerified, EmailVerified, PhoneVerified          string
	Category, Sort, Dir                               string
	Statuses                                          map[usermgmt.Status]bool
}

// parseListForm decodes the users list's query string into the form and
// a usermgmt.ListQuery. Malformed values (a date, a category) are
// returned as sentences; the library validates the rest.
func parseListForm(v url.Values) (listForm, usermgmt.ListQuery, []string) {
	f := listForm{Keyword: strings.TrimSpace(v.Get("q")), Role: v.Get("role"), Listing: v.Get("listing"),
		Languages: v.Get("lang"), From: v.Get("from"), To: v.Get("to"), Fees: v.Get("fees"),
		IDVerified: v.Get("idv"), EmailVerified: v.Get("emailv"), PhoneVerified: v.Get("phonev"),
		Category: v.Get("category"), Sort: v.Get("sort"), Dir: v.Get("dir"), Statuses: map[usermgmt.Status]bool{}}
	var problems []string
	q := usermgmt.ListQuery{Keyword: f.Keyword, Roles: usermgmt.RoleFilter(f.Role),
		Sort: usermgmt.ListSort(f.Sort), Dir: usermgmt.SortDir(f.Dir), Cursor: v.Get("cursor")}
	for _, st := range v["status"] {
		q.Statuses = append(q.Statuses, usermgmt.Status(st))
		f.Statuses[usermgmt.Status(st)] = true
	}
	q.HasListing = yesNo(f.Listing)
	q.IDVerified, q.EmailVerified, q.PhoneVerified = yesNo(f.IDVerified), yesNo(f.EmailVerified), yesNo(f.PhoneVerified)
	q.Languages = append(q.Languages, strings.FieldsFunc(f.Languages, func(r rune) bool { return r == ',' || r == ' ' })...)
	if f.From != "" {
		if t, err := time.Parse(time.DateOnly, f.From); err == nil {
			q.CreatedFrom = &t
		} else {
			problems = append(problems, "Created from: enter a date such as 2026-01-31.")
		}
	}
	if f.To != "" {
		// The form's "to" date is inclusive, as a person reads it; the
		// library's bound is exclusive, so it gets the next midnight.
		if t, err := time.Parse(time.DateOnly, f.To); err == nil {
			t = t.AddDate(0, 0, 1)
			q.CreatedTo = &t
		} else {
			problems = append(problems, "Created to: enter a date such as 2026-01-31.")
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			problems = append(problems, "Rows per page: enter a whole number.")
		}
		q.Limit = n
	}
	if f.Fees != "" {
		m := fees.Mode(f.Fees)
		q.Fees = &m
	}
	if f.Category != "" {
		if id, err := uuid.Parse(f.Category); err == nil {
			q.CategoryID = &id
		} else {
			problems = append(problems, "Category: choose one from the list.")
		}
	}
	return f, q, problems
}

func yesNo(s string) *bool {
	switch s {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

// searchValues is the query string of the current search, without paging.
func searchValues(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"q", "role", "listing", "lang", "from", "to", "fees", "idv", "emailv", "phonev", "category", "sort", "dir", "status", "limit"} {
		if vs := v[k]; len(vs) > 0 && !(len(vs) == 1 && vs[0] == "") {
			out[k] = vs
		}
	}
	return out
}

type listData struct {
	Form       listForm
	Rows       []usermgmt.ListRow
	Categories []usermgmt.Category
	// Search is the encoded current search (no cursor), for links.
	Search     string
	ExportCSV  string
	ExportXLSX string
	NextURL    string
	FirstURL   string
	CountURL   string
	Paged      bool
	Count      *int64
	ReturnURL  string
	CanImp     bool
	// Views is the saved-views menu (views.go).
	Views viewsMenu
}

func (s *server) usersList(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	p := s.newPage(r, "Users")
	v := r.URL.Query()
	form, q, problems := parseListForm(v)
	p.Keyword = form.Keyword
	p.Flash = flashes[v.Get("done")]
	cats, err := s.users.ListCategories(r.Context(), s.db)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	search := searchValues(v)
	d := &listData{Form: form, Categories: cats, Search: search.Encode(), Paged: q.Cursor != ""}
	d.FirstURL = s.base + "/users?" + d.Search
	for format, dst := range map[usermgmt.ExportFormat]*string{usermgmt.ExportCSV: &d.ExportCSV, usermgmt.ExportXLSX: &d.ExportXLSX} {
		ev := searchValues(v)
		ev.Del("limit")
		ev.Set("format", string(format))
		*dst = s.base + "/users/export?" + ev.Encode()
	}
	d.ReturnURL = r.URL.RequestURI()
	d.Views = s.savedViews(r, d.Search)
	p.Data = d
	status := http.StatusOK
	if len(problems) > 0 {
		p.Error, p.Problems = "The search could not run.", problems
		s.render(w, r, "users", http.StatusUnprocessableEntity, p)
		return
	}
	pg, err := s.users.ListUsers(r.Context(), s.db, oc.op.ID, q)
	if err != nil {
		status, p.Error, p.Problems = s.explain(r, err)
		s.render(w, r, "users", status, p)
		return
	}
	d.Rows = pg.Items
	if pg.NextCursor != "" {
		nv := searchValues(v)
		nv.Set("cursor", pg.NextCursor)
		d.NextURL = s.base + "/users?" + nv.Encode()
	}
	if v.Get("count") == "1" {
		n, err := s.users.CountUsers(r.Context(), s.db, oc.op.ID, q)
		if err != nil {
			status, p.Error, p.Problems = s.explain(r, err)
		} else {
			d.Count = &n
		}
	} else {
		cv := searchValues(v)
		if c := v.Get("cursor"); c != "" {
			cv.Set("cursor", c)
		}
		cv.Set("count", "1")
		d.CountURL = s.base + "/users?" + cv.Encode()
	}
	s.render(w, r, "users", status, p)
}

// flashes are the success messages that a redirect names with ?done=.
var flashes = map[string]string{
	"status":           "The status was changed.",
	"password":         "The password was set. The user must choose a new one at the next login.",
	"fees":             "The fees were saved.",
	"categories":       "The categories were saved.",
	"verifications":    "The verifications were saved.",
	"reset_link":       "A password-reset link was sent to the user's address. It works once, for an hour.",
	"id_verification":  "The ID verification decision was recorded with its evidence.",
	"deleted":          "The user was deleted: their personal data is erased.",
	"settings":         "The settings were saved.",
	"operator_created": "The operator was created. Give them the temporary password by a separate channel.",
	"operator_roles":   "The roles were saved.",
	"operator_active":  "The operator's access was changed.",
	"view_saved":       "The view was saved.",
	"view_deleted":     "The view was deleted.",
}

// userStatus changes a user's status from the list's dropdown or the
// detail view's status card, then goes back where the form came from.
func (s *server) userStatus(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	_, err := s.users.ChangeStatus(r.Context(), s.db, oc.op.ID, id, usermgmt.Status(r.PostFormValue("status")), r.PostFormValue("reason"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(s.safeNext(r.PostFormValue("back")), "status"), http.StatusSeeOther)
}

// withDone adds ?done=what to a back-office URL.
func withDone(u, what string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := parsed.Query()
	q.Set("done", what)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// pathUser reads the {id} path value; a malformed one is a missing user.
func (s *server) pathUser(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, usermgmt.ErrNotFound)
		return uuid.Nil, false
	}
	return id, true
}

// lazyDownload sets the download headers at the first byte, so that an
// error before any row (a refused permission) can still show a page.
type lazyDownload struct {
	w           http.ResponseWriter
	contentType string
	filename    string
	started     bool
}

func (l *lazyDownload) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", l.contentType)
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", l.filename))
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

// usersExport downloads the current search as CSV or Excel.
func (s *server) usersExport(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	v := r.URL.Query()
	_, q, problems := parseListForm(v)
	q.Cursor = ""
	if len(problems) > 0 {
		s.renderError(w, r, nil, http.StatusUnprocessableEntity, "The export could not run.", problems...)
		return
	}
	format := usermgmt.ExportFormat(v.Get("format"))
	ld := &lazyDownload{w: w}
	stamp := s.now().UTC().Format("20060102-1504")
	switch format {
	case usermgmt.ExportCSV:
		ld.contentType, ld.filename = "text/csv; charset=utf-8", "users-"+stamp+".csv"
	case usermgmt.ExportXLSX:
		ld.contentType, ld.filename = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "users-"+stamp+".xlsx"
	default:
		s.renderError(w, r, nil, http.StatusBadRequest, "Choose CSV or Excel in the Exports menu.")
		return
	}
	if _, err := s.users.ExportUsers(r.Context(), s.db, oc.op.ID, q, format, ld, nil); err != nil {
		if !ld.started {
			s.fail(w, r, err)
			return
		}
		// Headers are gone: the truncated download is the signal; the
		// audit record is only written for a complete export.
		s.log.ErrorContext(r.Context(), "ui: export interrupted", "err", err)
		panic(http.ErrAbortHandler)
	}
	if !ld.started {
		_, _ = ld.Write(nil)
	}
}
