package api

import (
	"encoding/base64"
	"net/http"
)

// ImplicitAssertion is the PASETO v4 implicit assertion every
// impersonation token's signature covers (usermgmt/impersonation binds
// it; a test keeps this copy in step). A verifier outside Go passes it to
// its PASETO library's v4.public verify call, with the public key the
// token's footer names ({"kid": "..."}).
const ImplicitAssertion = "userdesk/impersonation/v1"

// publishedKey is one key of GET /.well-known/userdesk/impersonation-keys.
type publishedKey struct {
	// KID is the key id tokens carry in their footer.
	KID string `json:"kid"`
	// PASERK is the key in PASERK k4.public form.
	PASERK string `json:"paserk"`
}

// impersonationKeys publishes the public keys that verify impersonation
// tokens, and the implicit assertion they are bound to.
func (a *API) impersonationKeys(w http.ResponseWriter, r *http.Request) error {
	keys := make([]publishedKey, 0, len(a.keys))
	for _, k := range a.keys {
		keys = append(keys, publishedKey{KID: k.ID, PASERK: "k4.public." + base64.RawURLEncoding.EncodeToString(k.Key)})
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(w, http.StatusOK, map[string]any{
		"version": "v4", "purpose": "public", "implicit_assertion": ImplicitAssertion, "footer": `{"kid":"<kid>"}`, "keys": keys,
	})
}
