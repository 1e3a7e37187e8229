// Package activity provides the user page's activity cards: the
// reservations, the events and the devices of a user, fast at a million
// users and erasable.
//
// It is built on usermgmt: its permissions join usermgmt's catalogue
// (PermReadActivity, PermRevokeDevices, from Permissions(); the host passes
// them in usermgmt.Config.Permissions and New refuses a usermgmt.Service
// that does not know them), operators are authorised by
// usermgmt.Service.Authorize, its writes join the caller's transaction
// (every method takes a bun.IDB), revocations go to usermgmt's audit log,
// and erasure runs inside usermgmt.Service.EraseUser through an OnErase
// hook that New registers. Its tables are userdesk_reservations,
// userdesk_events and userdesk_devices (migration 20261201000401; events
// partitioned by time on PostgreSQL since 20261204000101, see
// "Partitions"), and a
// nullable userdesk_sessions.device_id column ties a user's session to a
// device (migration 20261201000402, usermgmt's StartDeviceSession,
// TieSessionToDevice and EndDeviceSessions).
//
// Every operator read is one call that a handler decodes into and encodes
// from: UserReservations, UserTimeline, UserDevices; the user's own reads
// are OwnReservations, OwnEvents, OwnDevices, and ExportOwnActivity is the
// user's data export of all three. UserCounts gives the three cards'
// lengths in one statement, for a tab bar (the reference back office's
// user page read the three cards to count them: 17 to 21 statements a
// page, 6 to 8 since), each count stopping one past what its card shows;
// a user whose events overflow the card is counted by reading the card,
// whose operator actions cover only its events' period.
//
// # Reservations
//
// The host records each reservation with RecordReservation, from its own
// booking flow or from a provider's webhook (SevenRooms through package
// thirdparty): an upsert keyed by (Provider, ProviderID). A record equal to
// what is held writes nothing (a replayed webhook changes nothing, not even
// UpdatedAt); a record whose SyncedAt is older than the held LastSyncedAt
// is ignored, so webhooks arriving out of order never roll a reservation
// back; a record with the same content and a later SyncedAt only moves
// LastSyncedAt. Concurrent calls for one provider id create it once
// (INSERT … ON CONFLICT DO NOTHING, then the row is locked and updated).
// The raw provider status is kept beside the normalised one; CancelledBy is
// accepted only on a cancelled reservation; BotKind only on the bot
// channel. Deleted marks a reservation the provider deleted: it is hidden
// from the card unless asked for, and no longer counts.
//
// The user page's card (UserReservations) holds the last ReservationsShown
// (100) reservations made — by BookedAt — through the App or the Bot; other
// channels are one filter away (ReservationFilter.Channels). The card is
// split at the current time into Upcoming and Past, each in chronological
// order of visit (soonest upcoming first, oldest past first; a page showing
// the latest past visit first reads Past backwards), and says whether more
// reservations matched (Truncated). A partial index on (user_id, booked_at)
// for the App and Bot channels answers it in one index range scan. Visit
// times are stored in UTC with the venue's IANA time zone
// (Reservation.LocalVisit).
//
// # Booking counters
//
// The side card's AskerBookings and OfferorBookings (usermgmt.Counters)
// are counted on write: RecordReservation adjusts them with
// usermgmt.Service.AdjustCounters in its own transaction, from what the
// reservation counted before to what it counts after. A reservation counts
// when it is not deleted and not cancelled (no-shows count: the booking was
// made), for the user in its role; moving a reservation to another user
// moves its count. The counters therefore equal the recorded reservations
// as long as only this package writes them. When the host also writes them
// (SetCounters, its own bookings table, an import), ReconcileBookingCounters
// recounts one user and sets the two counters, leaving the others alone; on
// PostgreSQL it locks the user's row while counting so a reservation
// recorded concurrently is counted exactly once. A decrement that would go
// below zero (the host zeroed a counter) does not fail the recording: it is
// logged, and reconciliation repairs the counter.
//
// # Events
//
// The events log is append-only (nothing updates an event; retention and
// erasure delete). Each event has a type from the registry: the built-in
// types (BuiltinEventTypes) and the host's (Config.EventTypes). A type
// declares its attributes and their kinds; attributes of other names or of
// the wrong kind are refused, and so are attributes whose JSON takes more
// than MaxAttributesBytes (see "Covering closed partitions"). Secrets never enter the log: an attribute
// whose name looks like a secret (password, token, code, otp, pin, cvv,
// iban, card, …) cannot be declared, and SessionID is the client's session
// id, never a session token. Email and phone attributes are masked at write
// (usermgmt.MaskEmail, usermgmt.MaskPhone) unless the type allows personal
// data (EventType.AllowPersonal); those stored in clear are masked again on
// operator reads unless the operator holds usermgmt.PermReadPersonalData.
//
// RecordEvents ingests a batch (up to MaxBatch) in a fixed number of
// statements whatever its size, never one per event. It validates every
// event first (one bad event refuses the batch, naming
// "events[i].field"), and events of unknown or erased users are dropped
// (the count says how many were stored). Events have no foreign key,
// which would cost a lock per row. On PostgreSQL, a batch of 100 events or
// more given a *bun.DB or a bun.Conn (over pgx, sqldb's driver) goes
// through COPY: in one transaction, one SELECT of the batch's distinct
// user ids that are live, then one COPY of those users' events in pgx's
// binary format (no SQL text, no arrays to parse, PostgreSQL's bulk heap
// insert). The one statement per batch is the COPY; the check beside it is
// one more per batch, not per event. It is as correct as a join: the
// INSERT … SELECT's join also reads the users at its statement's start,
// so in both an erasure that commits while the batch is in flight leaves
// the batch's events of that user behind, and the retention pass deletes
// them (ErasedSweepWindow, below). Row locks on the users (FOR SHARE)
// would close that window but write every checked user's row (WAL, a page
// image after each checkpoint) at every batch; they were left out. Smaller
// batches, a bun.Tx (database/sql does not expose its connection for COPY)
// and SQLite run one INSERT … SELECT statement that joins the users table:
// FROM unnest(one array per column) on PostgreSQL, FROM (VALUES …) on
// SQLite. Every path stores the same rows (the attributes' JSON is
// encoding/json's, written without reflection). The COPY path runs on the
// pgx connection itself, so bun's query hooks do not see it.
//
// The events card (UserTimeline) holds the user's last KeepEvents (200)
// events, newest first (by OccurredAt, the client's time; ReceivedAt is
// kept too), filtered by type, channel and period, merged with the
// operators' actions on the user from usermgmt's audit log (status changes,
// credits, merges, reveals, revocations — every record with an operator) of
// the same period: when older events were left out (Timeline.Truncated),
// the operator actions no older than the oldest event shown; else all of
// the filter's period (at most 200).
// Operator actions have the channel back_office and their audit action as
// type, so the same filters apply.
//
// # Retention
//
// Retention has two dimensions. Each user's newest KeepEvents events are
// always kept, whatever their age; beyond those, an event is deleted once
// it is older than its type's retention (EventType.Retention,
// Config.Retention; DefaultRetention of 90 days for interactions,
// DefaultSecurityRetention of 400 days for security types such as logins).
// PruneEvents is the job: for each type it walks the expired events oldest
// first by keyset, in batches (PruneOptions.BatchSize, default 1000): a
// read picks those with at least KeepEvents newer events of the same user,
// then one short transaction deletes them by id. Since only an event with
// 200 newer ones is deleted, and those newer ones can only be deleted in
// turn if they have 200 newer ones, the newest 200 survive any order of
// deletions, a check made outside the write transaction, and concurrent
// passes. It
// returns and logs a PruneReport (deleted per type, examined, batches). On
// PostgreSQL inserts are never blocked by a pass (they lock different
// rows); on SQLite each batch holds the write lock for its few
// milliseconds. The pass also deletes the events of users erased within
// ErasedSweepWindow: an event ingested while its user's erasure committed.
//
// # Partitions
//
// On PostgreSQL the events table is partitioned by time (migration
// 20261204000101): one range partition of occurred_at per period
// (Config.EventPartitionPeriod, default DefaultEventPartitionPeriod, 7
// days from Monday 00:00 UTC), and a default partition for whatever no
// partition covers (the history held before the migration, events older
// than the oldest partition, a period nobody created). Events arrive in
// time order, so a batch lands in the newest partition, whose indexes stay
// about one period's size however large the table grows: the index on
// (user_id, occurred_at, id) takes each event at a random place, and
// once that index is far larger than shared_buffers every insert reads
// and writes back a page of it (issue 16: 58,000 events/s at 2M events,
// 20,000/s at 10M, unpartitioned). The primary key is (id,
// occurred_at), as PostgreSQL requires of a partitioned table's unique
// keys.
//
// EnsureEventPartitions creates the partitions of a time range, by default
// the current period and EventPartitionsAhead after it; PruneEvents runs
// it first, so a daily or weekly retention job keeps partitions ahead of
// ingest. A host runs it at startup too (right after the migration, before
// ingest starts: it moves the current period's rows out of the default
// partition, under a lock that holds inserts for that time) and before
// loading a history, with the history's range. A new partition of the
// current or a past period is attached under an ACCESS EXCLUSIVE lock on
// the events table, had within 50 ms (retried): an insert routed to the
// default partition before the attach would fail after it otherwise.
// Partitions further ahead are attached without stopping inserts.
//
// PruneEvents then drops whole partitions: one whose every row is older
// than its type's retention and whose every user has KeepEvents events
// after the partition's end (so none of its rows is among its user's
// newest KeepEvents) is detached, checked again now that nothing can be
// inserted into it, and dropped; if an event arrived for it in between,
// its rows go back into the table (the default partition) instead. The
// detach cannot be CONCURRENTLY beside a default partition: it takes an
// ACCESS EXCLUSIVE lock on the events table for a catalogue change, waits
// at most 50 ms for it (inserts queue behind it meanwhile) and retries.
// Partitions that hold some user's last events stay, and the row-by-row
// pass prunes them as before (each delete bounded by occurred_at, so it
// touches one partition). Dropping whole partitions needs a *bun.DB; in a
// bun.Tx the pass is row by row only.
//
// The period is a trade between ingest and reads, measured at issue 16's
// size (10,000,000 events over 30 days, 1,000,000 users, PostgreSQL
// defaults: BENCHMARKS.md, "activity"). Ingest stays fast while the
// current partition's index on (user_id, …) fits in shared_buffers: about
// 70 bytes per event, so a period of at most roughly a million events
// with the default 128 MB. With 7-day partitions (2.1M events each) ingest
// ran at 18,700 events/s, with 1-day partitions (333,000 each) at 51,600/s
// (that run also had the live-users index below, and a lower load): the
// user index read 3.5M blocks from outside shared_buffers in the first,
// 92,000 in the second.
// But reading a user's events probes every partition's index, and each
// read plans every partition (bun sends each query as text): in a warm
// session the last 200 events of a user took 0.3 ms (planning and
// execution) over 8 weekly partitions and 1.05 ms over 34 daily ones,
// and the first query of a new connection plans in tens of milliseconds
// while PostgreSQL loads every partition's description. Security events
// (logins) are kept 400 days, so every period of the last 400 days keeps
// a partition: about 58 weekly ones, but 400 daily ones. The default is 7
// days, for reads over a long history; a host that ingests more than
// about a million events a week and needs the ingest rate sets
// EventPartitionPeriod to 24 hours (and accepts the longer planning), or
// raises shared_buffers (not measured here). Left open: merging old partitions
// into fewer, larger ones (recent days small for ingest, old weeks or
// months few for reads), and partitions that hold only a few users' last
// events, which a long history with many inactive users would accumulate.
//
// # Covering closed partitions
//
// Events arrive in time order, so on PostgreSQL a user's events lie one
// per table page, among everybody else's: the card of a user with 200
// events spread over a month read about 200 pages, and once those pages
// are out of memory (this machine's page cache does not keep them) that
// was most of the card's time (issue 16: 5.4–6.5 ms p95 for a user with
// 400 events). So a closed partition (its period ended more than
// CoverAfter ago: few events arrive for it) gets a second index on
// (user_id, occurred_at DESC, id DESC) that includes every other column,
// named after the partition with "_cover": the card reads such a
// partition by an index-only scan from a few adjacent index pages (seven
// per weekly partition at issue 16's size). CoverEventPartitions builds
// them (VACUUM of the partition, then CREATE INDEX CONCURRENTLY: neither
// blocks reads or inserts); PruneEvents runs it at the end of each
// complete pass (PruneOptions.SkipCover leaves it out), after it has
// vacuumed each range partition it deleted from (PruneReport.
// PartitionsVacuumed): a deletion clears its page's all-visible bit, and
// until a VACUUM sets it again an index-only scan visits the table for
// that page (a heavy user's card 4.1 / 7.0 ms median / p95 right after a
// pass over 1M events, 2.3 / 3.4 ms after VACUUM). The current
// partition, where ingest writes, keeps only the narrow index, so ingest
// is as fast as before; an event arriving late for a closed partition
// updates its covering index too, and is read from the table until the
// next VACUUM (autovacuum's) marks its page all-visible.
//
// The cost is space: a covering index is about as large as its partition
// (346 MB for a week of 2.1M events, beside 341 MB of table), so closed
// partitions take about twice their size, and building one reads its
// partition once (about 4–6 s per weekly partition here). Measured at
// issue 16's size (BENCHMARKS.md, "Covering closed partitions"): the card
// of a user with 400 events went from 2.9–3.7 ms median, 5.4–6.5 ms p95,
// to 2.1–2.5 ms median, 3.1–3.4 ms p95. A B-tree entry holds at most
// about 2,700 bytes, so an event's attributes are bounded as stored
// (MaxAttributesBytes, 1,500 bytes of JSON; with the other columns'
// bounds, the widest event fits). An older database may hold wider
// events ingested before that bound: building the index of their
// partition fails, the invalid index is dropped, and that partition stays
// uncovered (read as before) while the error is returned.
//
// Clustering the closed partitions by user instead (a sorted copy swapped
// in) would save the space, but CLUSTER locks the partition against
// reads for the whole rewrite, and a copy swapped in must replay the
// inserts and deletes (erasure) made meanwhile; an INCLUDE index on the
// whole table would make ingest maintain a wide index at random places
// (the problem partitioning solved). Neither was built.
//
// RecordEvents' check of a batch's users (SELECT id … WHERE id =
// ANY(…) AND deleted_at IS NULL) reads a partial index of the live users'
// ids (migration 20261204000102), by an index-only scan, instead of one
// page of the wide users table per user of the batch (at a million
// users, 2,000 ids: 329 pages read from outside shared_buffers without
// it, 1 with it and 53 heap fetches). SQLite has no partitioning;
// its events table is clustered by user (WITHOUT ROWID) and stays so.
//
// # Devices
//
// RecordDevice is called at login or app start: one upsert on (user,
// DeviceID) that keeps FirstSeenAt, moves LastSeenAt forward only, and
// takes the newest sighting's description (OS, model, app version and
// build, bot version). The push token is write-only for operators and
// users: DeviceSighting sets or drops it, no card and no export returns it
// (Device.HasPushToken says whether one is held); the host's push sender
// alone reads it, through PushTokens, which is never to back a handler. The device seen most recently among those not revoked is current;
// the others are previous (the greyed rows). Config.MinAppVersion marks
// devices with a lower app version outdated (number by number: 3.10 is
// above 3.9); devices without an app version (bots, the web) never are.
//
// RevokeDevice (an operator with PermRevokeDevices, with a reason) and
// RevokeOwnDevice (the user) revoke a device in one transaction: the
// sessions tied to it end (usermgmt.Service.EndDeviceSessions; sessions
// are tied by usermgmt.Service.StartDeviceSession or TieSessionToDevice),
// its push token is dropped, it becomes previous, and the audit log records
// the action (ActionDeviceRevoke; no operator when the user acted). Only
// sessions tied to the device end: the host starts the user's sessions
// with StartDeviceSession (or ties them after login), else a revocation
// drops the push token and marks the device but leaves the session. A later
// sighting of the device — a new login, which needs the credentials again —
// brings it back.
//
// # Erasure and export
//
// EraseUser deletes the user's reservations, events and devices in its
// transaction. Events are deleted, not kept as anonymous counts: per-user
// counts per day and type of one erased user can single that user out when
// they are small, and the product's statistics are the host's analytics,
// not this per-user log. The audit log stays (it holds no personal data).
// ExportOwnActivity returns everything the package holds about a user for
// the user's own data export: every reservation (all channels, deleted
// ones included), every event, every device, without push tokens.
//
// # Not here
//
// The side card's other counters, the host's own booking tables and the
// provider's API client are the host's and package thirdparty's; this
// package only indexes what it is given.
package activity
