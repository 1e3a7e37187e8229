// Package front is the reference server's minimal front office: the
// pages a user sees of their own account — the dashboard, the
// presentation, the identity and the bank account — the user's own
// login, and the pages the verification emails link to, served as html/template pages with embedded templates and style
// (no script). It exists so that an operator's impersonation, started in
// the back office (package examples/server/ui), lands somewhere real: the
// page the card's Edit button names, with a banner naming the user, the
// scope and the reason, and a button that ends the impersonation.
//
// Like the back office it calls the library directly (usermgmt,
// usermgmt/impersonation), never the JSON API, and copies no rule: the
// library masks what the operator's role may not see under an
// impersonation (GetOwnUser, GetOwnBankAccount), refuses what only the
// user may do (SetOwnBankAccount under an impersonation), and the
// impersonation middleware refuses every change under a read-only scope.
//
// # Mounting
//
//	h, err := front.New(front.Config{DB: db, Users: users, Impersonation: imp, Verification: v, BackOfficeURL: "/admin"})
//	mux.Handle("/app/", h)
//	mux.Handle("POST /impersonate", h)
//
// with the verification service's links pointed at these pages:
// verification.Config.BaseURL = the front office's origin + BasePath, so
// that its emails link to /app/verify-email, /app/confirm-email-change
// and /app/reset-password (VerifyEmailPath, ConfirmEmailChangePath,
// ResetPasswordPath).
//
// # Decisions
//
//   - The hand-off: the back office posts the token (form fields token and
//     landing) to /impersonate. The receiver verifies it
//     (impersonation.Service.Verify, which stamps its first use), keeps it
//     in the cookie "userdesk_impersonation" (HttpOnly, SameSite=Lax,
//     Path=/app/, Secure over TLS; a browser-session cookie, the token's
//     own expiry decides) and redirects
//     to the landing page, so that the token never appears in a URL. Lax,
//     not Strict: the hand-off is a navigation that may start on the back
//     office's site, and a Strict cookie would not follow its redirect;
//     every state change of these pages is a POST, which a Lax cookie does
//     not accompany across sites, and http.CrossOriginProtection guards
//     them all the same. The receiver itself is exempt from that guard (it
//     is meant to be posted from the back office's origin): its token is
//     its credential.
//   - Every request under the cookie goes through
//     impersonation.Service.Middleware (cookie only, optional): an
//     expired, revoked or refused token clears the cookie and says in
//     words that the impersonation ended; a change under a read-only scope
//     is refused in words. The banner names the user (their name as the
//     library returns it), the scope and the reason (read from the token's
//     record by Verify).
//   - "End the impersonation" revokes the token (impersonation.Service.Revoke
//     by its own operator), clears the cookie and links back to the user in
//     the back office (Config.BackOfficeURL).
//   - The user's own login: usermgmt.Service.Authenticate and a usermgmt
//     user session in the cookie "userdesk_user" (HttpOnly, SameSite=Lax,
//     Path=/app/); an impersonation cookie wins over it while it lasts.
//   - Identity edits send only the fields the person changed, so that a
//     masked value shown under an impersonation (an email as the library
//     masks it) is never written back. When the library masked the view,
//     the addresses are shown and not offered for editing: a partly
//     hidden address cannot be edited part by part.
//   - Bank account: shown as the library returns it (masked under an
//     impersonation unless the operator may read personal data; every
//     clear view is audited by the library). Its form is offered, and the
//     library refuses it under an impersonation (payout details are the
//     user's to give); the page says so in words.
//   - The emailed links (Config.Verification; nil answers them 404):
//     GET shows a form carrying the token in a hidden field and spends
//     nothing, because mail scanners and link previews fetch links before
//     the person does; the form's POST spends it through
//     verification.Service.ConfirmEmail, ConfirmEmailChange or
//     ResetPassword and says the outcome in words. A link the library
//     refuses (ErrInvalidLink: unknown, used, expired, replaced — not told
//     apart, as the library decides) is answered 400 with the way to ask
//     for a new one; a refused password shows the library's field error
//     and keeps the form, since the library checks the password before it
//     spends the token. The only check of the page's own is that the two
//     password fields match (a form concern, field
//     password_confirmation); the rules are the library's. The pages need
//     no login (the token is the credential) and run outside the
//     impersonation middleware: whoever holds the link proves the
//     mailbox. Their POSTs go through http.CrossOriginProtection like the
//     others. These pages have no "ask again" form of their own: the
//     words name the JSON API's routes (resend, email change, forgot my
//     password), which the host's front end offers.
package front
