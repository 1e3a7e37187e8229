package front

import (
	"errors"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// Paths of the pages the verification emails link to, under BasePath.
// Point verification.Config.BaseURL at the front office's origin +
// BasePath so that its links land here.
const (
	VerifyEmailPath        = "/verify-email"
	ConfirmEmailChangePath = "/confirm-email-change"
	ResetPasswordPath      = "/reset-password"
)

// linkPage is what the template "link" shows: a form carrying the token
// (Token set), or the outcome (Done or the page's Error).
type linkPage struct {
	Heading string
	Intro   string
	Action  string
	Button  string
	Token   string
	// Reset asks for the new password and its confirmation.
	Reset bool
	// Done is the success sentence; Again says how to get a new link.
	Done    string
	Again   string
	SignIn  bool
	Invalid bool
}

// linkKinds describes the three pages.
var linkKinds = map[string]linkPage{
	VerifyEmailPath: {Heading: "Confirm your email address", Intro: "Press the button to confirm that this address is yours.",
		Button: "Confirm my email address", Done: "Your email address is confirmed. Thank you.",
		Again: "Ask for a new link: sign in to the app and ask to verify your email again (POST /v1/me/email-verification), or without signing in through “resend my link” (POST /v1/email-verification/resend). A new link replaces the old ones."},
	ConfirmEmailChangePath: {Heading: "Confirm your new email address", Intro: "Press the button to make this address your account's address. Until then your account keeps its old address.",
		Button: "Confirm my new address", Done: "Your new email address is now your account's address, and it is verified. Your old address was told.",
		Again: "Ask for a new link: sign in and change your email address again (POST /v1/me/email-change). A new link replaces the old ones."},
	ResetPasswordPath: {Heading: "Choose a new password", Intro: "Type your new password twice. Setting it signs you out everywhere else.",
		Button: "Set my new password", Reset: true, Done: "Your password is changed, and every other session of your account is ended. You can sign in with the new password.",
		Again: "Ask for a new link through “forgot my password” (POST /v1/password-reset). A new link replaces the old ones; a reset link lasts one hour by default."},
}

func (s *server) linkRoutes(mux *http.ServeMux) {
	if s.verif == nil {
		return // the catch-all answers 404
	}
	for path := range linkKinds {
		mux.HandleFunc("GET "+BasePath+path, s.linkForm(path))
		mux.HandleFunc("POST "+BasePath+path, s.linkSpend(path))
	}
}

func (s *server) renderLink(w http.ResponseWriter, r *http.Request, status int, lp linkPage, msg string, problems []string) {
	p := &page{Title: lp.Heading, Error: msg, Problems: problems, Data: lp}
	s.render(w, r, "link", status, p)
}

// invalidLink answers a link the library refused (or a request without a
// token) in words, with the way to ask for a new one.
func (s *server) invalidLink(w http.ResponseWriter, r *http.Request, lp linkPage) {
	lp.Token, lp.Invalid = "", true
	s.renderLink(w, r, http.StatusBadRequest, lp,
		"This link is not valid any more: it is incomplete, expired, already used, or a newer link replaced it.", nil)
}

// linkForm shows the form that spends the token. It does not spend it:
// mail scanners and link previews fetch links before the person does.
func (s *server) linkForm(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lp := linkKinds[path]
		lp.Action, lp.Token = BasePath+path, r.URL.Query().Get("token")
		if lp.Token == "" {
			s.invalidLink(w, r, lp)
			return
		}
		s.renderLink(w, r, http.StatusOK, lp, "", nil)
	}
}

// linkSpend spends the token through the library and says the outcome.
func (s *server) linkSpend(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lp := linkKinds[path]
		lp.Action, lp.Token = BasePath+path, r.PostFormValue("token")
		if lp.Token == "" {
			s.invalidLink(w, r, lp)
			return
		}
		ctx := r.Context()
		var err error
		switch path {
		case VerifyEmailPath:
			err = s.verif.ConfirmEmail(ctx, s.db, lp.Token)
		case ConfirmEmailChangePath:
			err = s.verif.ConfirmEmailChange(ctx, s.db, lp.Token)
		case ResetPasswordPath:
			pw := r.PostFormValue("password")
			if pw != r.PostFormValue("password_confirmation") {
				// The form's own check (two fields typed alike), not a
				// password rule: those are the library's.
				err = usermgmt.Invalid("password_confirmation", "match", "is not the same as the new password")
				break
			}
			err = s.verif.ResetPassword(ctx, s.db, lp.Token, pw)
		}
		switch {
		case err == nil:
			lp.Token, lp.SignIn = "", path == ResetPasswordPath
			s.renderLink(w, r, http.StatusOK, lp, "", nil)
		case errors.Is(err, verification.ErrInvalidLink):
			s.invalidLink(w, r, lp)
		default:
			// A refused password (the library's field error), an address
			// another account took meanwhile (the link is not spent): the
			// form stays, with the token, to try again.
			status, msg, problems := s.explain(ctx, err)
			s.renderLink(w, r, status, lp, msg, problems)
		}
	}
}
