// Package impersonation lets a back-office operator act as a user through
// signed, short-lived, audited tokens.
//
// # Model
//
// An operator holding usermgmt.PermImpersonate asks [Service.Issue] for a
// token to open a user's dashboard as though logged in as that user: in
// [ScopeReadOnly] (the default) to see the user's configuration, or in
// [ScopeFull] to act in their stead, optionally on a [Landing] page (the
// presentation, identity or bank account card's edit button). The token
// is a PASETO v4.public (Ed25519, aidanwoods.dev/go-paseto): the version
// fixes the algorithm, so there is no algorithm negotiation to abuse. Its
// claims are the user (sub), the acting operator as an RFC 8693 actor
// (act: {"sub": operator}), a token ID (jti, a UUIDv7), iat, nbf, exp, the
// audience (aud, the front office the host names in [Config.Audience]),
// the scope and the landing; the operator's stated reason stays
// server-side, in the token's record (operators write names and ticket
// texts there, and whoever holds a token could read its payload). Its footer
// names the signing key ([KeyRing]); a fixed implicit assertion binds the
// signature to this package, so a PASETO the host signs with the same key
// for something else never passes as an impersonation. The payload is
// signed, not encrypted: it holds no secret.
//
// Every token issued is recorded ([Record], table
// userdesk_impersonation_tokens): ID, user, operator, signing key,
// reason, scope, landing, issue and expiry times, revocation time and
// author, first use. Every issue, first use and revocation writes a
// usermgmt audit record ([ActionIssue], [ActionFirstUse],
// [ActionRevoke]) in the transaction of the change, naming the operator,
// the user and the token ID, and no personal data.
//
// A token issued from an operator's back-office session
// ([IssueRequest.OperatorSession]) ends with that session: logout, expiry
// or an ended session refuse it from the next verification on
// ([CheckSession]); a deactivated operator or one stripped of the
// permission is refused too ([CheckOperator]). Only a reference to the
// session is stored (usermgmt.SessionRef).
//
// Under an impersonation, the request's context carries a
// usermgmt.Impersonator ([NewContext], the middleware): usermgmt's
// own-account reads mask what the operator's role may not see, exactly as
// in the back office, and audit every clear view; credentials cannot be
// changed. [NotImpersonated] is the guard for the host's own actions that
// only the user may take. Erasing a user blanks the reasons of their
// tokens ([ErasedReason]).
//
// [Service.Verify] checks, in order: format, key, signature, claims,
// audience, not-before and expiry, revocation, the operator (still
// active, still holding the permission) and the user (still there, not
// erased, not Invalidated unless the policy allows). For hosts,
// [Service.Middleware] verifies the token from a header or cookie and
// puts the [Impersonation] in the request context ([FromContext],
// [UserID] for the effective user, [OperatorID] for the acting operator,
// which a host records beside the user in whatever it writes meanwhile);
// in read-only scope it refuses every method but GET, HEAD and OPTIONS
// with 403.
//
// # Decisions
//
//   - Lifetime: 15 minutes unless asked otherwise, capped by
//     [Config.MaxTTL], itself at most one hour. Verification also refuses
//     a token whose lifetime exceeds the current cap.
//   - No refresh: there is no refresh call, and no chain: [Service.Issue]
//     refuses a context that carries an impersonation ([ErrChain]), so a
//     request made under a token can never mint another and the acting
//     operator is never lost. An expired token means a new, audited issue.
//   - Who: operators are not users (their IDs are not in the users table,
//     so Issue answers usermgmt.ErrNotFound); a guest user is impersonated
//     like any other; an erased user never; an Invalidated user only when
//     [Config.AllowInvalidated].
//   - Revocation: one token ([Service.Revoke]), all of an operator's
//     ([Service.RevokeOperator]), all for a user ([Service.RevokeUser]).
//     An operator with usermgmt.PermImpersonate revokes its own tokens;
//     revoking another operator's, or all tokens for a user, needs
//     [Config.RevokeOthers] too (by default usermgmt.PermManageImpersonations,
//     which among the built-in roles only admin holds). [New] registers a
//     usermgmt status hook that revokes all of a user's tokens, in the
//     status change's transaction, when the user becomes Invalidated or is
//     erased.
//   - Listing: [Service.ListActive] shows every live impersonation, of all
//     operators, to any operator holding usermgmt.PermImpersonate.
//   - First use is stamped once by a conditional UPDATE, so concurrent
//     first requests write one audit record.
//   - Keys rotate without invalidating live tokens: add the new key as
//     [KeyRing.Current], keep the old one until MaxTTL plus ClockSkew has
//     passed, then drop it ([Service.SetKeys] swaps the ring at run time).
//     A ring without private keys verifies only, for a front office that
//     does not issue.
//
// # Clock skew
//
// Verification allows [Config.ClockSkew] (30 seconds by default, at most
// 5 minutes) on both sides: a token is accepted from nbf − skew until
// exp + skew, so machines whose clocks disagree by less than that agree
// on a token. Issue stamps iat = nbf = now; a token whose iat lies further
// in the future than the skew is refused ([CheckNotYetValid]), whatever
// its nbf says.
//
// # Errors
//
// Verification failures are a [*VerifyError] whose Check names the failed
// check; it matches [ErrInvalidToken] and the check's sentinel
// ([ErrMalformed], [ErrUnknownKey], [ErrSignature], [ErrAudience],
// [ErrNotYetValid], [ErrExpired], [ErrRevoked], [ErrOperatorRefused],
// [ErrUserRefused]). Other errors from Verify are the database's. Issue,
// Revoke and ListActive return usermgmt's errors for what usermgmt decides
// (*usermgmt.PermissionError for usermgmt.ErrForbidden,
// *usermgmt.ValidationError for usermgmt.ErrInvalid, usermgmt.ErrNotFound,
// usermgmt.ErrInvalidCursor), and [ErrChain], [ErrUserRefused] or
// [ErrNoSigningKey]. The middleware answers [ErrNoToken] and invalid
// tokens with 401, [ErrReadOnly] with 403.
package impersonation
