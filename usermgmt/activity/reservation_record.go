package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// Limits of a reservation record, in bytes.
const (
	maxProviderLen   = 50
	maxProviderIDLen = 200
	maxVenueLen      = 200
	maxShortLen      = 100
	// MaxPartySize bounds ReservationRecord.PartySize.
	MaxPartySize = 1000
)

// checkReservation validates a record, collecting every bad field.
func checkReservation(in *ReservationRecord) error {
	v := &usermgmt.ValidationError{}
	maxLen := func(field, val string, n int) {
		if len(val) > n {
			v.Add(field, "max", fmt.Sprintf("must be at most %d bytes", n))
		}
	}
	if in.UserID == uuid.Nil {
		v.Add("user_id", "required", "is required")
	}
	if strings.TrimSpace(in.Provider) == "" {
		v.Add("provider", "required", "is required")
	}
	maxLen("provider", in.Provider, maxProviderLen)
	if strings.TrimSpace(in.ProviderID) == "" {
		v.Add("provider_id", "required", "is required")
	}
	maxLen("provider_id", in.ProviderID, maxProviderIDLen)
	maxLen("venue_id", in.VenueID, maxVenueLen)
	maxLen("venue_name", in.VenueName, maxVenueLen)
	if !channelIn(in.Channel, ReservationChannels()) {
		v.Add("channel", "oneof", "must be app, bot, web, back_office or other")
	}
	if in.BotKind != "" && in.Channel != ChannelBot {
		v.Add("bot_kind", "excluded_unless", "is only for the bot channel")
	}
	maxLen("bot_kind", in.BotKind, maxShortLen)
	if in.Role != usermgmt.RoleAsker && in.Role != usermgmt.RoleOfferor {
		v.Add("role", "oneof", "must be asker or offeror")
	}
	if in.BookedAt.IsZero() {
		v.Add("booked_at", "required", "is required")
	}
	if in.VisitAt.IsZero() {
		v.Add("visit_at", "required", "is required")
	}
	if in.VisitTimezone == "" {
		v.Add("visit_timezone", "required", "is required")
	} else if _, err := time.LoadLocation(in.VisitTimezone); err != nil || strings.EqualFold(in.VisitTimezone, "local") {
		v.Add("visit_timezone", "timezone", "must be an IANA time zone")
	}
	if in.PartySize < 1 || in.PartySize > MaxPartySize {
		v.Add("party_size", "range", fmt.Sprintf("must be between 1 and %d", MaxPartySize))
	}
	ok := false
	for _, st := range ReservationStatuses() {
		ok = ok || st == in.Status
	}
	if !ok {
		v.Add("status", "oneof", "must be a normalised reservation status")
	}
	maxLen("provider_status", in.ProviderStatus, maxShortLen)
	switch in.CancelledBy {
	case "":
	case CancelledByUser, CancelledByVenue, CancelledByOperator, CancelledBySystem:
		if in.Status != StatusCancelled {
			v.Add("cancelled_by", "excluded_unless", "is only for a cancelled reservation")
		}
	default:
		v.Add("cancelled_by", "oneof", "must be user, venue, operator or system")
	}
	return v.Err()
}

// apply copies the record's content onto r.
func (in *ReservationRecord) apply(r *Reservation) {
	r.UserID, r.Provider, r.ProviderID = in.UserID, in.Provider, in.ProviderID
	r.VenueID, r.VenueName, r.Channel, r.BotKind, r.Role = in.VenueID, in.VenueName, in.Channel, in.BotKind, in.Role
	r.BookedAt, r.VisitAt, r.VisitTimezone, r.PartySize = stamp(in.BookedAt), stamp(in.VisitAt), in.VisitTimezone, in.PartySize
	r.Status, r.ProviderStatus, r.CancelledBy, r.Deleted = in.Status, in.ProviderStatus, in.CancelledBy, in.Deleted
}

// sameContent reports whether r already holds what in says.
func (in *ReservationRecord) sameContent(r *Reservation) bool {
	var want Reservation
	in.apply(&want)
	return want.UserID == r.UserID && want.VenueID == r.VenueID && want.VenueName == r.VenueName &&
		want.Channel == r.Channel && want.BotKind == r.BotKind && want.Role == r.Role &&
		want.BookedAt.Equal(r.BookedAt) && want.VisitAt.Equal(r.VisitAt) && want.VisitTimezone == r.VisitTimezone &&
		want.PartySize == r.PartySize && want.Status == r.Status && want.ProviderStatus == r.ProviderStatus &&
		want.CancelledBy == r.CancelledBy && want.Deleted == r.Deleted
}

// RecordReservation records a reservation: an idempotent upsert keyed by
// (Provider, ProviderID), in one transaction with the side card's booking
// counters (see the package documentation, "Booking counters").
//
//   - A new reservation is stored (OutcomeCreated).
//   - A record identical to what is held — a replayed webhook — writes
//     nothing (OutcomeUnchanged); only LastSyncedAt moves, when SyncedAt
//     is given and later.
//   - A record whose SyncedAt is older than the held LastSyncedAt is
//     ignored (OutcomeStale): late webhooks never roll a reservation back.
//   - Otherwise the reservation is updated (OutcomeUpdated), moving it to
//     another user if UserID changed.
//
// Concurrent calls for the same provider id are safe: exactly one creates
// it, the others update or find it unchanged. Returns the reservation as
// held after the call, a *usermgmt.ValidationError naming each bad field,
// or usermgmt.ErrNotFound when the user does not exist or was erased.
func (s *Service) RecordReservation(ctx context.Context, db bun.IDB, in ReservationRecord) (*Reservation, Outcome, error) {
	if err := checkReservation(&in); err != nil {
		return nil, "", err
	}
	now := s.clock()
	synced := now
	if !in.SyncedAt.IsZero() {
		synced = stamp(in.SyncedAt)
	}
	var out *Reservation
	var outcome Outcome
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.liveUser(ctx, tx, in.UserID); err != nil {
			return err
		}
		// Replays and stale webhooks are the common case: decide them on
		// a plain read, and lock the row only when it is to be written.
		cur, err := readReservation(ctx, tx, in.Provider, in.ProviderID, false)
		if err != nil {
			return err
		}
		if cur != nil && (synced.Before(cur.LastSyncedAt) || (in.sameContent(cur) && (in.SyncedAt.IsZero() || !synced.After(cur.LastSyncedAt)))) {
			out, outcome = cur, OutcomeUnchanged
			if synced.Before(cur.LastSyncedAt) {
				outcome = OutcomeStale
			}
			return nil
		}
		if cur != nil {
			if cur, err = readReservation(ctx, tx, in.Provider, in.ProviderID, true); err != nil {
				return err
			}
		}
		if cur == nil {
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("activity: new id: %w", err)
			}
			row := &Reservation{ID: id, LastSyncedAt: synced, CreatedAt: now, UpdatedAt: now}
			in.apply(row)
			res, err := tx.NewInsert().Model(row).On("CONFLICT (provider, provider_id) DO NOTHING").Exec(ctx)
			if err != nil {
				return fmt.Errorf("activity: record reservation: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out, outcome = row, OutcomeCreated
				return s.countBookings(ctx, tx, nil, row)
			}
			// Another transaction created it since our look-up: it has
			// committed (the insert waited for it), so lock and update it.
			if cur, err = readReservation(ctx, tx, in.Provider, in.ProviderID, true); err != nil {
				return err
			}
			if cur == nil {
				return fmt.Errorf("activity: record reservation: %s/%s vanished", in.Provider, in.ProviderID)
			}
		}
		switch {
		case synced.Before(cur.LastSyncedAt):
			out, outcome = cur, OutcomeStale
			return nil
		case in.sameContent(cur):
			out, outcome = cur, OutcomeUnchanged
			if in.SyncedAt.IsZero() || !synced.After(cur.LastSyncedAt) {
				return nil
			}
			cur.LastSyncedAt = synced
			_, err := tx.NewUpdate().Model(cur).Column("last_synced_at").WherePK().Exec(ctx)
			if err != nil {
				return fmt.Errorf("activity: record reservation: %w", err)
			}
			return nil
		}
		before := *cur
		next := *cur
		in.apply(&next)
		next.LastSyncedAt, next.UpdatedAt = synced, now
		if _, err := tx.NewUpdate().Model(&next).ExcludeColumn("id", "provider", "provider_id", "created_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("activity: record reservation: %w", err)
		}
		out, outcome = &next, OutcomeUpdated
		return s.countBookings(ctx, tx, &before, &next)
	})
	if err != nil {
		return nil, "", err
	}
	return out, outcome, nil
}

// readReservation reads a reservation by provider id, with lock locking
// its row on PostgreSQL (SQLite's write transactions are exclusive
// already). Returns nil when there is none.
func readReservation(ctx context.Context, tx bun.IDB, provider, providerID string, lock bool) (*Reservation, error) {
	r := new(Reservation)
	q := tx.NewSelect().Model(r).Where("provider = ?", provider).Where("provider_id = ?", providerID)
	if d, err := sqldb.DialectOf(tx); err != nil {
		return nil, err
	} else if d == sqldb.Postgres && lock {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("activity: read reservation: %w", err)
	}
	return r, nil
}

// liveUser returns usermgmt.ErrNotFound unless the user exists and was not
// erased.
func (s *Service) liveUser(ctx context.Context, db bun.IDB, userID uuid.UUID) error {
	st, err := s.users.UserStanding(ctx, db, userID)
	if err != nil {
		return err
	}
	if st.Deleted {
		return usermgmt.ErrNotFound
	}
	return nil
}

// countBookings moves the side card's booking counters from what before
// counted to what after counts, in the caller's transaction. Users are
// adjusted in id order, so that two moves in opposite directions never
// deadlock. A counter that would go below zero (the host overwrote it with
// SetCounters) is logged and left for ReconcileBookingCounters: the
// reservation is recorded regardless.
func (s *Service) countBookings(ctx context.Context, tx bun.IDB, before, after *Reservation) error {
	deltas := map[uuid.UUID]*usermgmt.CounterDelta{}
	add := func(r *Reservation, n int64) {
		if !r.counts() {
			return
		}
		d := deltas[r.UserID]
		if d == nil {
			d = &usermgmt.CounterDelta{}
			deltas[r.UserID] = d
		}
		if r.Role == usermgmt.RoleOfferor {
			d.OfferorBookings += n
		} else {
			d.AskerBookings += n
		}
	}
	add(before, -1)
	add(after, 1)
	ids := make([]uuid.UUID, 0, len(deltas))
	for id, d := range deltas {
		if *d != (usermgmt.CounterDelta{}) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	for _, id := range ids {
		_, err := s.users.AdjustCounters(ctx, tx, id, *deltas[id])
		switch {
		case errors.Is(err, usermgmt.ErrCounterNegative):
			s.log.WarnContext(ctx, "activity: booking counter would go below zero; run ReconcileBookingCounters", "user_id", id)
		case errors.Is(err, usermgmt.ErrNotFound):
			// The previous owner was erased: its counters are gone.
		case err != nil:
			return err
		}
	}
	return nil
}
