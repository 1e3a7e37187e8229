// Package referral runs the referral programme: referral codes, the referrer
// of a user (set once, never in a cycle) and a ledger of referral credits
// whose adjustments are idempotent.
//
// It is not built yet; the package exists so the module's layout is the one
// the design fixes.
package referral
