package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// problem is an RFC 9457 problem document, with a stable machine-readable
// code and, for bad input, the list of bad fields.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code"`
	Check  string         `json:"check,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
	// Current is the current state a stale versioned write met (the
	// referral credits' balance and version), for the client to decide
	// again.
	Current   map[string]any `json:"current,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// fieldProblem names one bad field of a request.
type fieldProblem struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	// Rule is the library's machine-readable rule code, when the error
	// comes from its validation.
	Rule string `json:"rule,omitempty"`
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

// Errors of the API itself.
var (
	errRouteNotFound    = &badRequest{status: http.StatusNotFound, code: "route_not_found", detail: "no route has this path"}
	errMethodNotAllowed = &badRequest{status: http.StatusMethodNotAllowed, code: "method_not_allowed", detail: "the route does not take this method: see the Allow header"}
)

// errDatabaseUnavailable marks an error as the database's: a lost
// connection, a timeout, a busy database, a serialization failure. It is
// answered 503 with Retry-After.
var errDatabaseUnavailable = errors.New("the database is unavailable; retry shortly")

// statusOf is the one table that maps errors to HTTP statuses and stable
// codes, first match wins. Errors it does not know are 500 "internal",
// except the database's, which are 503 "database_unavailable".
var statusOf = []struct {
	err    error
	status int
	code   string
}{
	// Package referral's errors, ahead of the usermgmt sentinels they
	// wrap. ErrSelfReferral and ErrCycle are also validation errors
	// (400 validation_failed naming referrer_id, rules self_referral and
	// referral_cycle).
	{referral.ErrUnknownCode, http.StatusNotFound, "referral_code_unknown"},
	{referral.ErrStaleVersion, http.StatusConflict, "credits_version_conflict"},
	{referral.ErrInsufficientCredits, http.StatusConflict, "insufficient_credits"},
	{referral.ErrAlreadyReferred, http.StatusConflict, "already_referred"},
	{referral.ErrAttachWindowClosed, http.StatusConflict, "attach_window_closed"},
	{referral.ErrIdempotencyKeyReused, http.StatusConflict, "idempotency_key_reused"},
	// Package verification's errors.
	{verification.ErrInvalidLink, http.StatusBadRequest, "invalid_link"},
	{verification.ErrNoCode, http.StatusConflict, "no_live_code"},
	{verification.ErrWrongCode, http.StatusBadRequest, "wrong_code"},
	{verification.ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
	{verification.ErrAlreadyVerified, http.StatusConflict, "already_verified"},
	// Packages thirdparty and thirdparty/sevenrooms: a SevenRooms failure
	// is the upstream's (502, 504), never this server's 500.
	{thirdparty.ErrTaken, http.StatusConflict, "profile_taken"},
	{thirdparty.ErrNotFound, http.StatusNotFound, "not_found"},
	{thirdparty.ErrConflict, http.StatusConflict, "link_conflict"},
	{sevenrooms.ErrWebhookUnauthentic, http.StatusUnauthorized, "webhook_unauthentic"},
	{sevenrooms.ErrWebhookReplay, http.StatusConflict, "webhook_replayed"},
	{sevenrooms.ErrWebhookBody, http.StatusBadRequest, "webhook_body_invalid"},
	{sevenrooms.ErrPartial, http.StatusBadGateway, "merge_partial"},
	{sevenrooms.ErrUndoExpired, http.StatusConflict, "undo_expired"},
	{sevenrooms.ErrDuplicates, http.StatusConflict, "duplicates_exist"},
	{sevenrooms.ErrDeleted, http.StatusGone, "sevenrooms_profile_deleted"},
	{sevenrooms.ErrNotFound, http.StatusNotFound, "sevenrooms_profile_not_found"},
	{sevenrooms.ErrConflict, http.StatusConflict, "sevenrooms_conflict"},
	{sevenrooms.ErrUnauthorized, http.StatusBadGateway, "sevenrooms_unauthorized"},
	{sevenrooms.ErrForbidden, http.StatusBadGateway, "sevenrooms_unauthorized"},
	{sevenrooms.ErrBadRequest, http.StatusBadGateway, "sevenrooms_refused"},
	{sevenrooms.ErrRateLimited, http.StatusServiceUnavailable, "sevenrooms_rate_limited"},
	{sevenrooms.ErrTimeout, http.StatusGatewayTimeout, "sevenrooms_timeout"},
	{sevenrooms.ErrPageCap, http.StatusBadGateway, "sevenrooms_page_cap"},
	{sevenrooms.ErrUpstream, http.StatusBadGateway, "sevenrooms_unavailable"},
	{usermgmt.ErrNotFound, http.StatusNotFound, "not_found"},
	{usermgmt.ErrProfileHidden, http.StatusNotFound, "profile_hidden"},
	{usermgmt.ErrUnderImpersonation, http.StatusForbidden, "forbidden_under_impersonation"},
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
	{errDatabaseUnavailable, http.StatusServiceUnavailable, "database_unavailable"},
}

// retryAfterSeconds is the Retry-After of a 503.
const retryAfterSeconds = "2"

// writeError writes err as a problem document. Internal details never
// reach the client; they are logged with the request id.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Type: "about:blank"}
	p.RequestID = requestID(r.Context())
	var br *badRequest
	var verr *usermgmt.ValidationError
	var feesErr *fees.ValidationError
	var feeField *fees.FieldError
	var tokenErr *impersonation.VerifyError
	if isDatabaseUnavailable(err) && !errors.As(err, &verr) {
		a.log.WarnContext(r.Context(), "database unavailable", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
		err = errDatabaseUnavailable
	}
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
			p.Errors = append(p.Errors, fieldProblem{Name: f.Field, Reason: f.Message, Rule: f.Rule})
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
				p.Detail = m.err.Error()
				for _, pkg := range []string{"usermgmt: ", "impersonation: ", "referral: ", "verification: ", "thirdparty: ", "sevenrooms: "} {
					p.Detail = strings.TrimPrefix(p.Detail, pkg)
				}
				break
			}
		}
		var stale *referral.StaleCreditsError
		if errors.As(err, &stale) {
			p.Current = map[string]any{"balance": stale.Balance, "version": stale.Version, "changed_by": stale.ChangedBy, "changed_at": stale.ChangedAt}
		}
		var partial *sevenrooms.PartialError
		if errors.As(err, &partial) {
			p.Current = map[string]any{"merge_id": partial.MergeID}
		}
		var dups *sevenrooms.DuplicatesError
		if errors.As(err, &dups) {
			p.Current = map[string]any{"duplicates": dups.Count}
		}
		if errors.As(err, &tokenErr) {
			p.Check = string(tokenErr.Check)
		}
		var wrong *verification.WrongCodeError
		if errors.As(err, &wrong) {
			p.Current = map[string]any{"checks_left": wrong.Left}
		}
		var limited *verification.RateLimitError
		if errors.As(err, &limited) {
			p.Current = map[string]any{"limit": limited.Scope}
			w.Header().Set("Retry-After", retryAfter(limited.RetryAfter))
		}
		if p.Status == 0 {
			a.log.ErrorContext(r.Context(), "request failed", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
			p.Status, p.Code, p.Detail = http.StatusInternalServerError, "internal", "internal error"
		}
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="userdesk"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// isDatabaseUnavailable reports whether err is the database failing
// rather than the request: a dropped or refused connection, a timeout, a
// PostgreSQL connection, resource or shutdown error, a serialization
// failure or deadlock, or SQLite's busy and locked.
func isDatabaseUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),          // insufficient resources
			strings.HasPrefix(pgErr.Code, "57"),          // operator intervention (admin shutdown, cancel)
			pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock
			return true
		}
		return false
	}
	var netErr net.Error
	var sqliteErr interface{ Code() int }
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr), pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return true
	case errors.As(err, &sqliteErr):
		code := sqliteErr.Code() & 0xff
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	// database/sql and the drivers leave these unexported.
	msg := err.Error()
	return strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "conn closed") || strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "connection reset")
}
