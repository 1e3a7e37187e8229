package activity

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// MaxBatch bounds the events of one RecordEvents call.
const MaxBatch = 5000

// maxFuture is how far in the future an event may claim to have occurred
// (clients' clocks drift).
const maxFuture = 24 * time.Hour

// eventColumns are the columns of an insert, in order.
var eventColumns = []string{"id", "user_id", "occurred_at", "received_at", "type", "channel", "device_id",
	"session_id", "app_version", "bot_version", "attributes", "actor_kind", "actor_id"}

// RecordEvent records one event; see RecordEvents. Returns the event as
// stored, a *usermgmt.ValidationError, or usermgmt.ErrNotFound when the
// user does not exist or was erased.
func (s *Service) RecordEvent(ctx context.Context, db bun.IDB, e NewEvent) (*Event, error) {
	rows, err := s.prepareEvents([]NewEvent{e}, "event")
	if err != nil {
		return nil, err
	}
	n, err := s.insertEvents(ctx, db, rows)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, usermgmt.ErrNotFound
	}
	return &rows[0], nil
}

// RecordEvents records a batch of events (at most MaxBatch) in a fixed
// number of statements, whatever the batch size: on PostgreSQL through a
// *bun.DB or a bun.Conn, from 100 events, a check of the batch's users and
// one COPY in a transaction; else one INSERT … SELECT that joins the users
// table (see the package documentation). Every event is checked first: one
// bad event refuses the whole batch with a *usermgmt.ValidationError whose
// fields are named "events[i].field", and nothing is written. Events of
// unknown or erased users are skipped, so a late event never brings back
// an erased user's data; the count says how many were stored.
func (s *Service) RecordEvents(ctx context.Context, db bun.IDB, events []NewEvent) (int64, error) {
	if len(events) == 0 {
		return 0, nil
	}
	if len(events) > MaxBatch {
		return 0, usermgmt.Invalid("events", "max", fmt.Sprintf("must hold at most %d events", MaxBatch))
	}
	rows, err := s.prepareEvents(events, "events")
	if err != nil {
		return 0, err
	}
	return s.insertEvents(ctx, db, rows)
}

// fieldOf names an event's field in a ValidationError: "name" for
// RecordEvent, "events[i].name" for a batch. It runs only on errors, so a
// valid batch formats no names.
func fieldOf(field string, i int, name string) string {
	if field == "event" {
		return name
	}
	return field + "[" + strconv.Itoa(i) + "]." + name
}

// prepareEvents validates events and turns them into rows.
func (s *Service) prepareEvents(events []NewEvent, field string) ([]Event, error) {
	now := s.clock()
	v := &usermgmt.ValidationError{}
	rows := make([]Event, len(events))
	var scratch []byte
	ids, err := newEventIDs(len(events))
	if err != nil {
		return nil, err
	}
	for i := range events {
		e := &events[i]
		if e.UserID == uuid.Nil {
			v.Add(fieldOf(field, i, "user_id"), "required", "is required")
		}
		t, ok := s.types[e.Type]
		if !ok {
			v.Add(fieldOf(field, i, "type"), "oneof", "is not a registered event type")
		}
		switch e.Channel {
		case ChannelApp, ChannelBot, ChannelWeb, ChannelBackOffice, ChannelSystem, ChannelWebhook:
		default:
			v.Add(fieldOf(field, i, "channel"), "oneof", "must be app, bot, web, back_office, system or webhook")
		}
		occurred := now
		if !e.OccurredAt.IsZero() {
			occurred = stamp(e.OccurredAt)
			if occurred.After(now.Add(maxFuture)) {
				v.Add(fieldOf(field, i, "occurred_at"), "max", "must not be more than a day ahead")
			}
		}
		if len(e.DeviceID) > maxShortLen || len(e.SessionID) > maxShortLen || len(e.AppVersion) > maxShortLen || len(e.BotVersion) > maxShortLen {
			for _, f := range [...]struct{ name, val string }{
				{"device_id", e.DeviceID}, {"session_id", e.SessionID}, {"app_version", e.AppVersion}, {"bot_version", e.BotVersion},
			} {
				if len(f.val) > maxShortLen {
					v.Add(fieldOf(field, i, f.name), "max", fmt.Sprintf("must be at most %d bytes", maxShortLen))
				}
			}
		}
		actor := e.Actor
		switch actor.Kind {
		case "":
			actor.Kind = ActorUser
		case ActorUser, ActorSystem:
		case ActorOperator:
			if actor.ID == nil {
				v.Add(fieldOf(field, i, "actor.id"), "required", "is required for an operator")
			}
		default:
			v.Add(fieldOf(field, i, "actor.kind"), "oneof", "must be user, operator or system")
		}
		var attrs map[string]any
		if ok {
			attrs = cleanAttributes(t, e.Attributes, func() string { return fieldOf(field, i, "attributes") }, v)
			if len(attrs) > 0 {
				if scratch = appendAttributes(scratch[:0], attrs); len(scratch) > MaxAttributesBytes {
					v.Add(fieldOf(field, i, "attributes"), "max", fmt.Sprintf("must encode to at most %d bytes of JSON", MaxAttributesBytes))
				}
			}
		}
		rows[i] = Event{
			ID: ids[i], UserID: e.UserID, OccurredAt: occurred, ReceivedAt: now, Type: e.Type, Channel: e.Channel,
			DeviceID: e.DeviceID, SessionID: e.SessionID, AppVersion: e.AppVersion, BotVersion: e.BotVersion,
			Attributes: attrs, ActorKind: actor.Kind, ActorID: actor.ID,
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// newEventIDs returns n UUIDv7 ids (RFC 9562: the current Unix time in
// milliseconds, then random bits) from one read of crypto/rand for the
// whole batch instead of one per event.
func newEventIDs(n int) ([]uuid.UUID, error) {
	src := make([]byte, n*16)
	if _, err := rand.Read(src); err != nil {
		return nil, fmt.Errorf("activity: new id: %w", err)
	}
	r := bytes.NewReader(src)
	ids := make([]uuid.UUID, n)
	for i := range ids {
		id, err := uuid.NewV7FromReader(r)
		if err != nil {
			return nil, fmt.Errorf("activity: new id: %w", err)
		}
		ids[i] = id
	}
	return ids, nil
}

// insertEvents writes rows in one statement carrying the whole batch (see
// the package documentation), which drops events of unknown and erased
// users:
//   - on PostgreSQL through a *bun.DB or a bun.Conn (pgx): a check of
//     the batch's distinct users, then COPY of the live users' events, in
//     one transaction (copyEvents);
//   - on PostgreSQL inside the caller's transaction (bun.Tx, whose
//     connection database/sql does not expose): INSERT … SELECT FROM
//     unnest(one array per column) JOIN userdesk_users, which PostgreSQL
//     parses and plans in the same time whatever the batch size;
//   - on SQLite: INSERT … SELECT FROM (VALUES …) JOIN userdesk_users.
func (s *Service) insertEvents(ctx context.Context, db bun.IDB, rows []Event) (int64, error) {
	d, err := sqldb.DialectOf(db)
	if err != nil {
		return 0, err
	}
	attrs := make([]string, len(rows))
	var buf []byte
	for i, e := range rows {
		buf = appendAttributes(buf[:0], e.Attributes)
		attrs[i] = string(buf)
	}
	if d == sqldb.Postgres {
		if n, done, err := copyEvents(ctx, db, rows, attrs); done {
			return n, err
		}
	}
	var q *bun.RawQuery
	if d == sqldb.Postgres {
		q = pgInsertEvents(db, rows, attrs)
	} else {
		q = valuesInsertEvents(db, rows, attrs)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("activity: record events: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func pgInsertEvents(db bun.IDB, rows []Event, attrs []string) *bun.RawQuery {
	n := len(rows)
	ids, users, actorIDs := make([]string, n), make([]string, n), make([]string, n)
	occurred, received := make([]string, n), make([]string, n)
	types, channels, devices, sessions := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	apps, bots, actors := make([]string, n), make([]string, n), make([]string, n)
	for i, e := range rows {
		ids[i], users[i] = e.ID.String(), e.UserID.String()
		occurred[i], received[i] = e.OccurredAt.Format(time.RFC3339Nano), e.ReceivedAt.Format(time.RFC3339Nano)
		types[i], channels[i], devices[i], sessions[i] = e.Type, string(e.Channel), e.DeviceID, e.SessionID
		apps[i], bots[i], actors[i] = e.AppVersion, e.BotVersion, string(e.ActorKind)
		if e.ActorID != nil {
			actorIDs[i] = e.ActorID.String()
		}
	}
	return db.NewRaw(`INSERT INTO userdesk_events (`+strings.Join(eventColumns, ", ")+`)
SELECT v.id, v.user_id, v.occurred_at, v.received_at, v.type, v.channel, v.device_id, v.session_id,
       v.app_version, v.bot_version, v.attributes, v.actor_kind, NULLIF(v.actor_id, '')::uuid
FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::text[], ?::text[],
            ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
     AS v(id, user_id, occurred_at, received_at, type, channel, device_id, session_id, app_version, bot_version, attributes, actor_kind, actor_id)
JOIN userdesk_users u ON u.id = v.user_id AND u.deleted_at IS NULL`,
		pgdialect.Array(ids), pgdialect.Array(users), pgdialect.Array(occurred), pgdialect.Array(received),
		pgdialect.Array(types), pgdialect.Array(channels), pgdialect.Array(devices), pgdialect.Array(sessions),
		pgdialect.Array(apps), pgdialect.Array(bots), pgdialect.Array(attrs), pgdialect.Array(actors), pgdialect.Array(actorIDs))
}

func valuesInsertEvents(db bun.IDB, rows []Event, attrs []string) *bun.RawQuery {
	var b strings.Builder
	b.WriteString("INSERT INTO userdesk_events (")
	b.WriteString(strings.Join(eventColumns, ", "))
	b.WriteString(") SELECT ")
	for i := range eventColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "v.column%d", i+1)
	}
	b.WriteString(" FROM (VALUES ")
	args := make([]any, 0, len(rows)*len(eventColumns))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(eventColumns)), ", ") + ")"
	for i, e := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		var actor any
		if e.ActorID != nil {
			actor = e.ActorID.String()
		}
		args = append(args, e.ID.String(), e.UserID.String(), e.OccurredAt, e.ReceivedAt, e.Type, string(e.Channel),
			e.DeviceID, e.SessionID, e.AppVersion, e.BotVersion, attrs[i], string(e.ActorKind), actor)
	}
	b.WriteString(") AS v JOIN userdesk_users u ON u.id = v.column2 AND u.deleted_at IS NULL")
	return db.NewRaw(b.String(), args...)
}

// appendAttributes appends stored attributes as JSON, byte for byte what
// encoding/json writes for the map (keys sorted, the same escapes), without
// its reflection: cleanAttributes leaves only strings, int64 and bools.
func appendAttributes(buf []byte, attrs map[string]any) []byte {
	if len(attrs) == 0 {
		return append(buf, "{}"...)
	}
	var held [MaxAttributes]string
	keys := held[:0]
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		switch x := attrs[k].(type) {
		case string:
			buf = appendJSONString(buf, x)
		case int64:
			buf = strconv.AppendInt(buf, x, 10)
		case bool:
			buf = strconv.AppendBool(buf, x)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				b = []byte("null")
			}
			buf = append(buf, b...)
		}
	}
	return append(buf, '}')
}

// appendJSONString appends s as a JSON string: printable ASCII without
// the characters encoding/json escapes is copied as is, anything else goes
// through encoding/json.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
