package impersonation

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// TestClaimsChecks signs tokens with the ring's own key and the package's
// implicit assertion, but claims Issue would never write: the signature
// holds, the claims check refuses them.
func TestClaimsChecks(t *testing.T) {
	t.Parallel()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := GenerateKey("k1", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s, err := New(Config{Users: users, Audience: "aud", Keys: KeyRing{Keys: []Key{key}}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	good := func() *claims {
		return &claims{
			Sub: uuid.Must(uuid.NewV7()).String(), Act: &actor{Sub: uuid.Must(uuid.NewV7()).String()},
			Jti: uuid.Must(uuid.NewV7()).String(), Aud: "aud", Iat: now, Nbf: now, Exp: now.Add(DefaultTTL),
			Scope: ScopeFull, Landing: LandingIdentity,
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*claims)
		check Check // "" means accepted
	}{
		{"as issued", func(*claims) {}, ""},
		{"no actor", func(c *claims) { c.Act = nil }, CheckClaims},
		{"actor not a UUID", func(c *claims) { c.Act.Sub = "root" }, CheckClaims},
		{"subject not a UUID", func(c *claims) { c.Sub = "alice" }, CheckClaims},
		{"no token id", func(c *claims) { c.Jti = "" }, CheckClaims},
		{"no audience", func(c *claims) { c.Aud = "" }, CheckClaims},
		{"no expiry", func(c *claims) { c.Exp = time.Time{} }, CheckClaims},
		{"expiry before issue", func(c *claims) { c.Exp = now.Add(-time.Second) }, CheckClaims},
		{"lifetime above the cap", func(c *claims) { c.Exp = now.Add(MaxTTLCeiling + time.Second) }, CheckClaims},
		{"unknown scope", func(c *claims) { c.Scope = "root" }, CheckClaims},
		{"no scope", func(c *claims) { c.Scope = "" }, CheckClaims},
		{"unknown landing", func(c *claims) { c.Landing = "billing" }, CheckClaims},
		{"other audience", func(c *claims) { c.Aud = "other" }, CheckAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(c)
			token, err := s.keys.Load().sign(c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.verifyToken(token)
			if tc.check == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var verr *VerifyError
			if !errors.As(err, &verr) || verr.Check != tc.check {
				t.Fatalf("err = %v, want check %s", err, tc.check)
			}
		})
	}
}

// BenchmarkVerifyToken is the part of Verify that needs no database:
// footer, key, Ed25519 signature, claims, audience.
func BenchmarkVerifyToken(b *testing.B) {
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		b.Fatal(err)
	}
	key, err := GenerateKey("k1", nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Users: users, Audience: "aud", Keys: KeyRing{Keys: []Key{key}}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	token, err := s.keys.Load().sign(&claims{
		Sub: uuid.Must(uuid.NewV7()).String(), Act: &actor{Sub: uuid.Must(uuid.NewV7()).String()},
		Jti: uuid.Must(uuid.NewV7()).String(), Aud: "aud", Iat: now, Nbf: now, Exp: now.Add(DefaultTTL),
		Scope: ScopeFull,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.verifyToken(token); err != nil {
			b.Fatal(err)
		}
	}
}
