package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// Route patterns.
const (
	routeHealthz   = "GET /healthz"
	routeFeesQuote = "POST /v1/fees/quote"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// server holds what the handlers share.
type server struct {
	db  *bun.DB
	log *slog.Logger
}

func newServer(db *bun.DB, log *slog.Logger) *server {
	return &server{db: db, log: log}
}

// routes returns the server's handler.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(routeHealthz, s.handle(s.healthz))
	mux.Handle(routeFeesQuote, s.handle(s.feesQuote))
	return mux
}

// handlerFunc is a handler that reports failure by returning an error,
// which handle turns into a problem document.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decodeJSON decodes exactly one JSON value from the body into v, refusing
// unknown fields. Its errors are *badRequest problems.
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
		return &badRequest{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit)}
	case errors.As(err, &syntax):
		return &badRequest{detail: fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)}
	case errors.As(err, &typ):
		return &badRequest{detail: "a field has the wrong type", fields: []fieldProblem{{Name: typ.Field, Reason: "must be a JSON " + typ.Type.String()}}}
	default:
		return &badRequest{detail: "invalid JSON body: " + err.Error(), cause: err}
	}
}
