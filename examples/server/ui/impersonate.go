package ui

import (
	"net/http"

	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// frontOfficeHandoff is the front-office path that receives an
// impersonation token (POST, form fields token and landing) and opens the
// dashboard page named by landing.
const frontOfficeHandoff = "/impersonate"

type handoffData struct {
	Action  string
	Token   string
	Landing string
	User    string
	Scope   string
}

// impersonate issues a token bound to the operator's session and hands it
// to the front office in a POST form, so that it never appears in a URL,
// a log or a Referer header.
func (s *server) impersonate(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	if s.imp == nil {
		s.cardFail(w, r, id, "impersonate", impersonation.ErrNoSigningKey, nil)
		return
	}
	iss, err := s.imp.Issue(r.Context(), s.db, impersonation.IssueRequest{
		OperatorID: oc.op.ID, UserID: id, Reason: r.PostFormValue("reason"),
		Scope: impersonation.Scope(r.PostFormValue("scope")), Landing: impersonation.Landing(r.PostFormValue("landing")),
		OperatorSession: oc.token,
	})
	if err != nil {
		s.cardFail(w, r, id, "impersonate", err, nil)
		return
	}
	p := s.newPage(r, "Opening the front office")
	scope := "read only"
	if iss.Record.Scope == impersonation.ScopeFull {
		scope = "full (acts in the user's stead)"
	}
	p.Data = handoffData{Action: s.front + frontOfficeHandoff, Token: iss.Token, Landing: string(iss.Record.Landing),
		User: id.String(), Scope: scope}
	s.render(w, r, "handoff", http.StatusOK, p)
}
