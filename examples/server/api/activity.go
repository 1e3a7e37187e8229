package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// bindActivity: the user page's reservations card, events timeline and
// devices, and the user's own devices (package usermgmt/activity; the
// library checks every permission and masks what the reader may not see).
func (a *API) bindActivity(rt *router) {
	rt.operator(routeUserReservations, a.needActivityOp(a.userReservations))
	rt.operator(routeUserEvents, a.needActivityOp(a.userEvents))
	rt.operator(routeUserDevices, a.needActivityOp(a.userDevices))
	rt.operator(routeUserDeviceRevoke, a.needActivityOp(a.userDeviceRevoke))
	rt.user(routeMeDevices, a.needActivityMe(a.meDevices))
	rt.user(routeMeDeviceRevoke, a.needActivityMe(a.meDeviceRevoke))
}

func (a *API) needActivityOp(h operatorHandler) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
		if a.activity == nil {
			return errAreaUnavailable
		}
		return h(w, r, op)
	}
}

func (a *API) needActivityMe(h userHandler) userHandler {
	return func(w http.ResponseWriter, r *http.Request, me *Me) error {
		if a.activity == nil {
			return errAreaUnavailable
		}
		return h(w, r, me)
	}
}

// channelsParam reads the repeatable channel query parameter (also
// comma-separated). The value "all" passes all, nil when absent.
func channelsParam(r *http.Request, all func() []activity.Channel) []activity.Channel {
	var out []activity.Channel
	for _, v := range r.URL.Query()["channel"] {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c == "all" {
				return all()
			} else if c != "" {
				out = append(out, activity.Channel(c))
			}
		}
	}
	return out
}

// timeParam reads an optional RFC 3339 query parameter.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, &badRequest{code: "validation_failed", detail: name + " must be an RFC 3339 time", fields: []fieldProblem{{Name: name, Reason: "must be an RFC 3339 time such as 2026-12-01T10:00:00Z"}}}
	}
	return &t, nil
}

// userReservations answers the reservations card: the last reservations
// made through the App and the Bot (or the channels asked for), upcoming
// and past.
func (a *API) userReservations(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	f := activity.ReservationFilter{Channels: channelsParam(r, activity.ReservationChannels), IncludeDeleted: r.URL.Query().Get("include_deleted") == "true"}
	card, err := a.activity.UserReservations(r.Context(), a.db, op.ID, id, f)
	if err != nil {
		return err
	}
	if card.Upcoming == nil {
		card.Upcoming = []activity.Reservation{}
	}
	if card.Past == nil {
		card.Past = []activity.Reservation{}
	}
	return writeJSON(w, http.StatusOK, card)
}

// userEvents answers the events timeline: the user's last events and the
// operator actions of the same period, newest first, filtered.
func (a *API) userEvents(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	from, err := timeParam(r, "from")
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to")
	if err != nil {
		return err
	}
	f := activity.EventFilter{Channels: channelsParam(r, activity.EventChannels), From: from, To: to,
		NoOperatorActions: r.URL.Query().Get("operator_actions") == "false"}
	for _, v := range r.URL.Query()["type"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				f.Types = append(f.Types, t)
			}
		}
	}
	tl, err := a.activity.UserTimeline(r.Context(), a.db, op.ID, id, f)
	if err != nil {
		return err
	}
	if tl.Entries == nil {
		tl.Entries = []activity.TimelineEntry{}
	}
	return writeJSON(w, http.StatusOK, tl)
}

// userDevices answers the devices: the current one first, then the
// previous ones.
func (a *API) userDevices(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	ds, err := a.activity.UserDevices(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, devicesBody(ds))
}

func devicesBody(ds []activity.Device) map[string]any {
	if ds == nil {
		ds = []activity.Device{}
	}
	return map[string]any{"items": ds}
}

// userDeviceRevoke revokes a device of the user, with a reason: its
// sessions end and its push token goes.
func (a *API) userDeviceRevoke(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d, err := a.activity.RevokeDevice(r.Context(), a.db, op.ID, id, r.PathValue("device"), req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// meDevices answers the user's own devices.
func (a *API) meDevices(w http.ResponseWriter, r *http.Request, me *Me) error {
	ds, err := a.activity.OwnDevices(r.Context(), a.db, me.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, devicesBody(ds))
}

// meDeviceRevoke logs one of the user's devices out ("log out this
// phone"). Under impersonation the library refuses it
// (usermgmt.ErrUnderImpersonation: 403 forbidden_under_impersonation).
func (a *API) meDeviceRevoke(w http.ResponseWriter, r *http.Request, me *Me) error {
	d, err := a.activity.RevokeOwnDevice(r.Context(), a.db, me.User.ID, r.PathValue("device"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}
