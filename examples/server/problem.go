package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// problem is an RFC 9457 problem document, with a stable machine-readable
// code and, for bad input, the list of bad fields.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Code      string         `json:"code"`
	Errors    []fieldProblem `json:"errors,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// fieldProblem names one bad field of a request.
type fieldProblem struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// badRequest is an error about the request itself, answered with its
// status (400 unless set), code ("bad_request" unless set) and fields.
type badRequest struct {
	status int
	code   string
	detail string
	fields []fieldProblem
}

func (e *badRequest) Error() string { return e.detail }

// errUnauthenticated: no valid credentials.
var errUnauthenticated = errors.New("authentication required")

// statusOf is the one table that maps library errors to HTTP statuses and
// stable codes.
var statusOf = []struct {
	err    error
	status int
	code   string
}{
	{usermgmt.ErrNotFound, http.StatusNotFound, "not_found"},
	{usermgmt.ErrProfileHidden, http.StatusNotFound, "profile_hidden"},
	{usermgmt.ErrUnderImpersonation, http.StatusForbidden, "forbidden_under_impersonation"},
	{usermgmt.ErrStaleVersion, http.StatusConflict, "version_conflict"},
	{usermgmt.ErrEmailTaken, http.StatusConflict, "email_taken"},
	{usermgmt.ErrCounterNegative, http.StatusConflict, "counter_negative"},
	{usermgmt.ErrConflict, http.StatusConflict, "conflict"},
	{usermgmt.ErrForbidden, http.StatusForbidden, "forbidden"},
	{usermgmt.ErrInvalidCredentials, http.StatusUnauthorized, "invalid_credentials"},
	{usermgmt.ErrLoginRefused, http.StatusForbidden, "login_refused"},
	{usermgmt.ErrSessionInvalid, http.StatusUnauthorized, "unauthenticated"},
	{errUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{usermgmt.ErrInvalidCursor, http.StatusBadRequest, "invalid_cursor"},
	{usermgmt.ErrNoBankKey, http.StatusServiceUnavailable, "bank_key_unavailable"},
	{impersonation.ErrChain, http.StatusForbidden, "impersonation_chain"},
	{impersonation.ErrUserRefused, http.StatusForbidden, "user_not_impersonable"},
	{impersonation.ErrReadOnly, http.StatusForbidden, "read_only_impersonation"},
	{impersonation.ErrInvalidToken, http.StatusUnauthorized, "invalid_token"},
	{impersonation.ErrNoToken, http.StatusUnauthorized, "unauthenticated"},
	{impersonation.ErrNoSigningKey, http.StatusServiceUnavailable, "signing_key_unavailable"},
}

// writeError writes err as a problem document. Internal details never
// reach the client; they are logged with the request id.
func (a *app) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Type: "about:blank"}
	p.RequestID, _ = r.Context().Value(requestIDKey).(string)
	var br *badRequest
	var verr *usermgmt.ValidationError
	var feesErr *fees.ValidationError
	var feeField *fees.FieldError
	switch {
	case errors.As(err, &br):
		p.Status, p.Code, p.Detail, p.Errors = br.status, br.code, br.detail, br.fields
		if p.Status == 0 {
			p.Status = http.StatusBadRequest
		}
		if p.Code == "" {
			p.Code = "bad_request"
		}
	case errors.As(err, &verr):
		p.Status, p.Code, p.Detail = http.StatusBadRequest, "validation_failed", "the request has invalid fields"
		for _, f := range verr.Fields {
			p.Errors = append(p.Errors, fieldProblem{Name: f.Field, Reason: f.Message})
		}
	case errors.As(err, &feesErr):
		p.Status, p.Code, p.Detail = http.StatusBadRequest, "invalid_fees", "the fee request has invalid fields"
		for _, fe := range feesErr.Errors {
			p.Errors = append(p.Errors, fieldProblem{Name: fe.Field, Reason: strings.TrimPrefix(fe.Err.Error(), "fees: ")})
		}
	case errors.As(err, &feeField):
		p.Status, p.Code, p.Detail = http.StatusBadRequest, "invalid_fees", "the fee request has invalid fields"
		p.Errors = []fieldProblem{{Name: feeField.Field, Reason: strings.TrimPrefix(feeField.Err.Error(), "fees: ")}}
	default:
		for _, m := range statusOf {
			if errors.Is(err, m.err) {
				p.Status, p.Code = m.status, m.code
				p.Detail = strings.TrimPrefix(m.err.Error(), "usermgmt: ")
				break
			}
		}
		if p.Status == 0 {
			a.log.ErrorContext(r.Context(), "request failed", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
			p.Status, p.Code, p.Detail = http.StatusInternalServerError, "internal", "internal error"
		}
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userdesk"`)
	}
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
