package impersonation_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// FuzzVerify feeds token strings to Verify: it never panics, never
// accepts anything but the token it issued, and refuses with a
// *VerifyError (ErrInvalidToken) or ErrRevoked-style sentinel, never a
// database or internal error.
func FuzzVerify(f *testing.F) {
	db := dbtest.SQLite(f)
	e := newEnv(f, db)
	valid := e.issue(f, e.support, e.user(f), impersonation.ScopeReadOnly).Token
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(valid + "A")
	f.Add(strings.Replace(valid, "v4.public.", "v4.local.", 1))
	f.Add(strings.Replace(valid, "v4.public.", "v3.public.", 1))
	f.Add("v4.public.")
	f.Add("v4.public..")
	f.Add("")
	f.Add("v2.local.AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		imp, err := e.imp.Verify(e.ctx, db, token)
		if err == nil {
			if token != valid || imp == nil {
				t.Fatalf("accepted %q", token)
			}
			return
		}
		var ve *impersonation.VerifyError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: %T %v is not a *VerifyError", token, err, err)
		}
	})
}
