// Package usermgmt manages a marketplace's users for its back office: the
// platform's vendors ("offerors") and customers ("askers"), the operators
// who look after them, and the platform-wide settings that shape both.
//
// Every operation takes a context.Context first and a bun.IDB, so a host
// runs it on its own *bun.DB or inside its own transaction. The tables it
// uses are created by package migrations and start with "userdesk_".
//
// # Platform settings
//
// One row of settings ([Settings]) holds the platform's standard fee
// schedule and its currency, the status a newly registered user starts with
// (live unless the platform reviews new accounts first) and whether a user
// may be both a vendor and a customer ("switch" platform) or only one of
// them ("non-switch"). [GetSettings] reads it.
package usermgmt
