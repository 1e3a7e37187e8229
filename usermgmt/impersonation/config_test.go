package impersonation_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func TestNewChecksTheConfig(t *testing.T) {
	t.Parallel()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	ring := impersonation.KeyRing{Keys: []impersonation.Key{k1}}
	for _, tc := range []struct {
		name string
		edit func(*impersonation.Config)
		want string // in the error; "" means accepted
	}{
		{"zero values are defaults", func(*impersonation.Config) {}, ""},
		{"no users", func(c *impersonation.Config) { c.Users = nil }, "Users"},
		{"no audience", func(c *impersonation.Config) { c.Audience = " " }, "Audience"},
		{"no keys", func(c *impersonation.Config) { c.Keys = impersonation.KeyRing{} }, "empty"},
		{"max lifetime above an hour", func(c *impersonation.Config) { c.MaxTTL = time.Hour + time.Second }, "MaxTTL"},
		{"max lifetime of an hour", func(c *impersonation.Config) { c.MaxTTL = time.Hour }, ""},
		{"default lifetime above the max", func(c *impersonation.Config) { c.MaxTTL, c.DefaultTTL = 10*time.Minute, 11*time.Minute }, "DefaultTTL"},
		{"default lifetime follows a short max", func(c *impersonation.Config) { c.MaxTTL = 10 * time.Minute }, ""},
		{"negative skew", func(c *impersonation.Config) { c.ClockSkew = -time.Second }, "ClockSkew"},
		{"skew above 5 minutes", func(c *impersonation.Config) { c.ClockSkew = 6 * time.Minute }, "ClockSkew"},
		{"unknown revoke permission", func(c *impersonation.Config) { c.RevokeOthers = "users.everything" }, "RevokeOthers"},
		{"duplicate key id", func(c *impersonation.Config) { c.Keys.Keys = []impersonation.Key{k1, k1} }, "twice"},
		{"bad key id", func(c *impersonation.Config) { c.Keys.Keys = []impersonation.Key{{ID: "k 1", Private: k1.Private}} }, "key id"},
		{"current key not in the ring", func(c *impersonation.Config) { c.Keys.Current = "k9" }, "not in the ring"},
		{"current key without a private half", func(c *impersonation.Config) {
			c.Keys = impersonation.KeyRing{Current: "k2", Keys: []impersonation.Key{k1, {ID: "k2", Public: k2.Public}}}
		}, "no private key"},
		{"mismatched halves", func(c *impersonation.Config) {
			c.Keys.Keys = []impersonation.Key{{ID: "k1", Private: k1.Private, Public: k2.Public}}
		}, "does not match"},
		{"short public key", func(c *impersonation.Config) {
			c.Keys.Keys = []impersonation.Key{{ID: "k1", Public: ed25519.PublicKey{1, 2, 3}}}
		}, "bytes"},
		{"verify-only ring", func(c *impersonation.Config) {
			c.Keys.Keys = []impersonation.Key{{ID: "k1", Public: k1.Public}}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := impersonation.Config{Users: users, Audience: audience, Keys: ring}
			tc.edit(&cfg)
			_, err := impersonation.New(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one about %q", err, tc.want)
			}
		})
	}
	if _, err := impersonation.GenerateKey("no/slash", nil); err == nil {
		t.Fatal("GenerateKey accepted a bad id")
	}
}
