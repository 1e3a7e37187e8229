// Package referral runs the referral programme: referral codes, the
// referrer of each user (recorded once, never oneself, never in a cycle),
// referral credits kept as an append-only ledger that operators set and
// step safely, the consumption of a credit when a referral qualifies, and
// abuse flags for review.
//
// It is built on usermgmt (DESIGN.md's table said "bun only"; it needs
// usermgmt's Authorize, RecordAudit, users and hooks): operators are
// authorised with usermgmt.Service.Authorize against the package's own
// permissions in usermgmt's open catalogue, operator changes of a referrer
// and flag reviews are written with usermgmt.Service.RecordAudit, users
// are read through usermgmt (GetOwnUser, UserStanding, GetOwnBankAccount),
// and New registers an erase hook with usermgmt.Service.OnErase. Every
// method takes a bun.IDB, so a host runs it on its *bun.DB or inside its
// own transaction (a savepoint then); each multi-step write is one
// transaction.
//
// # What a credit is
//
// A credit is one referral opportunity: the number of people a user may
// still refer with a reward. A qualifying referral consumes one credit of
// the referrer. Operators set the number or step it by one (the user
// page's field and arrows), rules of the host grant, restore or expire
// credits (AdjustCredits), and Config.InitialCredits are granted when an
// account opens. A user without credits can still be someone's referrer:
// the referral is recorded, not rewarded.
//
// # Codes
//
// A code is CodeLength (10) characters of Crockford's base32 alphabet
// (0-9 and A-Z without I, L, O, U), drawn from crypto/rand (Config.Rand):
// CodeBits = 50 bits. With ten million live codes a random guess finds one
// with probability about 2^-26.7, so enumerating codes is impractical for
// anyone the host rate-limits at all. Input is forgiving (NormalizeCode:
// case, spaces and dashes ignored; O read as 0, I and L as 1). Codes are
// unique (a unique index; a collision, 2^-50 per pair, is retried). The
// stored form has no dash; a UI may show it as two groups of five.
// RotateCode replaces the code and the old one stops working at once; no
// list of retired codes is kept (a new draw equal to a retired one is as
// unlikely as any collision). Erasure deletes the code.
//
// # The referrer
//
// Attach records the referrer from a code, in the host's registration
// transaction (see the example) or within Config.AttachWindow (default 24
// hours) of the registration, and only once: a second Attach gets
// ErrAlreadyReferred. Afterwards only an operator holding
// PermChangeReferrer changes it (ChangeReferrer), with a reason, audited
// (ActionReferrerChange with the old and new referrer IDs). Both go
// through one unexported function, the only statement of the package that
// writes referrer_id (a test pins that), which refuses self-referral
// (ErrSelfReferral; the schema's CHECK refuses it too) and cycles
// (ErrCycle). Cycle checks walk the chain above the new referrer, locking
// each row (SELECT … FOR UPDATE on PostgreSQL), so two concurrent changes
// that would close a loop only together meet on a locked row: one waits
// and then sees the other's edge, or PostgreSQL reports a deadlock and one
// fails with ErrConflict. SQLite serialises write transactions. Changing a
// referrer moves no credits: what was consumed or granted stays in the
// ledger.
//
// # The credits ledger
//
// Each account has a balance and a version; each change appends one
// Entry (signed amount, balance after, kind, operator or nil for the
// system, referee, reason, idempotency key, time) whose Seq is the new
// version, so a user's entries run 1, 2, 3… and their amounts add up to
// the balance. The balance changes only in one conditional UPDATE …
// RETURNING (never read-then-write): balance + delta >= 0 for a step,
// version = seen for a set; the entry is written from what it returned, in
// the same transaction (on PostgreSQL in the same statement, a
// data-modifying CTE, so a hot balance stays locked one round trip less).
// The database refuses negative balances (CHECK) and any UPDATE or DELETE
// of entries (triggers), except the erasure's blanking of reason and
// idempotency key.
//
//   - StepCredits is one arrow click: +1 or -1, one KindOperatorStep
//     entry per click, so two operators' clicks both count. Larger deltas
//     are refused: an operator who wants a number types it.
//   - SetCredits is "set to N": it carries the Version the operator saw
//     (Card.Version) and writes the difference as one KindOperatorSet
//     entry. If anything changed since (another operator, a consumption)
//     it fails with a *StaleCreditsError carrying the current balance, its
//     version, who changed it (nil: the system) and when. Setting the
//     value that is there writes nothing.
//   - AdjustCredits is a rule of the host: KindGranted, KindRestored or
//     KindExpired, with a reason, no operator, no permission.
//   - Credit changes are not duplicated in usermgmt's audit log: the
//     ledger is their audit trail (actor, reason, time, append-only).
//
// A balance is at most MaxCredits (one million).
//
// # Idempotency keys
//
// Every change takes an optional key of up to 255 characters (Stripe's
// rules).
// The first request with a key claims it (INSERT … ON CONFLICT DO NOTHING
// in the change's transaction); a concurrent request with the same key
// waits on that row on PostgreSQL (writers are serialised on SQLite) and
// then reads the first result: the same entry, balance and version, with
// Replayed set. The same key with a different request (another user,
// kind, amount, seen version, operator or reason) is refused with
// ErrIdempotencyKeyReused. A refused request stores nothing, so its retry
// is judged afresh. Keys are global, not per user. They are kept
// Config.IdempotencyTTL (at least, and by default, 24 hours):
// PruneIdempotencyKeys, run by the host's periodic job, deletes older
// ones; until it runs they are still honoured.
//
// # Consumption
//
// The host calls Qualify when a referral qualifies (say the referee's
// first honoured booking). The referee's status moves from pending in one
// conditional UPDATE, so only one call per referee ever consumes, however
// many arrive at once; the others get AlreadyQualified with the recorded
// outcome. The consumption is a KindConsumed entry of -1 on the referrer
// naming the referee. With no credit left (or an erased referrer) the
// referral is StatusUnrewarded and Qualification.Rewarded is false: that is
// how the host is told. A credit granted later does not reward it
// retroactively. When rewarded, Config.Rewards are granted to referrer and
// referee as KindGranted entries naming the referee.
//
// # Abuse flags
//
// Attach and Qualify run the checks (Qualify again because verifications
// usually come after registration), and so do ChangeReferrer and a
// referee's change of phone or email (usermgmt's profile hook). Flags never
// refuse a referral; they queue it for review. One flag stays open per
// referrer, referee and reason. The checks use what usermgmt holds:
//
//   - FlagSharedPhone: the same phone number, verified by at least one of
//     the two.
//   - FlagSharedEmail: addresses reaching the same mailbox (case, a
//     "+tag" and Gmail's dots aside; usermgmt keeps emails unique), verified
//     by at least one of the two.
//   - FlagSharedPayoutAccount: the same IBAN (usermgmt's sealed bank
//     account, compared in Go; skipped without a key ring) or the same
//     account at the same payment provider (User.PSP).
//   - FlagSharedDevice: the same device, from Signals.DeviceID at Attach
//     and RecordDevice (the host's login or app-start hook; a host that
//     reports devices to usermgmt/activity passes the same identifier here,
//     since feature packages do not import each other). Only SHA-256
//     digests of device identifiers are stored.
//   - FlagErasedReferees: Config.ErasedReferees.Threshold (3) referees
//     erased within Window (30 days) of their referral.
//   - FlagVelocity: more than Config.Velocity.Limit (20) referrals within
//     Window (24 hours).
//
// The checks read users as the system even under an impersonation (the
// impersonator is hidden from those reads): the values they compare are
// never shown, so they are neither masked nor audited as a view.
//
// Operators holding PermManageFlags list flags (ListFlags) and clear them
// with a reason (ClearFlag, audited as ActionFlagClear). A cleared check
// may fire again.
//
// # Permissions
//
// PermRead (support, finance), PermChangeCredits (finance),
// PermChangeReferrer (support), PermManageFlags (finance); admin has all.
// The host passes Permissions() in usermgmt.Config.Permissions; New fails
// when it did not. Open, RotateCode, Attach, Qualify, AdjustCredits and
// RecordDevice check no permission: they are the user's own actions or the
// host's system paths.
//
// # GDPR
//
// Erasing a user (usermgmt.Service.EraseUser) runs the package's hook in
// the same transaction. What stays: the account row under the tombstone
// UID (balance, version, referrer, referral status) and every entry's
// amount, balance after, kind, actor, referee and time, so the erased
// user's ledger still adds up and so does every referrer's (its
// consumption entry names the tombstone UID) and referee's. What goes: the
// code, the reasons and idempotency keys of the user's own entries (free
// text), the user's stored idempotency keys and device digests, and the
// operators' clearing reasons of the flags naming the user. Flags keep IDs,
// reason codes and a generated detail only. Audit reasons (ChangeReferrer,
// ClearFlag) live in usermgmt's audit-reason table, which usermgmt's own
// erasure deletes. The referrer's card shows an erased referee
// as a tombstone without a name. Reasons that operators wrote on other
// users' entries are not searched for the erased user's name: operators
// are told not to write personal data in reasons (as for the audit log).
//
// # The user page
//
// Card is the read model of the referral card: code, referrer (ID, name,
// status, erased), balance and the version a set must name, the last
// entries (Ledger pages on), the people the user referred with their
// status, and the number of open flags. Names are read from usermgmt's
// users table in the same query (the packages share one schema; a batch
// read in usermgmt would decouple it). Each operator action is one call:
// a handler decodes, calls one method and encodes its result or error.
//
// # Errors
//
// ErrNotFound, ErrConflict and the errors wrapping them also match
// usermgmt's sentinels (usermgmt.ErrNotFound, usermgmt.ErrConflict), and
// bad input is a *usermgmt.ValidationError naming the snake_case field, so
// a host's one error table for usermgmt serves this package too.
// ErrSelfReferral and ErrCycle are both their own sentinel and a
// *usermgmt.ValidationError.
//
// # Figures
//
// referral/cmd/referralbench measures credit changes per second on one hot
// user and spread over 10,000 users; see BENCHMARKS.md.
package referral
