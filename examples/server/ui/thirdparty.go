package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
)

// The user page's "Third parties" tab: the SevenRooms link (copy, open
// in a new tab, red with the reason when broken), the reconnect pop-up
// (paste a link or search, both sides side by side, click the value to
// keep, Update and close) and undo. Packages thirdparty and
// thirdparty/sevenrooms decide permissions, masking and merge rules.

// tpView is the Third parties tab's content: the card, its error (shown
// in the card, keyed "thirdparty") and the user page's path.
type tpView struct {
	ThirdParty *tpCard
	Errors     map[string]cardError
	Self       string
}

// tpCard is the card's data.
type tpCard struct {
	// Enabled is false when the operator may not read links.
	Enabled bool
	// Base is the mount path; CanReconnect and CanUndo show the controls
	// the library would accept (it checks again).
	Base                  string
	CanReconnect, CanUndo bool
	LastChecked           string
	// Known lists an ambiguous link's candidates.
	Known  []tpCandidate
	Link   *thirdparty.Link
	Status thirdparty.Status
	Broken bool
	// Reason is why the link is broken, in words.
	Reason string
	// URL is the profile's manager link.
	URL    string
	Merges []tpMerge
	// The pop-up: open after a search, a preview or a refused reconnect.
	Open       bool
	LinkInput  string
	Searched   bool
	Candidates []tpCandidate
	Preview    *sevenrooms.Preview
	Rows       []tpRow
	// ProfileUpdated is the preview's token, as sent back.
	ProfileUpdated string
}

// tpMerge is one reconnect of the history.
type tpMerge struct {
	sevenrooms.Merge
	// Undoable: applied and within its window (the library decides again).
	Undoable bool
	Fields   string
}

// tpRow is one field of the side-by-side merge.
type tpRow struct {
	Name, Label   string
	App, Provider string
	// Equal: both sides agree, nothing to choose.
	Equal bool
	// Pick is the side chosen by default: "app" or "provider".
	Pick string
	Rule string
}

var tpFieldLabels = map[string]string{
	sevenrooms.FieldFirstName: "First name", sevenrooms.FieldLastName: "Last name", sevenrooms.FieldEmail: "Email",
	sevenrooms.FieldPhone: "Phone", sevenrooms.FieldBirthday: "Birthday", sevenrooms.FieldLanguage: "Preferred language",
	sevenrooms.FieldAddress1: "Address", sevenrooms.FieldAddress2: "Address (2nd line)", sevenrooms.FieldPostalCode: "Postal code",
	sevenrooms.FieldCity: "City", sevenrooms.FieldRegion: "Region", sevenrooms.FieldCountry: "Country",
}

var tpReasons = map[thirdparty.Reason]string{
	thirdparty.ReasonNotFound:         "SevenRooms knows no profile with this id.",
	thirdparty.ReasonDeleted:          "The profile was deleted at SevenRooms.",
	thirdparty.ReasonMergedElsewhere:  "The profile now belongs to another user (merged elsewhere).",
	thirdparty.ReasonWrongEnvironment: "The id belongs to the other SevenRooms environment (demo or production).",
	thirdparty.ReasonWrongKind:        "The id is not a guest profile's.",
	thirdparty.ReasonUnauthorized:     "SevenRooms refused our credentials for this profile.",
	thirdparty.ReasonUnreachable:      "SevenRooms did not answer at the last check; the link may be fine.",
}

func init() {
	tabFlashes["tp_reconnect"] = "The user was reconnected to the SevenRooms profile."
	tabFlashes["tp_undo"] = "The reconnect was undone: both sides are as they were."
	tabFlashes["tp_check"] = "The SevenRooms link was checked."
}

// thirdPartyCount is the tab's count: the user's links to third parties
// that are not "unlinked" (linked, broken or ambiguous), whatever the
// provider — today SevenRooms only, so 0 or 1.
func (s *server) thirdPartyCount(ctx context.Context, actor, user uuid.UUID) (string, error) {
	ls, err := s.links.ListLinks(ctx, s.db, actor, user)
	if err != nil {
		return "", err
	}
	n := 0
	for _, l := range ls {
		if l.Status != thirdparty.StatusUnlinked {
			n++
		}
	}
	return strconv.Itoa(n), nil
}

// thirdPartyTab shows the Third parties tab.
func (s *server) thirdPartyTab(w http.ResponseWriter, r *http.Request) {
	s.showThirdParty(w, r, http.StatusOK, nil, nil)
}

// showThirdParty renders the tab; err (a refused change) is shown above
// it and edit puts a preview in the pop-up.
func (s *server) showThirdParty(w http.ResponseWriter, r *http.Request, status int, err error, edit func(*tpView)) {
	oc := fromContext(r.Context())
	s.tabPage(w, r, "thirdparty", "Third parties", status, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		v := &tpView{Errors: map[string]cardError{}, Self: s.base + "/users/" + user.String()}
		if err := s.thirdPartyCard(r, oc.op, user, v); err != nil {
			return v, err
		}
		if edit != nil {
			edit(v)
		}
		return v, nil
	}, err)
}

// tpFail re-renders the tab with a refused change's error; a missing
// user is the error page.
func (s *server) tpFail(w http.ResponseWriter, r *http.Request, err error, edit func(*tpView)) {
	status, _, _ := s.explainTab(r, err)
	if status == http.StatusNotFound {
		s.fail(w, r, err)
		return
	}
	s.showThirdParty(w, r, status, err, edit)
}

// thirdPartyCard builds the card; a SevenRooms failure is shown in the
// card, never as a failed page.
//
// Returns the library's refusal of the whole tab (a *usermgmt.PermissionError).
func (s *server) thirdPartyCard(r *http.Request, op *usermgmt.Operator, id uuid.UUID, d *tpView) error {
	c := &tpCard{Enabled: true, Status: thirdparty.StatusUnlinked, Base: s.base,
		CanReconnect: s.users.Can(op, thirdparty.PermReconnect), CanUndo: s.users.Can(op, thirdparty.PermUndo)}
	d.ThirdParty = c
	ctx := r.Context()
	l, err := s.links.GetLink(ctx, s.db, op.ID, id, sevenrooms.Provider)
	switch {
	case errors.Is(err, thirdparty.ErrNotFound):
	case errors.Is(err, usermgmt.ErrForbidden):
		// The library refuses the whole tab: nothing of the card shows.
		c.Enabled = false
		return err
	case err != nil:
		d.Errors["thirdparty"] = s.cardErr(r, err)
		return nil
	default:
		c.Link, c.Status, c.Broken, c.URL, c.Reason = l, l.Status, l.Broken(), s.sevenrooms.LinkURL(l), tpReasons[l.Reason]
		c.LastChecked, c.Known = "Never", candidates(l.Candidates)
		if l.LastCheckedAt != nil {
			c.LastChecked = l.LastCheckedAt.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	merges, err := s.sevenrooms.ListMerges(ctx, s.db, op.ID, id)
	if err != nil {
		d.Errors["thirdparty"] = s.cardErr(r, err)
		return nil
	}
	now := s.now()
	for _, m := range merges {
		var names []string
		for _, f := range m.Plan.Fields {
			if f.Write != thirdparty.SideNone {
				names = append(names, tpLabel(f.Name))
			}
		}
		c.Merges = append(c.Merges, tpMerge{Merge: m, Undoable: m.Status == sevenrooms.MergeApplied && now.Before(m.UndoUntil), Fields: strings.Join(names, ", ")})
	}
	if r.Method == http.MethodGet && r.URL.Query().Get("tp") == "search" {
		c.Open, c.Searched = true, true
		q := sevenrooms.ProfileSearch{Email: strings.TrimSpace(r.URL.Query().Get("tp_email")), Phone: strings.TrimSpace(r.URL.Query().Get("tp_phone"))}
		found, err := s.sevenrooms.SearchCandidates(ctx, s.db, op.ID, id, q)
		if err != nil {
			d.Errors["thirdparty"] = s.cardErr(r, err)
		}
		c.Candidates = candidates(found)
	}
	return nil
}

// tpCandidate is a candidate profile with its last update as text.
type tpCandidate struct {
	thirdparty.Candidate
	Updated string
}

func candidates(cs []thirdparty.Candidate) []tpCandidate {
	var out []tpCandidate
	for _, c := range cs {
		t := tpCandidate{Candidate: c}
		if c.UpdatedAt != nil {
			t.Updated = c.UpdatedAt.UTC().Format("2006-01-02")
		}
		out = append(out, t)
	}
	return out
}

func (s *server) cardErr(r *http.Request, err error) cardError {
	_, msg, problems := s.explain(r, err)
	return cardError{Message: msg, Problems: problems}
}

func tpLabel(name string) string {
	if l, ok := tpFieldLabels[name]; ok {
		return l
	}
	return fieldLabel(name)
}

// tpValue shows one side's value.
func tpValue(v thirdparty.Value) string {
	switch {
	case v.Birthday != nil:
		return v.Birthday.String()
	case len(v.Items) > 0:
		return strings.Join(v.Items, ", ")
	case v.Consent != "":
		return string(v.Consent)
	}
	return v.Text
}

// withPreview puts a preview in the pop-up.
func withPreview(pv *sevenrooms.Preview, input string) func(*tpView) {
	return func(d *tpView) {
		if d.ThirdParty == nil {
			return
		}
		c := d.ThirdParty
		c.Open, c.LinkInput, c.Preview = true, input, pv
		if pv == nil {
			return
		}
		c.ProfileUpdated = pv.ProfileUpdated.Format(time.RFC3339Nano)
		for _, f := range pv.Plan.Fields {
			row := tpRow{Name: f.Name, Label: tpLabel(f.Name), App: tpValue(f.App), Provider: tpValue(f.Provider), Pick: "app", Rule: string(f.Rule)}
			row.Equal = f.Rule == thirdparty.RuleEqual
			if f.Choice == thirdparty.TakeProvider {
				row.Pick = "provider"
			}
			c.Rows = append(c.Rows, row)
		}
	}
}

// tpPreview fetches the pasted profile and opens the side-by-side merge.
func (s *server) tpPreview(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok || !s.tpEnabled(w, r) {
		return
	}
	input := strings.TrimSpace(r.PostFormValue("link"))
	pv, err := s.sevenrooms.PreviewReconnect(r.Context(), s.db, oc.op.ID, id, input)
	if err != nil {
		s.tpFail(w, r, err, withPreview(nil, input))
		return
	}
	s.showThirdParty(w, r, http.StatusOK, nil, withPreview(pv, input))
}

// tpReconnect applies the operator's choice per field.
func (s *server) tpReconnect(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok || !s.tpEnabled(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.tpFail(w, r, err, nil)
		return
	}
	f := r.PostForm
	rc := sevenrooms.Reconnect{UserID: id, ClientID: f.Get("client_id"), Reason: f.Get("reason"), Decisions: map[string]thirdparty.Decision{}}
	rc.UserVersion, _ = strconv.ParseInt(f.Get("user_version"), 10, 64)
	rc.LinkVersion, _ = strconv.ParseInt(f.Get("link_version"), 10, 64)
	rc.ProfileUpdated, _ = time.Parse(time.RFC3339Nano, f.Get("profile_updated"))
	// A decision for each field whose pick differs from the default.
	for key := range f {
		name, ok := strings.CutPrefix(key, "pick_")
		if !ok || f.Get(key) == f.Get("default_"+name) {
			continue
		}
		switch f.Get(key) {
		case "app":
			rc.Decisions[name] = thirdparty.Decision{Choice: thirdparty.KeepApp}
		case "provider":
			rc.Decisions[name] = thirdparty.Decision{Choice: thirdparty.TakeProvider}
		}
	}
	if _, err := s.sevenrooms.ApplyReconnect(r.Context(), s.db, oc.op.ID, rc); err != nil {
		input := f.Get("link")
		pv, perr := s.sevenrooms.PreviewReconnect(r.Context(), s.db, oc.op.ID, id, input)
		if perr != nil {
			pv = nil
		}
		s.tpFail(w, r, err, withPreview(pv, input))
		return
	}
	s.backTo(w, r, id, "/thirdparty", "tp_reconnect")
}

// tpUndo undoes a reconnect.
func (s *server) tpUndo(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok || !s.tpEnabled(w, r) {
		return
	}
	mid, err := uuid.Parse(r.PathValue("merge"))
	if err != nil {
		s.tpFail(w, r, thirdparty.ErrNotFound, nil)
		return
	}
	if _, err := s.sevenrooms.UndoReconnect(r.Context(), s.db, oc.op.ID, mid, r.PostFormValue("reason")); err != nil {
		s.tpFail(w, r, err, nil)
		return
	}
	s.backTo(w, r, id, "/thirdparty", "tp_undo")
}

// tpCheck checks the link's health now.
func (s *server) tpCheck(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok || !s.tpEnabled(w, r) {
		return
	}
	if _, err := s.sevenrooms.CheckLink(r.Context(), s.db, oc.op.ID, id); err != nil {
		s.tpFail(w, r, err, nil)
		return
	}
	s.backTo(w, r, id, "/thirdparty", "tp_check")
}

func (s *server) tpEnabled(w http.ResponseWriter, r *http.Request) bool {
	if s.sevenrooms == nil || s.links == nil {
		s.renderError(w, r, nil, http.StatusServiceUnavailable, "SevenRooms is not configured on this server.")
		return false
	}
	return true
}

// explainThirdParty puts the third-party packages' errors in words.
func explainThirdParty(err error) (int, string, bool) {
	var partial *sevenrooms.PartialError
	switch {
	case errors.As(err, &partial):
		return http.StatusBadGateway, "SevenRooms was changed but the rest could not be finished, nor SevenRooms restored yet. The merge is recorded as partially applied and will be retried; nothing is reported as done.", true
	case errors.Is(err, thirdparty.ErrTaken):
		return http.StatusConflict, "This SevenRooms profile is already linked to another user.", true
	case errors.Is(err, sevenrooms.ErrUndoExpired):
		return http.StatusConflict, "The undo window of this reconnect has passed.", true
	case errors.Is(err, sevenrooms.ErrDuplicates):
		return http.StatusConflict, "Other SevenRooms profiles share this user's phone or email.", true
	case errors.Is(err, thirdparty.ErrConflict):
		return http.StatusConflict, "The user, the link or the SevenRooms profile changed meanwhile (or this was already done). Look again and retry.", true
	case errors.Is(err, thirdparty.ErrNotFound):
		return http.StatusConflict, "There is no such SevenRooms link or reconnect for this user.", true
	case errors.Is(err, sevenrooms.ErrDeleted):
		return http.StatusConflict, "This SevenRooms profile was deleted.", true
	case errors.Is(err, sevenrooms.ErrNotFound):
		return http.StatusConflict, "SevenRooms knows no profile with this id.", true
	case errors.Is(err, sevenrooms.ErrUnauthorized), errors.Is(err, sevenrooms.ErrForbidden):
		return http.StatusBadGateway, "SevenRooms refused our credentials.", true
	case errors.Is(err, sevenrooms.ErrRateLimited), errors.Is(err, sevenrooms.ErrTimeout), errors.Is(err, sevenrooms.ErrUpstream),
		errors.Is(err, sevenrooms.ErrBadRequest), errors.Is(err, sevenrooms.ErrConflict), errors.Is(err, sevenrooms.ErrPageCap):
		return http.StatusBadGateway, "SevenRooms did not answer as expected just now. Try again in a moment.", true
	}
	return 0, "", false
}

// tpQueueRow is one ambiguous link of the queue, with its user's name.
type tpQueueRow struct {
	Link       thirdparty.Link
	Name       string
	Candidates []tpCandidate
}

// tpQueueData is the ambiguous-link queue page.
type tpQueueData struct {
	Rows []tpQueueRow
	// Next is the link to the next page; empty on the last.
	Next string
}

// tpQueuePageSize is how many ambiguous links a page of the queue shows.
const tpQueuePageSize = 50

// tpQueue shows the ambiguous links, oldest first: the automatic links
// that found several SevenRooms profiles and chose none. Each opens the
// user's Third parties tab, where a candidate is compared and chosen.
func (s *server) tpQueue(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	if !s.tpEnabled(w, r) {
		return
	}
	after := uuid.Nil
	if v := r.URL.Query().Get("after"); v != "" {
		var err error
		if after, err = uuid.Parse(v); err != nil {
			s.renderError(w, r, nil, http.StatusBadRequest, "This page link is not valid. Start again from the first page.")
			return
		}
	}
	links, err := s.links.AmbiguousQueue(r.Context(), s.db, oc.op.ID, sevenrooms.Provider, after, tpQueuePageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &tpQueueData{}
	for _, l := range links {
		row := tpQueueRow{Link: l, Candidates: candidates(l.Candidates), Name: l.UserID.String()}
		if u, err := s.users.GetUser(r.Context(), s.db, oc.op.ID, l.UserID); err == nil {
			row.Name = u.FullName()
		}
		d.Rows = append(d.Rows, row)
	}
	if len(links) == tpQueuePageSize {
		d.Next = s.base + "/thirdparty/ambiguous?after=" + links[len(links)-1].ID.String()
	}
	p := s.newPage(r, "Ambiguous SevenRooms links")
	p.Data = d
	s.render(w, r, "thirdparty_queue", http.StatusOK, p)
}
