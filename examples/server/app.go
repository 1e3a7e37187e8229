package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// app holds what the handlers share.
type app struct {
	db      *bun.DB
	log     *slog.Logger
	cfg     config
	users   *usermgmt.Service
	keyring *usermgmt.BankKeyring
	imp     *impersonation.Service
	limiter *loginLimiter
}

func (a *app) bankKeys() *usermgmt.BankKeyring { return a.keyring }

func newApp(db *bun.DB, log *slog.Logger, cfg config) (*app, error) {
	var keyring *usermgmt.BankKeyring
	if cfg.bankKey != nil {
		var err error
		if keyring, err = usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": cfg.bankKey}); err != nil {
			return nil, err
		}
	}
	users, err := usermgmt.New(usermgmt.Config{BankKeys: keyring, Logger: log})
	if err != nil {
		return nil, err
	}
	a := &app{db: db, log: log, cfg: cfg, users: users, keyring: keyring, limiter: newLoginLimiter(time.Now)}
	if a.imp, err = newImpersonation(users, cfg); err != nil {
		return nil, err
	}
	// An account that may no longer log in loses its sessions in the same
	// transaction as the status change or the erasure.
	users.OnPasswordSet(func(ctx context.Context, tx bun.IDB, e usermgmt.PasswordSet) error {
		// A real host queues an email to the user here (outbox). The
		// reference server logs it, without the password.
		log.InfoContext(ctx, "password set by an operator; the user should be told", "user", e.UserID, "temporary", e.Temporary)
		return nil
	})
	return a, nil
}

// handlerFunc is a handler that reports failure by returning an error,
// which handle turns into a problem document.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *app) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// --- request ids, access log, panics -------------------------------------

type ctxKey int

const requestIDKey ctxKey = iota

var requestIDShape = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID gives every request an id (the caller's X-Request-Id when
// it looks sane), echoes it in the response and logs one line per request.
func (a *app) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDShape.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				a.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(v))
				if !rec.wrote {
					a.writeError(rec, r, fmt.Errorf("panic: %v", v))
				}
			}
			a.log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush lets streamed exports reach the client as they go.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// --- JSON ----------------------------------------------------------------

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decodeJSON decodes exactly one JSON object from the body into v,
// refusing unknown fields. Its errors are problems naming the field.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return &badRequest{detail: "request body must hold a single JSON value"}
	}
	return nil
}

// jsonProblem describes a JSON decoding error, naming the field where
// encoding/json says which one.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var feesErr *fees.ValidationError
	switch {
	case errors.As(err, &feesErr):
		return feesErr // a fees decoder named the bad fields itself
	case errors.As(err, &tooBig):
		return &badRequest{status: http.StatusRequestEntityTooLarge, code: "body_too_large", detail: fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit)}
	case errors.As(err, &syntax):
		return &badRequest{detail: fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)}
	case errors.As(err, &typ):
		return &badRequest{detail: "a field has the wrong type", fields: []fieldProblem{{Name: typ.Field, Reason: "must be a JSON " + typ.Type.String()}}}
	case errors.Is(err, io.EOF):
		return &badRequest{detail: "request body is empty: a JSON object is required"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &badRequest{code: "unknown_field", detail: "unknown field " + name, fields: []fieldProblem{{Name: name, Reason: "unknown field"}}}
	}
	return &badRequest{detail: "invalid JSON body: " + err.Error()}
}

// pathUUID parses the {name} path value as a UUID; a malformed one is an
// unknown id (404), since no resource has it.
func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, usermgmt.ErrNotFound
	}
	return id, nil
}
