package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// page is what every template receives.
type page struct {
	Title string
	// Base is the mount path, for links.
	Base string
	// Op is the logged-in operator; nil on the login page.
	Op *usermgmt.Operator
	// Perms are the operator's permissions, to show only the controls
	// the library would accept (it checks again on every call).
	Perms map[string]bool
	// Keyword fills the search box of the header.
	Keyword string
	// Flash is a success message; Error and Problems an error in words.
	Flash    string
	Error    string
	Problems []string
	Data     any
}

func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"datetime": func(t time.Time) string {
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"dateptr": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
		"statusLabel": statusLabel,
		"actionLabel": actionLabel,
		"hasRole":     hasRole,
		"guestRoles":  func() []usermgmt.GuestRole { return guestRoles },
		"hasGuestRole": func(g usermgmt.Guest, r usermgmt.GuestRole) bool {
			for _, x := range g.Roles {
				if x == r {
					return true
				}
			}
			return false
		},
		"statuses": usermgmt.Statuses,
		"join":     strings.Join,
		"dec":      func(d decimal.Decimal) string { return d.String() },
		"optdec":   fees.OptionalDecimal.String,
		"initials": func(first, last string) string {
			var b strings.Builder
			for _, p := range []string{first, last} {
				if r := []rune(strings.TrimSpace(p)); len(r) > 0 {
					b.WriteRune(r[0])
				}
			}
			return strings.ToUpper(b.String())
		},
		"edits": func(d *detailData, landing string) editButton {
			labels := map[string]string{"presentation": "the presentation", "identity": "the identity", "bank_account": "the bank account"}
			return editButton{Show: d.CanImpersonate, Action: d.Self + "/impersonate", Landing: landing, Label: labels[landing]}
		},
		"yesno": func(b bool) string {
			if b {
				return "Yes"
			}
			return "No"
		},
	}
}

// editButton is a card's Edit button: an impersonation that opens the
// matching dashboard page of the front office.
type editButton struct {
	Show                   bool
	Action, Landing, Label string
}

// actionLabels name the audit trail's actions for a person; an action
// from another package without a label shows as recorded.
var actionLabels = map[string]string{
	usermgmt.ActionUserUpdate: "Profile changed", usermgmt.ActionStatusChange: "Status changed",
	usermgmt.ActionPasswordSet: "Password set", usermgmt.ActionFeesSet: "Fees changed",
	usermgmt.ActionCategoriesSet: "Categories changed", usermgmt.ActionVerificationsSet: "Verifications changed",
	usermgmt.ActionBankAccountSet: "Bank account set", usermgmt.ActionBankAccountReveal: "Bank account revealed",
	usermgmt.ActionPersonalDataView: "Personal data viewed", usermgmt.ActionGuestUpdate: "Guest invitation changed",
	usermgmt.ActionErase: "User deleted", impersonation.ActionIssue: "Impersonation started",
	verification.ActionPasswordResetSent: "Reset link sent", verification.ActionPasswordReset: "Password reset from a link",
	verification.ActionIDVerification: "ID verification recorded", verification.ActionEmailVerified: "Email verified from a link",
	verification.ActionEmailChanged: "Email changed from a link", verification.ActionPhoneVerified: "Phone verified by code",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

// statusLabel is a status as the first product document names it.
func statusLabel(st usermgmt.Status) string {
	switch st {
	case usermgmt.StatusLive:
		return "Live"
	case usermgmt.StatusInReview:
		return "In review"
	case usermgmt.StatusInvalidated:
		return "Invalidated"
	}
	return string(st)
}

// newPage fills the fields every authenticated page shares.
func (s *server) newPage(r *http.Request, title string) *page {
	oc := fromContext(r.Context())
	p := &page{Title: title, Op: oc.op, Perms: map[string]bool{}}
	if oc.op != nil {
		for _, perm := range s.users.Permissions(oc.op) {
			p.Perms[string(perm)] = true
		}
	}
	return p
}

// render executes a page into a buffer first, so a template error never
// sends half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, name string, status int, p *page) {
	p.Base = s.base
	if p.Perms == nil {
		p.Perms = map[string]bool{}
	}
	t, ok := s.pages[name]
	var buf bytes.Buffer
	if !ok {
		s.log.ErrorContext(r.Context(), "ui: no such template", "name", name)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "ui: template", "name", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderError shows an error page with a sentence; p may be nil.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, p *page, status int, msg string, problems ...string) {
	if p == nil {
		p = s.newPage(r, "Error")
	}
	p.Title, p.Error, p.Problems = "Something is wrong", msg, problems
	s.render(w, r, "error", status, p)
}

// fail shows err in words on the error page.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg, problems := s.explain(r, err)
	s.renderError(w, r, nil, status, msg, problems...)
}

// explain turns a library error into an HTTP status and sentences for an
// operator. Unexpected errors are logged and described generically.
func (s *server) explain(r *http.Request, err error) (int, string, []string) {
	var perm *usermgmt.PermissionError
	var verr *usermgmt.ValidationError
	var ferr *fees.ValidationError
	switch {
	case errors.As(err, &perm):
		return http.StatusForbidden, fmt.Sprintf("You are not allowed to do this: it needs the permission “%s”, which your roles do not give.", perm.Permission), nil
	case errors.Is(err, usermgmt.ErrForbidden):
		return http.StatusForbidden, "You are not allowed to do this.", nil
	case errors.As(err, &verr):
		var out []string
		for _, f := range verr.Fields {
			out = append(out, fieldLabel(f.Field)+": "+f.Message)
		}
		return http.StatusUnprocessableEntity, "Some fields need another value.", out
	case errors.As(err, &ferr):
		var out []string
		for _, f := range ferr.Errors {
			out = append(out, fieldLabel(f.Field)+": "+strings.TrimPrefix(f.Err.Error(), "fees: "))
		}
		return http.StatusUnprocessableEntity, "Some fields need another value.", out
	case errors.Is(err, usermgmt.ErrNotFound):
		return http.StatusNotFound, "This user does not exist, or was deleted.", nil
	case errors.Is(err, usermgmt.ErrProfileHidden):
		return http.StatusNotFound, "This profile is not public: the user's status hides it from other users.", nil
	case errors.Is(err, usermgmt.ErrStaleVersion):
		return http.StatusConflict, "Someone else changed this meanwhile. Reload the page and try again.", nil
	case errors.Is(err, usermgmt.ErrInvalidCursor):
		return http.StatusBadRequest, "This page link no longer fits the search. Start again from the first page.", nil
	case errors.Is(err, usermgmt.ErrNoBankKey):
		return http.StatusServiceUnavailable, "The bank details cannot be opened: this server has no bank key configured.", nil
	case errors.Is(err, impersonation.ErrUserRefused):
		return http.StatusConflict, "This user cannot be impersonated (the account is invalidated or deleted).", nil
	case errors.Is(err, impersonation.ErrNoSigningKey):
		return http.StatusServiceUnavailable, "Impersonation is not configured on this server.", nil
	case errors.Is(err, impersonation.ErrChain):
		return http.StatusForbidden, "You cannot impersonate from inside an impersonation.", nil
	case errors.Is(err, verification.ErrRateLimited):
		return http.StatusTooManyRequests, "Too many messages were sent for this user lately. Try again later.", nil
	}
	if status, msg, ok := explainThirdParty(err); ok {
		return status, msg, nil
	}
	s.log.ErrorContext(r.Context(), "ui: unexpected error", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "Something went wrong on our side. Try again; if it keeps happening, tell the platform team.", nil
}

// fieldLabel names a snake_case field for a person.
func fieldLabel(f string) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	return strings.ReplaceAll(f, "_", " ")
}

var fieldLabels = map[string]string{
	"asker_percent": "Fee as asker (%)", "asker_fixed": "Fee as asker (fixed)",
	"offeror_percent": "Fee as offeror (%)", "offeror_fixed": "Fee as offeror (fixed)",
	"use_standard": "Use standard platform fees", "price": "Sample price",
	"password": "Password", "confirmation": "Confirmation", "reason": "Reason",
	"status": "Status", "scope": "Scope", "landing": "Page", "category_ids": "Categories",
	"default_user_status": "Default status", "platform_mode": "Platform mode",
	"reference": "KYC reference",
}
