package ui

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

type operatorsData struct {
	Operators []usermgmt.Operator
	Roles     []usermgmt.OperatorRole
	// New refills the creation form after a refusal (never the password).
	NewName, NewEmail string
	NewRoles          map[usermgmt.OperatorRole]bool
}

// hasRole reports whether op holds r, for the role checkboxes.
func hasRole(op usermgmt.Operator, r usermgmt.OperatorRole) bool {
	for _, x := range op.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (s *server) operatorsPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "Operators")
	p.Flash = flashes[r.URL.Query().Get("done")]
	s.showOperators(w, r, p, http.StatusOK, nil)
}

func (s *server) showOperators(w http.ResponseWriter, r *http.Request, p *page, status int, edit func(*operatorsData)) {
	oc := fromContext(r.Context())
	ops, err := s.users.ListOperators(r.Context(), s.db, oc.op.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &operatorsData{Operators: ops, Roles: s.users.Roles(), NewRoles: map[usermgmt.OperatorRole]bool{}}
	if edit != nil {
		edit(d)
	}
	p.Data = d
	s.render(w, r, "operators", status, p)
}

// operatorFail shows the operators page with err in words.
func (s *server) operatorFail(w http.ResponseWriter, r *http.Request, err error, edit func(*operatorsData)) {
	p := s.newPage(r, "Operators")
	status, msg, problems := s.explain(r, err)
	if status == http.StatusNotFound {
		msg = "This operator does not exist."
	}
	p.Error, p.Problems = msg, problems
	s.showOperators(w, r, p, status, edit)
}

func formRoles(r *http.Request) []usermgmt.OperatorRole {
	var roles []usermgmt.OperatorRole
	for _, v := range r.PostForm["role"] {
		roles = append(roles, usermgmt.OperatorRole(v))
	}
	return roles
}

func (s *server) operatorCreate(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	_ = r.ParseForm()
	in := usermgmt.NewOperator{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), Roles: formRoles(r)}
	if _, err := s.users.CreateOperatorAs(r.Context(), s.db, oc.op.ID, in); err != nil {
		s.operatorFail(w, r, err, func(d *operatorsData) {
			d.NewName, d.NewEmail = in.Name, in.Email
			for _, role := range in.Roles {
				d.NewRoles[role] = true
			}
		})
		return
	}
	http.Redirect(w, r, s.base+"/operators?done=operator_created", http.StatusSeeOther)
}

// operatorTarget reads the {id} path value and the version field.
func (s *server) operatorTarget(w http.ResponseWriter, r *http.Request) (uuid.UUID, int64, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.operatorFail(w, r, usermgmt.ErrNotFound, nil)
		return uuid.Nil, 0, false
	}
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil {
		s.operatorFail(w, r, usermgmt.ErrStaleVersion, nil)
		return uuid.Nil, 0, false
	}
	return id, version, true
}

func (s *server) operatorRoles(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	_ = r.ParseForm()
	id, version, ok := s.operatorTarget(w, r)
	if !ok {
		return
	}
	if _, err := s.users.ChangeOperatorRoles(r.Context(), s.db, oc.op.ID, id, version, formRoles(r)); err != nil {
		s.operatorFail(w, r, err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/operators?done=operator_roles", http.StatusSeeOther)
}

func (s *server) operatorActive(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, version, ok := s.operatorTarget(w, r)
	if !ok {
		return
	}
	active := r.PostFormValue("active") == "true"
	if _, err := s.users.SetOperatorActiveAs(r.Context(), s.db, oc.op.ID, id, version, active, r.PostFormValue("reason")); err != nil {
		s.operatorFail(w, r, err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/operators?done=operator_active", http.StatusSeeOther)
}
