package impersonation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func TestVerifyRefusesTokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		good := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
		k2 := newKey(t, "k2")
		at := func(d time.Duration) func(*impersonation.Config) {
			return func(c *impersonation.Config) { c.Now = func() time.Time { return e.clock.Now().Add(d) } }
		}
		issueWith := func(t *testing.T, s *impersonation.Service) string {
			t.Helper()
			is, err := s.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 2"})
			if err != nil {
				t.Fatal(err)
			}
			return is.Token
		}

		t.Run("tampered payload", func(t *testing.T) {
			payload, footer := parts(t, good.Token)
			// "read_only" becomes "read_onlz": still valid JSON, bad signature.
			i := strings.Index(string(payload), "read_only")
			payload[i+8] = 'z'
			_, err := e.imp.Verify(e.ctx, db, assemble(payload, footer))
			wantRefused(t, err, impersonation.CheckSignature, impersonation.ErrSignature)
		})

		t.Run("tampered signature", func(t *testing.T) {
			payload, footer := parts(t, good.Token)
			payload[len(payload)-1] ^= 1
			_, err := e.imp.Verify(e.ctx, db, assemble(payload, footer))
			wantRefused(t, err, impersonation.CheckSignature, impersonation.ErrSignature)
		})

		t.Run("tampered footer", func(t *testing.T) {
			// The footer is signed too: pointing it at another key of the
			// ring breaks the signature.
			both := e.sibling(t, func(c *impersonation.Config) {
				c.Keys = impersonation.KeyRing{Keys: []impersonation.Key{e.key, k2}}
			})
			payload, _ := parts(t, good.Token)
			_, err := both.Verify(e.ctx, db, assemble(payload, []byte(`{"kid":"k2"}`)))
			wantRefused(t, err, impersonation.CheckSignature, impersonation.ErrSignature)
		})

		t.Run("wrong key", func(t *testing.T) {
			impostor := newKey(t, "k1")
			forger := e.sibling(t, func(c *impersonation.Config) {
				c.Keys = impersonation.KeyRing{Keys: []impersonation.Key{impostor}}
			})
			_, err := e.imp.Verify(e.ctx, db, issueWith(t, forger))
			wantRefused(t, err, impersonation.CheckSignature, impersonation.ErrSignature)
		})

		t.Run("rotation keeps live tokens", func(t *testing.T) {
			rotated := e.sibling(t, func(c *impersonation.Config) {
				c.Keys = impersonation.KeyRing{Current: "k2", Keys: []impersonation.Key{{ID: "k1", Public: e.key.Public}, k2}}
			})
			if _, err := rotated.Verify(e.ctx, db, good.Token); err != nil {
				t.Fatalf("token of the previous key: %v", err)
			}
			fresh := issueWith(t, rotated)
			_, foot := parts(t, fresh)
			if string(foot) != `{"kid":"k2"}` {
				t.Fatalf("signed with %s", foot)
			}
			if _, err := rotated.Verify(e.ctx, db, fresh); err != nil {
				t.Fatal(err)
			}
			// A verifier that does not know k2 yet refuses its tokens.
			_, err := e.imp.Verify(e.ctx, db, fresh)
			wantRefused(t, err, impersonation.CheckKey, impersonation.ErrUnknownKey)
		})

		t.Run("rotated-out key", func(t *testing.T) {
			s := e.sibling(t, func(c *impersonation.Config) {
				c.Keys = impersonation.KeyRing{Keys: []impersonation.Key{k2}}
			})
			_, err := s.Verify(e.ctx, db, good.Token)
			wantRefused(t, err, impersonation.CheckKey, impersonation.ErrUnknownKey)
		})

		t.Run("rotated out at run time", func(t *testing.T) {
			s := e.sibling(t, func(*impersonation.Config) {})
			if _, err := s.Verify(e.ctx, db, good.Token); err != nil {
				t.Fatal(err)
			}
			if err := s.SetKeys(impersonation.KeyRing{Keys: []impersonation.Key{k2}}); err != nil {
				t.Fatal(err)
			}
			_, err := s.Verify(e.ctx, db, good.Token)
			wantRefused(t, err, impersonation.CheckKey, impersonation.ErrUnknownKey)
			if err := s.SetKeys(impersonation.KeyRing{}); err == nil {
				t.Fatal("empty ring accepted")
			}
			_, err = s.Verify(e.ctx, db, good.Token) // the ring in force is still {k2}
			wantRefused(t, err, impersonation.CheckKey, impersonation.ErrUnknownKey)
		})

		t.Run("expired", func(t *testing.T) {
			// 15 minutes of life plus 30 seconds of skew.
			if _, err := e.sibling(t, at(15*time.Minute+29*time.Second)).Verify(e.ctx, db, good.Token); err != nil {
				t.Fatalf("within the skew: %v", err)
			}
			_, err := e.sibling(t, at(15*time.Minute+30*time.Second)).Verify(e.ctx, db, good.Token)
			wantRefused(t, err, impersonation.CheckExpired, impersonation.ErrExpired)
		})

		t.Run("not yet valid", func(t *testing.T) {
			ahead := issueWith(t, e.sibling(t, at(31*time.Second)))
			_, err := e.imp.Verify(e.ctx, db, ahead)
			wantRefused(t, err, impersonation.CheckNotYetValid, impersonation.ErrNotYetValid)
			slightlyAhead := issueWith(t, e.sibling(t, at(30*time.Second)))
			if _, err := e.imp.Verify(e.ctx, db, slightlyAhead); err != nil {
				t.Fatalf("within the skew: %v", err)
			}
		})

		t.Run("wrong audience", func(t *testing.T) {
			other := e.sibling(t, func(c *impersonation.Config) { c.Audience = "https://partner.example.test" })
			_, err := e.imp.Verify(e.ctx, db, issueWith(t, other))
			wantRefused(t, err, impersonation.CheckAudience, impersonation.ErrAudience)
		})

		t.Run("lifetime above the current cap", func(t *testing.T) {
			long, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "long", TTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			stricter := e.sibling(t, func(c *impersonation.Config) { c.MaxTTL = 30 * time.Minute })
			_, err = stricter.Verify(e.ctx, db, long.Token)
			wantRefused(t, err, impersonation.CheckClaims, impersonation.ErrMalformed)
		})

		t.Run("revoked", func(t *testing.T) {
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			if _, err := e.imp.Revoke(e.ctx, db, e.support, is.Record.ID, "done"); err != nil {
				t.Fatal(err)
			}
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
		})

		t.Run("no record", func(t *testing.T) {
			var token string
			_ = db.RunInTx(e.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				is, err := e.imp.Issue(ctx, tx, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "rolled back"})
				if err != nil {
					t.Fatal(err)
				}
				token = is.Token
				return errors.New("roll back")
			})
			_, err := e.imp.Verify(e.ctx, db, token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
		})

		for _, tc := range []struct {
			name  string
			token func(t *testing.T) string
		}{
			{"empty", func(*testing.T) string { return "" }},
			{"garbage", func(*testing.T) string { return "not a token at all" }},
			{"JWT", func(*testing.T) string {
				return "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzIiwiYXVkIjoiaHR0cHM6Ly9hcHAuZXhhbXBsZS50ZXN0In0.c2lnbmF0dXJl"
			}},
			{"JWT with alg none", func(*testing.T) string {
				return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzIn0."
			}},
			{"v2.local", func(*testing.T) string {
				tok := paseto.NewToken()
				tok.SetSubject(user.String())
				return tok.V2Encrypt(paseto.NewV2SymmetricKey())
			}},
			{"v2.public with the same Ed25519 key", func(t *testing.T) string {
				sk, err := paseto.NewV2AsymmetricSecretKeyFromEd25519(e.key.Private)
				if err != nil {
					t.Fatal(err)
				}
				tok := paseto.NewToken()
				tok.SetSubject(user.String())
				tok.SetFooter([]byte(`{"kid":"k1"}`))
				return tok.V2Sign(sk)
			}},
			{"v3.public", func(*testing.T) string {
				tok := paseto.NewToken()
				tok.SetFooter([]byte(`{"kid":"k1"}`))
				return tok.V3Sign(paseto.NewV3AsymmetricSecretKey(), nil)
			}},
			{"v4.local", func(*testing.T) string {
				tok := paseto.NewToken()
				tok.SetFooter([]byte(`{"kid":"k1"}`))
				return tok.V4Encrypt(paseto.NewV4SymmetricKey(), nil)
			}},
			{"v4.public without a key id", func(t *testing.T) string {
				sk, err := paseto.NewV4AsymmetricSecretKeyFromEd25519(e.key.Private)
				if err != nil {
					t.Fatal(err)
				}
				tok := paseto.NewToken()
				tok.SetSubject(user.String())
				return tok.V4Sign(sk, nil)
			}},
			{"header only", func(*testing.T) string { return "v4.public." }},
			{"too many parts", func(*testing.T) string { return good.Token + ".e30" }},
		} {
			t.Run("another format: "+tc.name, func(t *testing.T) {
				_, err := e.imp.Verify(e.ctx, db, tc.token(t))
				wantRefused(t, err, impersonation.CheckFormat, impersonation.ErrMalformed)
			})
		}

		t.Run("another purpose signed with the same key", func(t *testing.T) {
			// A v4.public the host signs with the ring's key for something
			// else lacks the implicit assertion: its signature fails here.
			sk, err := paseto.NewV4AsymmetricSecretKeyFromEd25519(e.key.Private)
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := parts(t, good.Token)
			tok, err := paseto.NewTokenFromClaimsJSON(payload[:len(payload)-64], []byte(`{"kid":"k1"}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.imp.Verify(e.ctx, db, tok.V4Sign(sk, nil))
			wantRefused(t, err, impersonation.CheckSignature, impersonation.ErrSignature)
		})

		if _, err := e.imp.Verify(e.ctx, db, good.Token); err != nil {
			t.Fatalf("the good token after all that: %v", err)
		}
	})
}

// TestVerifyFollowsTheParties covers what changes after issue: the
// operator's standing and the user's status.
func TestVerifyFollowsTheParties(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)

		t.Run("operator deactivated after issue", func(t *testing.T) {
			op := e.operator(t, usermgmt.RoleSupport)
			is := e.issue(t, op, e.user(t), impersonation.ScopeFull)
			if err := e.users.SetOperatorActive(e.ctx, db, op, false); err != nil {
				t.Fatal(err)
			}
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckOperator, impersonation.ErrOperatorRefused)
			if errors.Is(err, usermgmt.ErrForbidden) {
				t.Fatal("a refused token reads as a forbidden operator action")
			}
		})

		t.Run("operator stripped of the permission after issue", func(t *testing.T) {
			op := e.operator(t, usermgmt.RoleSupport)
			is := e.issue(t, op, e.user(t), impersonation.ScopeFull)
			if _, err := e.imp.Verify(e.ctx, db, is.Token); err != nil {
				t.Fatal(err)
			}
			if err := e.users.SetOperatorRoles(e.ctx, db, op, []usermgmt.OperatorRole{"reader"}); err != nil {
				t.Fatal(err)
			}
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckOperator, impersonation.ErrOperatorRefused)
		})

		t.Run("user invalidated after issue: the hook revokes", func(t *testing.T) {
			user := e.user(t)
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			if _, err := e.users.ChangeStatus(e.ctx, db, e.admin, user, usermgmt.StatusInvalidated, "chargeback fraud"); err != nil {
				t.Fatal(err)
			}
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
			// Back to live, the token stays revoked.
			if _, err := e.users.ChangeStatus(e.ctx, db, e.admin, user, usermgmt.StatusLive, "appeal granted"); err != nil {
				t.Fatal(err)
			}
			_, err = e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
		})

		t.Run("user invalidated behind the hook's back", func(t *testing.T) {
			user := e.user(t)
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			e.exec(t, "UPDATE userdesk_users SET status = 'invalidated' WHERE id = ?", user)
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckUser, impersonation.ErrUserRefused)
		})

		t.Run("user erased after issue", func(t *testing.T) {
			user := e.user(t)
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			e.exec(t, "UPDATE userdesk_users SET deleted_at = ? WHERE id = ?", time.Now().UTC(), user)
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckUser, impersonation.ErrUserRefused)
		})

		t.Run("user in review stays impersonable", func(t *testing.T) {
			user := e.user(t)
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			if _, err := e.users.ChangeStatus(e.ctx, db, e.admin, user, usermgmt.StatusInReview, "documents"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.imp.Verify(e.ctx, db, is.Token); err != nil {
				t.Fatal(err)
			}
		})
	})
}
