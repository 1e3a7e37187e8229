package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt/activity"
)

// reservationsData is the Reservations tab: upcoming soonest first, past
// latest first (the library's Past read backwards).
type reservationsData struct {
	Upcoming, Past []activity.Reservation
	Truncated      bool
	Channels       []activity.Channel
}

func (s *server) reservationsTab(w http.ResponseWriter, r *http.Request) {
	s.tabPage(w, r, "reservations", "Reservations", http.StatusOK, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		c, err := s.activity.UserReservations(ctx, s.db, actor, user, activity.ReservationFilter{})
		if err != nil {
			return nil, err
		}
		past := slices.Clone(c.Past)
		slices.Reverse(past)
		return reservationsData{Upcoming: c.Upcoming, Past: past, Truncated: c.Truncated, Channels: c.Channels}, nil
	}, nil)
}

// eventsForm is the Events tab's filter, as typed. Types and Channels
// hold every value ticked (the query repeats type= and channel=); none
// means all.
type eventsForm struct {
	Types, Channels   []string
	From, To          string
	NoOperatorActions bool
}

// evChoice is one checkbox of the Events tab's type or channel filter.
type evChoice struct {
	Value, Label string
	Checked      bool
}

type eventsData struct {
	Form     eventsForm
	Timeline *activity.Timeline
	Types    []evChoice
	Channels []evChoice
}

// chosen lists the non-empty values of a repeated query parameter, once
// each, in the order given.
func chosen(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// parseDay reads a yyyy-mm-dd date; inclusive says whether the bound
// takes the whole day (the next midnight, as the users list's dates).
func parseDay(field, v string, inclusive bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, invalidDate(field)
	}
	if inclusive {
		t = t.AddDate(0, 0, 1)
	}
	return &t, nil
}

func (s *server) eventsTab(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	form := eventsForm{Types: chosen(q["type"]), Channels: chosen(q["channel"]), From: q.Get("from"), To: q.Get("to"), NoOperatorActions: q.Get("operator_actions") == "no"}
	s.tabPage(w, r, "events", "Events", http.StatusOK, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		d := eventsData{Form: form}
		for _, t := range activity.BuiltinEventTypes() {
			d.Types = append(d.Types, evChoice{Value: t.Name, Label: t.Name, Checked: slices.Contains(form.Types, t.Name)})
		}
		for _, c := range activity.EventChannels() {
			d.Channels = append(d.Channels, evChoice{Value: string(c), Label: channelLabel(c), Checked: slices.Contains(form.Channels, string(c))})
		}
		f := activity.EventFilter{NoOperatorActions: form.NoOperatorActions, Types: form.Types}
		for _, c := range form.Channels {
			f.Channels = append(f.Channels, activity.Channel(c))
		}
		var err error
		if f.From, err = parseDay("from", form.From, false); err != nil {
			return d, err
		}
		if f.To, err = parseDay("to", form.To, true); err != nil {
			return d, err
		}
		d.Timeline, err = s.activity.UserTimeline(ctx, s.db, actor, user, f)
		return d, err
	}, nil)
}

type devicesData struct {
	Devices []activity.Device
}

func (s *server) devicesTab(w http.ResponseWriter, r *http.Request) {
	s.showDevices(w, r, http.StatusOK, nil)
}

func (s *server) showDevices(w http.ResponseWriter, r *http.Request, status int, err error) {
	s.tabPage(w, r, "devices", "Devices", status, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		ds, err := s.activity.UserDevices(ctx, s.db, actor, user)
		return devicesData{Devices: ds}, err
	}, err)
}

// deviceRevoke revokes a device with the operator's reason.
func (s *server) deviceRevoke(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	if _, err := s.activity.RevokeDevice(r.Context(), s.db, oc.op.ID, id, r.PathValue("device"), r.PostFormValue("reason")); err != nil {
		s.showDevices(w, r, http.StatusOK, err)
		return
	}
	s.backTo(w, r, id, "/devices", "device_revoked")
}
