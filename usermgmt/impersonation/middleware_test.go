package impersonation_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		readOnly := e.issue(t, e.support, user, impersonation.ScopeReadOnly).Token
		full := e.issue(t, e.admin, user, impersonation.ScopeFull).Token
		expired := e.sibling(t, func(c *impersonation.Config) {
			c.Now = func() time.Time { return e.clock.Now().Add(-time.Hour) }
		})
		old, err := expired.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "old"})
		if err != nil {
			t.Fatal(err)
		}

		// The handler reports what it sees, and tries to chain.
		type seen struct {
			Impersonated bool   `json:"impersonated"`
			User         string `json:"user"`
			Operator     string `json:"operator"`
			Chain        bool   `json:"chain_refused"`
		}
		app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var s seen
			if u, ok := impersonation.UserID(r.Context()); ok {
				op, _ := impersonation.OperatorID(r.Context())
				s = seen{Impersonated: true, User: u.String(), Operator: op.String()}
				_, err := e.imp.Issue(r.Context(), db, impersonation.IssueRequest{OperatorID: op, UserID: u, Reason: "again"})
				s.Chain = errors.Is(err, impersonation.ErrChain)
			}
			_ = json.NewEncoder(w).Encode(s)
		})
		bearer := func(tok string) func(*http.Request) {
			return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
		}
		for _, tc := range []struct {
			name     string
			cfg      impersonation.MiddlewareConfig
			method   string
			req      func(*http.Request)
			status   int
			code     string // error code in the body, for refusals
			check    string
			operator string // acting operator seen by the handler
		}{
			{"read-only GET", impersonation.MiddlewareConfig{}, http.MethodGet, bearer(readOnly), 200, "", "", e.support.String()},
			{"read-only HEAD", impersonation.MiddlewareConfig{}, http.MethodHead, bearer(readOnly), 200, "", "", ""},
			{"read-only POST refused", impersonation.MiddlewareConfig{}, http.MethodPost, bearer(readOnly), 403, "read_only_impersonation", "", ""},
			{"read-only PUT refused", impersonation.MiddlewareConfig{}, http.MethodPut, bearer(readOnly), 403, "read_only_impersonation", "", ""},
			{"read-only PATCH refused", impersonation.MiddlewareConfig{}, http.MethodPatch, bearer(readOnly), 403, "read_only_impersonation", "", ""},
			{"read-only DELETE refused", impersonation.MiddlewareConfig{}, http.MethodDelete, bearer(readOnly), 403, "read_only_impersonation", "", ""},
			{"read-only unknown method refused", impersonation.MiddlewareConfig{}, "PURGE", bearer(readOnly), 403, "read_only_impersonation", "", ""},
			{"full POST", impersonation.MiddlewareConfig{}, http.MethodPost, bearer(full), 200, "", "", e.admin.String()},
			{"bearer scheme in any case", impersonation.MiddlewareConfig{}, http.MethodGet, func(r *http.Request) { r.Header.Set("Authorization", "bearer "+full) }, 200, "", "", e.admin.String()},
			{"no token", impersonation.MiddlewareConfig{}, http.MethodGet, func(*http.Request) {}, 401, "impersonation_required", "", ""},
			{"no token, optional", impersonation.MiddlewareConfig{Optional: true}, http.MethodPost, func(*http.Request) {}, 200, "", "", ""},
			{"another scheme counts as none", impersonation.MiddlewareConfig{Optional: true}, http.MethodGet, func(r *http.Request) { r.SetBasicAuth("a", "b") }, 200, "", "", ""},
			{"expired", impersonation.MiddlewareConfig{Optional: true}, http.MethodGet, bearer(old.Token), 401, "invalid_token", "expired", ""},
			{"a JWT", impersonation.MiddlewareConfig{}, http.MethodGet, bearer("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln"), 401, "invalid_token", "format", ""},
			{"custom header", impersonation.MiddlewareConfig{Header: "X-Impersonation"}, http.MethodGet, func(r *http.Request) { r.Header.Set("X-Impersonation", full) }, 200, "", "", e.admin.String()},
			{"custom header ignores Authorization", impersonation.MiddlewareConfig{Header: "X-Impersonation"}, http.MethodGet, bearer(full), 401, "impersonation_required", "", ""},
			{"cookie", impersonation.MiddlewareConfig{Cookie: "imp"}, http.MethodGet, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "imp", Value: readOnly}) }, 200, "", "", e.support.String()},
			{"cookie, read-only POST refused", impersonation.MiddlewareConfig{Cookie: "imp"}, http.MethodPost, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "imp", Value: readOnly}) }, 403, "read_only_impersonation", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := e.imp.Middleware(db, tc.cfg)(app)
				r := httptest.NewRequest(tc.method, "/dashboard", nil)
				tc.req(r)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
				}
				if tc.method == http.MethodHead {
					return
				}
				if tc.code != "" {
					var body map[string]string
					if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] != tc.code || body["check"] != tc.check {
						t.Fatalf("body %s (%v)", w.Body, err)
					}
					return
				}
				var s seen
				if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
					t.Fatal(err)
				}
				if tc.operator == "" {
					if s.Impersonated {
						t.Fatalf("handler saw an impersonation: %+v", s)
					}
					return
				}
				if !s.Impersonated || s.User != user.String() || s.Operator != tc.operator || !s.Chain {
					t.Fatalf("handler saw %+v", s)
				}
			})
		}

		t.Run("custom error writer", func(t *testing.T) {
			var got error
			h := e.imp.Middleware(db, impersonation.MiddlewareConfig{
				OnError: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
					got = err
					w.WriteHeader(status)
				},
			})(app)
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			bearer(readOnly)(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden || !errors.Is(got, impersonation.ErrReadOnly) {
				t.Fatalf("status %d, err %v", w.Code, got)
			}
		})
	})
}
