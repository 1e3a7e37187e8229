package api

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

// listQuery reads the list's query parameters: q, role (asker, offeror,
// both, askers_only, offerors_only), status (repeated or comma-separated),
// has_listing, language (repeated or comma-separated), created_from,
// created_to (YYYY-MM-DD or RFC 3339), fees (standard, customized),
// verified (id, email, phone: repeated or comma-separated; each must be
// true), category (UID), sort (created, updated, name), dir (asc, desc),
// limit, cursor.
func listQuery(v url.Values) (usermgmt.ListQuery, error) {
	var q usermgmt.ListQuery
	var bad []fieldProblem
	q.Keyword = v.Get("q")
	switch role := v.Get("role"); role {
	case "":
	case "asker":
		q.Roles = usermgmt.RoleFilterAnyAsker
	case "offeror":
		q.Roles = usermgmt.RoleFilterAnyOfferor
	case "both":
		q.Roles = usermgmt.RoleFilterBoth
	case "askers_only":
		q.Roles = usermgmt.RoleFilterAskersOnly
	case "offerors_only":
		q.Roles = usermgmt.RoleFilterOfferorsOnly
	default:
		bad = append(bad, fieldProblem{Name: "role", Reason: "must be one of: asker, offeror, both, askers_only, offerors_only"})
	}
	for _, s := range multi(v, "status") {
		st := usermgmt.Status(s)
		if !st.Valid() {
			bad = append(bad, fieldProblem{Name: "status", Reason: "must be one of: live, in_review, invalidated"})
			continue
		}
		q.Statuses = append(q.Statuses, st)
	}
	if s := v.Get("has_listing"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			bad = append(bad, fieldProblem{Name: "has_listing", Reason: "must be true or false"})
		}
		q.HasListing = &b
	}
	q.Languages = multi(v, "language")
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"created_from", &q.CreatedFrom}, {"created_to", &q.CreatedTo}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.Parse(time.DateOnly, s)
		}
		if err != nil {
			bad = append(bad, fieldProblem{Name: p.name, Reason: "must be a date (2026-01-31) or an RFC 3339 time"})
			continue
		}
		*p.dst = &t
	}
	switch m := fees.Mode(v.Get("fees")); m {
	case "":
	case fees.Standard, fees.Customized:
		q.Fees = &m
	default:
		bad = append(bad, fieldProblem{Name: "fees", Reason: "must be standard or customized"})
	}
	yes := true
	for _, f := range multi(v, "verified") {
		switch f {
		case "id":
			q.IDVerified = &yes
		case "email":
			q.EmailVerified = &yes
		case "phone":
			q.PhoneVerified = &yes
		default:
			bad = append(bad, fieldProblem{Name: "verified", Reason: "must be id, email or phone"})
		}
	}
	if s := v.Get("category"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			bad = append(bad, fieldProblem{Name: "category", Reason: "must be a category UID"})
		}
		q.CategoryID = &id
	}
	q.Sort, q.Dir, q.Cursor = usermgmt.ListSort(v.Get("sort")), usermgmt.SortDir(v.Get("dir")), v.Get("cursor")
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad = append(bad, fieldProblem{Name: "limit", Reason: "must be an integer"})
		}
		q.Limit = n
	}
	if len(bad) > 0 {
		return q, &badRequest{code: "validation_failed", detail: "the query has invalid parameters", fields: bad}
	}
	return q, nil
}

// multi reads a repeated or comma-separated parameter.
func multi(v url.Values, name string) []string {
	var out []string
	for _, s := range v[name] {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (a *API) usersList(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := a.users.ListUsers(r.Context(), a.db, op.ID, q)
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []usermgmt.ListRow{}
	}
	return writeJSON(w, http.StatusOK, page)
}

func (a *API) usersCount(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		return err
	}
	n, err := a.users.CountUsers(r.Context(), a.db, op.ID, q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int64{"count": n})
}

// usersExport streams the current search as CSV or XLSX. Errors before
// the first byte are problem documents; a failure mid-stream aborts the
// connection so the client never takes a truncated file for a whole one.
func (a *API) usersExport(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		return err
	}
	format := usermgmt.ExportFormat(r.URL.Query().Get("format"))
	ctype := map[usermgmt.ExportFormat]string{
		usermgmt.ExportCSV:  "text/csv; charset=utf-8",
		usermgmt.ExportXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}[format]
	if ctype == "" {
		return &badRequest{code: "validation_failed", detail: "format must be csv or xlsx", fields: []fieldProblem{{Name: "format", Reason: "must be csv or xlsx"}}}
	}
	sw := &startedWriter{w: w, start: func() {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="users-%s.%s"`, a.now().UTC().Format("20060102-150405"), format))
		w.Header().Set("Cache-Control", "no-store")
	}}
	rows, err := a.users.ExportUsers(r.Context(), a.db, op.ID, q, format, sw, nil)
	if err != nil {
		if !sw.started {
			return err
		}
		a.log.WarnContext(r.Context(), "export failed mid-stream", "rows", rows, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !sw.started {
		sw.start()
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

// startedWriter sets the response headers just before the first byte.
type startedWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	if !s.started {
		s.started = true
		s.start()
	}
	return s.w.Write(p)
}
