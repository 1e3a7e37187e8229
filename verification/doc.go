// Package verification verifies what users claim about themselves: their
// email address (a link), their phone number (an SMS code) and their
// identity (an operator's or a KYC provider's decision with evidence), and
// lets them reset a forgotten password through a link, all without telling
// anyone whether an address has an account.
//
// It is built on package usermgmt: the flags it sets are usermgmt's
// verification flags, its audit records go to usermgmt's audit log, its
// operator permissions join usermgmt's catalogue (pass [Permissions] in
// usermgmt.Config.Permissions; [New] refuses to start otherwise), and it
// hooks into usermgmt's profile changes and erasure.
//
// # Shape of the API
//
// Every flow is one method of [Service] taking a context, a bun.IDB (a
// *bun.DB or the host's transaction) and the request's inputs, and doing
// all its writes in one transaction. An HTTP handler decodes, calls one
// method and encodes; errors map to statuses through the sentinels
// (ErrInvalidLink, ErrNoCode, ErrWrongCode, ErrRateLimited with its
// *RateLimitError.RetryAfter, ErrAlreadyVerified) and usermgmt's
// (*ValidationError, ErrForbidden, ErrUnderImpersonation, ErrNotFound,
// ErrEmailTaken).
//
//	front office, not logged in    Register, ResendEmailVerification, ConfirmEmail,
//	                               RequestPasswordReset, ResetPassword, ConfirmEmailChange
//	front office, logged in        SendEmailVerification, RequestEmailChange,
//	                               SendPhoneCode, CheckPhoneCode
//	back office (operator)         SendPasswordReset, SetIDVerification, IDVerificationHistory
//	host (PSP webhook)             RecordProviderIDVerification
//	delivery and upkeep            RunDelivery or RunExclusiveDelivery (or Deliver from a job), Sweep (daily)
//	development                    Outbox, Render
//
// # Secrets
//
// Link tokens are 256 bits from crypto/rand (Config.Rand), URL-safe; only
// their SHA-256 is stored. Each link is single use (a conditional update
// spends it, so of two concurrent uses exactly one wins), bound to the user
// and to the address it was sent to, and replaced by the next link of the
// same kind: asking again voids the previous one. Any change of the
// account's email voids its pending links (verification, email change and
// password reset), through usermgmt's profile hook. Lifetimes: 24 hours
// for email links, 1 hour for reset links (Config).
//
// SMS codes are six digits from crypto/rand, stored as an HMAC-SHA256
// keyed with Config.CodeKey over the row id and the code, and compared in
// constant time. A code lives at most 10 minutes (OWASP ASVS 5.0 V6.5.5),
// is bound to the user, the number and the purpose, dies after 5 wrong
// checks, and is spent by the first right one (concurrent checks: exactly
// one wins). A phone change voids it.
//
// A resend replaces the code, it does not repeat it: the new code is valid
// for a fresh CodeTTL and the previous one stops working at once, so a
// code read from an old message is worthless. The verification's wrong
// checks keep counting across resends (a resend grants no new guesses),
// its sends are capped (5) and 60 seconds apart, and the codes sent per
// UTC day are capped per number and per user (10 each). A verification
// that died (wrong checks, expiry, 5 sends used up and expired) is
// followed by a new one on the next send, within the daily caps. Numbers
// outside Config.SMSCallingCodes (an allowlist of calling codes against
// SMS pumping) get no code; nil allows all, which production should not
// keep.
//
// Nothing the package logs holds a token, a code, a password or a message
// body: messages are logged by id, kind and channel.
//
// # Messages: the outbox
//
// Every message is written to the outbox table in the transaction of the
// change it announces, so a message exists exactly when its change does
// (a rolled-back request sends nothing, a committed one is never lost).
// [Service.Deliver] (in a loop: [Service.RunDelivery]) sends due messages
// through Config.Mailer and
// Config.SMS, claiming each with a conditional update (safe on any number
// of replicas), retrying with back-off and erasing the bodies once sent
// (they hold live links and codes) unless Config.KeepSentBodies. Without a
// sender, messages stay in the outbox: that is the development mailbox,
// read with [Service.Outbox] (never expose it in production). Sending
// after the request also keeps the mail server's latency out of the
// answers that must not tell anything.
//
// A host that wants one sender at a time (one SMTP client, one SMS
// account's rate) runs [Service.RunExclusiveDelivery] on every replica
// instead: only the holder of a lease row (table userdesk_job_leases,
// [Service.TryLease]) delivers; it renews the lease once a third of it has
// passed (not at every interval: each renewal is a committed write, which
// on SQLite costs every reader its page cache and memory map) and
// releases it when it stops, and a holder that died loses it when it
// expires (three intervals, at least 30 seconds), so another replica takes
// over. A lease row rather than a PostgreSQL advisory lock: it works on
// SQLite too, survives connection poolers, and needs no session pinned to
// one connection.
//
// Senders: [SMTPMailer] (net/smtp, STARTTLS required by default or
// implicit TLS, AUTH PLAIN, one deadline over the exchange) and
// [HTTPSMSSender] (the shape of Twilio's Messages API, retries on 429 and
// 5xx honouring Retry-After, typed *SMSError). A host may bring its own
// [Mailer] or [SMSSender].
//
// Messages come from templates per language: English and French are
// built in, a host adds languages or overrides messages through
// Config.Templates. The language is the user's preferred language (for an
// address without an account: Client.Language), tried as given ("fr-CA"),
// then its base language ("fr"), then English. Emails have a subject, a
// plain-text body and an HTML body (html/template escapes user data).
//
// # Answers that reveal nothing
//
// [Service.Register], [Service.ResendEmailVerification],
// [Service.RequestPasswordReset] and [Service.RequestEmailChange] answer
// the same whether or not the address has an account:
//
//   - Register on a registered address creates nothing and sends the
//     owner KindRegistrationAttempt ("someone tried to sign up with your
//     address"); both paths hash the password and queue one message, and
//     return nil. The host answers "check your inbox" and must not log the
//     new user in from this call (that would tell).
//   - "Forgot my password" and "resend my link" send the link to an
//     account's owner, and KindNoAccount to an address without one.
//   - An email change to a taken address changes nothing and tells that
//     address's owner (KindEmailChangeAttempt).
//
// The work differs by a few statements (the link's row), which a
// stopwatch sees on a fast database; so these calls also wait out
// Config.AnswerFloor (50 ms by default), measured from their start, on
// every outcome; where the work outgrows the floor (Register's password
// hash on a loaded machine), an answer waits until the 90th percentile of
// the call's recent durations instead, so that both paths leave at the
// same time except in the slowest tenth. cmd/enumbench measures both paths of each (BENCHMARKS.md,
// section "verification: no-enumeration timing"). Validation answers the
// same on both paths (it never reads the database).
//
// Every request that sends a message is rate limited per address
// (normalised email or phone: 5 per hour), per user (10 per hour) and per
// client address (Client.IP: 30 per hour), in fixed windows counted in the
// database (hashed keys, no personal data), so the limits hold across
// replicas. The anonymous calls count per address and per client only: a
// per-user count would tell that the address has a user. A refused
// request counts nothing and writes nothing.
//
// # Email change
//
// [Service.RequestEmailChange] sends a link to the new address; the
// account keeps the old one until [Service.ConfirmEmailChange], which
// writes the new address (through usermgmt.UpdateOwnProfile, so the
// profile hooks run), marks it verified (the link proved it), and tells
// the old address (KindEmailChanged). The front office's own profile edit
// should therefore not change the email directly; an operator's edit
// (usermgmt.UpdateUser) still does, clearing the flag, and with
// Config.SendAfterEmailChange a verification link goes to the new address.
//
// # Settings
//
// "Send the verification email automatically" is two Config fields,
// SendAtRegistration and SendAfterEmailChange, not a row of usermgmt's
// platform settings: they are wiring decisions of the host (whether its
// front end has the confirmation page), and a config field needs no
// migration of usermgmt's settings table. Both default to off.
//
// # Password reset: link or operator-set password
//
// Prefer the reset link ([Service.SendPasswordReset], permission
// PermSendPasswordReset). The operator never knows the password (ASVS
// V6.4.6: an administrator may start a reset but should not choose the
// password), the link goes to the address the user proved, it works once
// and for an hour, and using it ends every session of the user and tells
// them by email. Keep usermgmt's operator-set password
// (usermgmt.Service.SetPassword, PermSetPassword, temporary by default)
// for a user who cannot receive email at the address on file: lost
// mailbox, address mistyped at registration; there the operator has
// checked the user's identity by other means, hands the temporary password
// over by another channel, and the user must replace it at the next
// login.
//
// # ID verification
//
// An operator holding PermSetIDVerification sets or clears the flag with
// a reason (required) and an optional reference (a KYC case id)
// ([Service.SetIDVerification]); the host records its PSP's KYC/KYB
// verdict with the provider named as the source
// ([Service.RecordProviderIDVerification]). Each change keeps an
// [IDVerificationRecord] (who, when, which source, why, which case),
// listed by [Service.IDVerificationHistory], and an audit record. The flag
// records the operator, or none for a provider. usermgmt's plain checkbox
// (SetVerifications) keeps working, without evidence.
//
// # Erasure
//
// When usermgmt erases a user, the package deletes the user's links,
// codes, messages and ID evidence in the same transaction. The throttle
// table holds only hashed keys; the audit log holds no personal data.
package verification
