package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
)

// bindSevenRooms: the user page's third-party card for SevenRooms (the
// link and its health, reconnect with a field-by-field merge, undo), the
// ambiguous-link queue and the SevenRooms webhook (packages thirdparty
// and thirdparty/sevenrooms; the library checks every permission, masks
// personal data, verifies the webhook and refuses replays).
func (a *API) bindSevenRooms(rt *router) {
	rt.operator(routeUserSevenRooms, a.needSevenRooms(a.userSevenRooms))
	rt.operator(routeUserSevenRoomsCheck, a.needSevenRooms(a.userSevenRoomsCheck))
	rt.operator(routeUserSevenRoomsCandidates, a.needSevenRooms(a.userSevenRoomsCandidates))
	rt.operator(routeUserSevenRoomsDuplicates, a.needSevenRooms(a.userSevenRoomsDuplicates))
	rt.operator(routeUserSevenRoomsPreview, a.needSevenRooms(a.userSevenRoomsPreview))
	rt.operator(routeUserSevenRoomsReconnect, a.needSevenRooms(a.userSevenRoomsReconnect))
	rt.operator(routeUserSevenRoomsCreate, a.needSevenRooms(a.userSevenRoomsCreate))
	rt.operator(routeUserSevenRoomsUnlink, a.needSevenRooms(a.userSevenRoomsUnlink))
	rt.operator(routeSevenRoomsParse, a.needSevenRooms(a.sevenRoomsParse))
	rt.operator(routeSevenRoomsAmbiguous, a.needSevenRooms(a.sevenRoomsAmbiguous))
	rt.operator(routeSevenRoomsMergeUndo, a.needSevenRooms(a.sevenRoomsMergeUndo))
	rt.operator(routeSevenRoomsMergeRetry, a.needSevenRooms(a.sevenRoomsMergeRetry))
	rt.public(routeSevenRoomsWebhook, a.sevenRoomsWebhook)
}

func (a *API) needSevenRooms(h operatorHandler) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
		if a.sevenrooms == nil || a.links == nil {
			return errAreaUnavailable
		}
		return h(w, r, op)
	}
}

// sevenRoomsCard is the user page's SevenRooms card.
type sevenRoomsCard struct {
	Provider string `json:"provider"`
	// Status is the link's status, "unlinked" when the user has none.
	Status thirdparty.Status `json:"status"`
	// Broken is true when the link is shown in red (Link.Reason says why).
	Broken bool `json:"broken"`
	// Link is nil when the user was never linked.
	Link *thirdparty.Link `json:"link"`
	// URL is the profile's manager link (copy, open in a new tab); empty
	// without a profile or a configured venue.
	URL string `json:"url,omitempty"`
	// Merges are the user's reconnects, newest first, with their undo
	// window.
	Merges []sevenrooms.Merge `json:"merges"`
}

// userSevenRooms answers the SevenRooms card.
func (a *API) userSevenRooms(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	card := sevenRoomsCard{Provider: sevenrooms.Provider, Status: thirdparty.StatusUnlinked}
	l, err := a.links.GetLink(r.Context(), a.db, op.ID, id, sevenrooms.Provider)
	switch {
	case errors.Is(err, thirdparty.ErrNotFound):
	case err != nil:
		return err
	default:
		card.Link, card.Status, card.Broken, card.URL = l, l.Status, l.Broken(), a.sevenrooms.LinkURL(l)
	}
	if card.Merges, err = a.sevenrooms.ListMerges(r.Context(), a.db, op.ID, id); err != nil {
		return err
	}
	if card.Merges == nil {
		card.Merges = []sevenrooms.Merge{}
	}
	return writeJSON(w, http.StatusOK, card)
}

// userSevenRoomsCheck checks the link's health now.
func (a *API) userSevenRoomsCheck(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	l, err := a.sevenrooms.CheckLink(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

// userSevenRoomsCandidates searches the profiles the user could be
// reconnected to: by ?email= and ?phone=, or the user's own.
func (a *API) userSevenRoomsCandidates(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	q := sevenrooms.ProfileSearch{Email: r.URL.Query().Get("email"), Phone: r.URL.Query().Get("phone")}
	cands, err := a.sevenrooms.SearchCandidates(r.Context(), a.db, op.ID, id, q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": cands})
}

// userSevenRoomsDuplicates answers how many other live SevenRooms
// profiles share the user's phone or email (it asks SevenRooms, so it is
// a route of its own rather than part of the card).
func (a *API) userSevenRoomsDuplicates(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	n, err := a.sevenrooms.CountDuplicates(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

type sevenRoomsLinkRequest struct {
	// Link is the pasted manager link or client id.
	Link string `json:"link"`
}

// sevenRoomsParse says what a pasted link was understood to be, without
// calling SevenRooms.
func (a *API) sevenRoomsParse(w http.ResponseWriter, r *http.Request, _ *usermgmt.Operator) error {
	var req sevenRoomsLinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := a.sevenrooms.ParseLink(req.Link)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// userSevenRoomsPreview fetches the pasted profile and answers both sides
// with the resolver's defaults and the versions the reconnect must match.
func (a *API) userSevenRoomsPreview(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req sevenRoomsLinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	pv, err := a.sevenrooms.PreviewReconnect(r.Context(), a.db, op.ID, id, req.Link)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pv)
}

// sevenRoomsReconnectRequest is a confirmed reconnect: the preview's
// tokens and the operator's choice per field.
type sevenRoomsReconnectRequest struct {
	ClientID       string                         `json:"client_id"`
	Decisions      map[string]thirdparty.Decision `json:"decisions"`
	UserVersion    int64                          `json:"user_version"`
	LinkVersion    int64                          `json:"link_version"`
	ProfileUpdated time.Time                      `json:"profile_updated"`
	Reason         string                         `json:"reason"`
}

// userSevenRoomsReconnect applies a previewed reconnect.
func (a *API) userSevenRoomsReconnect(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req sevenRoomsReconnectRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	m, err := a.sevenrooms.ApplyReconnect(r.Context(), a.db, op.ID, sevenrooms.Reconnect{
		UserID: id, ClientID: req.ClientID, Decisions: req.Decisions, UserVersion: req.UserVersion,
		LinkVersion: req.LinkVersion, ProfileUpdated: req.ProfileUpdated, Reason: req.Reason,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

type sevenRoomsCreateRequest struct {
	// Force creates the profile even when profiles share the user's phone
	// or email.
	Force  bool   `json:"force"`
	Reason string `json:"reason"`
}

// userSevenRoomsCreate creates a SevenRooms profile for the user and
// links it.
func (a *API) userSevenRoomsCreate(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req sevenRoomsCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	l, err := a.sevenrooms.CreateAndLink(r.Context(), a.db, op.ID, id, req.Force, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, l)
}

type sevenRoomsUnlinkRequest struct {
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

// userSevenRoomsUnlink detaches the user from the SevenRooms profile.
func (a *API) userSevenRoomsUnlink(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req sevenRoomsUnlinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := versionFromIfMatch(r, &req.Version); err != nil {
		return err
	}
	l, err := a.links.Unlink(r.Context(), a.db, op.ID, id, sevenrooms.Provider, req.Version, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

// sevenRoomsAmbiguous answers the queue of ambiguous links, oldest
// first, each with its candidates; ?after= is the last link id seen.
func (a *API) sevenRoomsAmbiguous(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	after := uuid.Nil
	if s := r.URL.Query().Get("after"); s != "" {
		if after, err = uuid.Parse(s); err != nil {
			return &badRequest{code: "validation_failed", detail: "after must be a link id", fields: []fieldProblem{{Name: "after", Reason: "must be a UUID"}}}
		}
	}
	links, err := a.links.AmbiguousQueue(r.Context(), a.db, op.ID, sevenrooms.Provider, after, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"items": links}
	if len(links) == limit {
		out["next"] = links[len(links)-1].ID
	}
	if links == nil {
		out["items"] = []thirdparty.Link{}
	}
	return writeJSON(w, http.StatusOK, out)
}

type sevenRoomsUndoRequest struct {
	Reason string `json:"reason"`
}

// sevenRoomsMergeUndo undoes a reconnect within its window.
func (a *API) sevenRoomsMergeUndo(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	var req sevenRoomsUndoRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	m, err := a.sevenrooms.UndoReconnect(r.Context(), a.db, op.ID, id, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// sevenRoomsMergeRetry sends the SevenRooms write a partial merge owes.
func (a *API) sevenRoomsMergeRetry(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := pathUUID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.sevenrooms.RetryMerge(r.Context(), a.db, &op.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// sevenRoomsWebhook receives SevenRooms deliveries: the library verifies
// the signature and the timestamp, refuses replays and processes the
// event; its refusals are answered as problem documents like every other
// error (sevenrooms.Service.WebhookHandler does the same in plain text
// for a host without this API).
func (a *API) sevenRoomsWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.sevenrooms == nil {
		return errAreaUnavailable
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonProblem(err)
	}
	if err := a.sevenrooms.HandleWebhook(r.Context(), a.db, r.Header, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// autoLink links the user who just logged in or registered to a
// SevenRooms profile (sevenrooms.Service.AutoLink: bounded by its login
// budget, never guessing, a failure queued for a retry). It never fails
// the request: a database error is logged.
func (a *API) autoLink(r *http.Request, userID uuid.UUID) {
	if a.sevenrooms == nil {
		return
	}
	if _, err := a.sevenrooms.AutoLink(r.Context(), a.db, userID); err != nil {
		a.log.WarnContext(r.Context(), "sevenrooms auto-link failed; the login goes on", "request_id", requestID(r.Context()), "err", err)
	}
}
