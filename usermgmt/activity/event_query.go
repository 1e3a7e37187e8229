package activity

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/hotsql"
	"github.com/userdesk/userdesk/usermgmt"
)

// EventFilter narrows the events card. The zero value shows everything.
type EventFilter struct {
	// Types keeps only these event types and audit actions (an operator
	// action's type is its audit action, such as "user.status_change").
	Types []string
	// Channels keeps only these channels; operator actions are
	// ChannelBackOffice.
	Channels []Channel
	// From and To keep entries that occurred in [From, To).
	From, To *time.Time
	// NoOperatorActions leaves the audit log's operator actions out.
	NoOperatorActions bool
}

// TimelineEntry is one row of the events card: an event of the user, or
// an operator's action on the user from the audit log.
type TimelineEntry struct {
	// At is when it happened (Event.OccurredAt, or AuditRecord.At).
	At time.Time `json:"at"`
	// Type is the event type, or the audit action.
	Type    string  `json:"type"`
	Channel Channel `json:"channel"`
	// Event is set for an event of the user.
	Event *Event `json:"event,omitempty"`
	// OperatorAction is set for an operator's action on the user.
	OperatorAction *usermgmt.AuditRecord `json:"operator_action,omitempty"`
}

// Timeline is the user page's events card.
type Timeline struct {
	// Entries are newest first: the user's last KeepEvents events that
	// pass the filter, and the operator actions on the user from the same
	// period (no older than the oldest event shown when older events were
	// left out; at most KeepEvents of them).
	Entries []TimelineEntry `json:"entries"`
	// Truncated is true when older events passed the filter but were left
	// out.
	Truncated bool `json:"truncated"`
	// Events and OperatorActions count the entries of each kind.
	Events          int `json:"events"`
	OperatorActions int `json:"operator_actions"`
}

// UserTimeline returns a user's events card for an operator holding
// PermReadActivity. Email and phone attributes are masked unless the
// operator also holds usermgmt.PermReadPersonalData. Returns a
// *usermgmt.PermissionError, a *usermgmt.ValidationError for a bad
// filter, or usermgmt.ErrNotFound for an unknown or erased user.
func (s *Service) UserTimeline(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, f EventFilter) (*Timeline, error) {
	op, err := s.users.Authorize(ctx, db, actor, PermReadActivity)
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, db, userID, f, s.users.Can(op, usermgmt.PermReadPersonalData), true)
}

// OwnEvents is the events card for the user themself: their events in
// clear, without the operator actions.
func (s *Service) OwnEvents(ctx context.Context, db bun.IDB, userID uuid.UUID, f EventFilter) (*Timeline, error) {
	return s.timeline(ctx, db, userID, f, true, false)
}

func checkFilter(f EventFilter) error {
	v := &usermgmt.ValidationError{}
	for i, c := range f.Channels {
		if !channelIn(c, EventChannels()) {
			v.Add(fmt.Sprintf("channels[%d]", i), "oneof", "must be app, bot, web, back_office, system or webhook")
		}
	}
	if len(f.Types) > 100 {
		v.Add("types", "max", "must list at most 100 types")
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		v.Add("to", "gtfield", "must be after from")
	}
	return v.Err()
}

func (s *Service) timeline(ctx context.Context, db bun.IDB, userID uuid.UUID, f EventFilter, personal, operatorActions bool) (*Timeline, error) {
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	if err := s.liveUser(ctx, db, userID); err != nil {
		return nil, err
	}
	var events []Event
	// The card without dates or types (the user page's default, or by
	// channel) is one text per filter shape: the user is a bound argument,
	// so the statement is compiled (SQLite) or prepared (PostgreSQL: parsed
	// and planned over every partition) once per connection
	// (internal/hotsql). Dates and type names are free values: their
	// statements stay one-off text, so as not to crowd the caches.
	var p *hotsql.Params
	if mode := hotsql.ModeOf(db); mode != hotsql.Inline && f.From == nil && f.To == nil && len(f.Types) == 0 {
		p = hotsql.NewParams(mode)
	}
	q := db.NewSelect().Model(&events).Where("user_id = ?", p.Param(userID)).OrderExpr("occurred_at DESC, id DESC").Limit(KeepEvents + 1)
	if len(f.Types) > 0 {
		q = q.Where("type IN (?)", bun.List(f.Types))
	}
	if len(f.Channels) > 0 {
		q = q.Where("channel IN (?)", bun.List(f.Channels))
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", stamp(*f.From))
	}
	if f.To != nil {
		q = q.Where("occurred_at < ?", stamp(*f.To))
	}
	qctx := ctx
	if p != nil {
		var err error
		if qctx, err = hotsql.Bind(ctx, db, q, p); err != nil {
			return nil, fmt.Errorf("activity: events: %w", err)
		}
	}
	if err := q.Scan(qctx); err != nil {
		return nil, fmt.Errorf("activity: events: %w", err)
	}
	tl := &Timeline{Entries: make([]TimelineEntry, 0, len(events))}
	if len(events) > KeepEvents {
		events, tl.Truncated = events[:KeepEvents], true
	}
	for i := range events {
		e := &events[i]
		e.Attributes = s.readAttributes(e.Type, e.Attributes, personal)
		tl.Entries = append(tl.Entries, TimelineEntry{At: e.OccurredAt, Type: e.Type, Channel: e.Channel, Event: e})
	}
	tl.Events = len(events)
	if operatorActions && !f.NoOperatorActions && (len(f.Channels) == 0 || channelIn(ChannelBackOffice, f.Channels)) {
		aq := usermgmt.AuditQuery{UserID: userID, OperatorOnly: true, Actions: f.Types, Limit: KeepEvents, To: f.To}
		from := f.From
		if tl.Truncated {
			// The card covers the period of the events it shows.
			oldest := events[len(events)-1].OccurredAt
			if from == nil || oldest.After(*from) {
				from = &oldest
			}
		}
		if from != nil {
			t := stamp(*from)
			aq.From = &t
		}
		recs, err := s.users.QueryAudit(ctx, db, aq)
		if err != nil {
			return nil, fmt.Errorf("activity: operator actions: %w", err)
		}
		for i := range recs {
			r := &recs[i]
			tl.Entries = append(tl.Entries, TimelineEntry{At: r.At, Type: r.Action, Channel: ChannelBackOffice, OperatorAction: r})
		}
		tl.OperatorActions = len(recs)
	}
	sort.SliceStable(tl.Entries, func(i, j int) bool { return tl.Entries[i].At.After(tl.Entries[j].At) })
	return tl, nil
}
