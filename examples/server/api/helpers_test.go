package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testClientAddr lets a test choose the client address a request comes
// from (the throttle counts by it).
const testClientAddr = "X-Test-Client-Addr"

// newTestApp builds the API on db with fresh keys, wired the way the
// reference server wires it, without demo data. edit changes the
// configuration before New.
func newTestApp(t testing.TB, db *bun.DB, edit ...func(*Config)) *API {
	t.Helper()
	return newTestAppKeyed(t, db, newTestKeys(), edit...)
}

// testKeys are an API's bank key and impersonation signing seed; replicas
// of one deployment share them.
type testKeys struct{ bank, signing []byte }

func newTestKeys() testKeys {
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	return testKeys{bank: key(), signing: key()}
}

// newTestAppKeyed is newTestApp with the given keys.
func newTestAppKeyed(t testing.TB, db *bun.DB, keys testKeys, edit ...func(*Config)) *API {
	t.Helper()
	keyring, err := usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": keys.bank})
	if err != nil {
		t.Fatal(err)
	}
	perms := append(append(usermgmt.OperatorPermissions(), referral.Permissions()...), activity.Permissions()...)
	perms = append(append(perms, thirdparty.Permissions()...), verification.Permissions()...)
	users, err := usermgmt.New(usermgmt.Config{BankKeys: keyring, Permissions: perms, Argon2: usermgmt.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1}})
	if err != nil {
		t.Fatal(err)
	}
	private := ed25519.NewKeyFromSeed(keys.signing)
	imp, err := impersonation.New(impersonation.Config{
		Users: users, Audience: "http://front.test", DefaultTTL: 15 * time.Minute,
		Keys: impersonation.KeyRing{Current: "k1", Keys: []impersonation.Key{{ID: "k1", Private: private}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := referral.New(referral.Config{Users: users, InitialCredits: 3})
	if err != nil {
		t.Fatal(err)
	}
	act, err := activity.New(activity.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := verification.New(verification.Config{Users: users, BaseURL: "http://front.test", SendAtRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Referral: ref, Activity: act, Verification: ver, DevOutbox: true,
		DB: db, Users: users, Impersonation: imp, SessionTTL: time.Hour, FrontOffice: "http://front.test",
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		ImpersonationKeys: []PublicKey{{ID: "k1", Key: private.Public().(ed25519.PublicKey)}},
		ClientAddr: func(r *http.Request) string {
			if a := r.Header.Get(testClientAddr); a != "" {
				return a
			}
			return "192.0.2.1"
		},
	}
	for _, e := range edit {
		e(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	keysMu.Lock()
	testSigningKeys[a] = private
	keysMu.Unlock()
	return a
}

// testSigningKeys are the impersonation signing keys of the test APIs,
// for tests that sign tokens of their own.
var (
	keysMu          sync.Mutex
	testSigningKeys = map[*API]ed25519.PrivateKey{}
)

func signingKeyOf(a *API) ed25519.PrivateKey {
	keysMu.Lock()
	defer keysMu.Unlock()
	return testSigningKeys[a]
}

func newTestServer(t *testing.T, db *bun.DB) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(newTestApp(t, db).Handler())
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, url, body string) (int, string, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON: %q", raw)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}
