package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/userdesk/userdesk/fees"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

// fieldProblem names one bad field of a request.
type fieldProblem struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// badRequest is an error about the request itself, answered with its status
// (400 unless set) and fields.
type badRequest struct {
	status int
	detail string
	fields []fieldProblem
	cause  error
}

func (e *badRequest) Error() string { return e.detail }
func (e *badRequest) Unwrap() error { return e.cause }

// writeError is the one place that maps errors to HTTP statuses and stable
// codes. Internal details never reach the client; they are logged.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Type: "about:blank"}
	var br *badRequest
	var feesErr *fees.ValidationError
	switch {
	case errors.As(err, &br):
		p.Status, p.Code, p.Detail, p.Errors = br.status, "bad_request", br.detail, br.fields
		if p.Status == 0 {
			p.Status = http.StatusBadRequest
		}
		if p.Status == http.StatusRequestEntityTooLarge {
			p.Code = "body_too_large"
		}
		if name, ok := unknownField(br.cause); ok {
			p.Code = "unknown_field"
			p.Errors = []fieldProblem{{Name: name, Reason: "unknown field"}}
		}
	case errors.As(err, &feesErr):
		p.Status, p.Code, p.Detail = http.StatusBadRequest, "invalid_fees", "the fee request has invalid fields"
		for _, fe := range feesErr.Errors {
			p.Errors = append(p.Errors, fieldProblem{Name: fe.Field, Reason: strings.TrimPrefix(fe.Err.Error(), "fees: ")})
		}
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Status, p.Code, p.Detail = http.StatusInternalServerError, "internal", "internal error"
	}
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// unknownField extracts the name from encoding/json's unknown-field error.
func unknownField(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	return strings.Trim(rest, `"`), true
}
