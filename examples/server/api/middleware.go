package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

type ctxKey int

const requestIDKey ctxKey = iota

var requestIDShape = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID is the request's id, set by the middleware.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// drainLimit is how much of an oversized body the server reads and throws
// away after answering 413, so that the client (which may be sending the
// whole body without waiting for 100-continue) reads the answer instead
// of a connection reset. Past it the connection is closed as it is.
const drainLimit = 64 << 20

// middleware gives every request an id (the caller's X-Request-Id when it
// looks sane), echoes it in the response, logs one line per request,
// turns a panic into a 500 problem, and refuses an oversized body from
// its Content-Length before reading any of it (a chunked one as soon as
// it passes the limit).
func (a *API) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDShape.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(v))
				if !rec.wrote {
					a.writeError(rec, r, fmt.Errorf("panic: %v", v))
				}
			}
			a.log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", a.now().Sub(start).Milliseconds())
		}()
		if r.ContentLength > a.maxBody {
			a.refuseBody(rec, r)
			return
		}
		if r.ContentLength < 0 {
			// A body of unknown length (chunked) is read up to the
			// limit here, before any handler runs, so that one that
			// turns out too large is refused the same way whatever the
			// route (and whether or not its handler reads a body); the
			// handlers read whole bodies anyway.
			body, err := io.ReadAll(io.LimitReader(r.Body, a.maxBody+1))
			switch {
			case err != nil:
				a.writeError(rec, r, &badRequest{code: "invalid_body", detail: "the request body could not be read"})
				return
			case int64(len(body)) > a.maxBody:
				a.refuseBody(rec, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		r.Body = http.MaxBytesReader(rec, r.Body, a.maxBody)
		next.ServeHTTP(rec, r)
	})
}

// refuseBody answers 413 before reading (the rest of) the body, then
// reads and discards up to drainLimit of it so that the answer reaches
// the client; the connection is closed after it.
func (a *API) refuseBody(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.EnableFullDuplex()
	w.Header().Set("Connection", "close")
	a.writeError(w, r, errBodyTooLarge(a.maxBody))
	_ = rc.Flush()
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, drainLimit))
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

// unknownRoutes answers what no route serves with a problem document:
// 404 route_not_found, or 405 method_not_allowed with the mux's Allow
// header. Redirects the mux makes (a cleaned path) go through as they
// are.
func (a *API) unknownRoutes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		c := &captured{header: http.Header{}}
		h.ServeHTTP(c, r)
		switch {
		case c.status == http.StatusMethodNotAllowed:
			w.Header().Set("Allow", c.header.Get("Allow"))
			a.writeError(w, r, errMethodNotAllowed)
		case c.status >= 300 && c.status < 400:
			for k, v := range c.header {
				w.Header()[k] = v
			}
			w.WriteHeader(c.status)
		default:
			a.writeError(w, r, errRouteNotFound)
		}
	})
}

// captured records what the mux's own 404, 405 or redirect handler would
// write.
type captured struct {
	header http.Header
	status int
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

var _ http.Flusher = (*statusRecorder)(nil)
