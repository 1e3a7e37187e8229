package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

// referralLedgerSize and referralRefereesShown size the Referral tab's
// lists (the library's maximum for the ledger).
const (
	referralLedgerSize    = 100
	referralRefereesShown = 200
)

type referralData struct {
	Card *referral.Card
	// To refills the credits field after a refusal.
	To string
	// ReferrerInput and ReferrerReason refill the change-referrer form
	// after a refusal.
	ReferrerInput, ReferrerReason string
	// Keys are fresh idempotency keys of the three forms.
	KeySet, KeyUp, KeyDown string
}

func init() {
	tabFlashes["referrer"] = "The referrer was changed."
	tabFlashes["referrer_removed"] = "The referrer was removed."
	fieldLabels["referrer"] = "New referrer"
	fieldLabels["referrer_id"] = "New referrer"
}

func (s *server) referralTab(w http.ResponseWriter, r *http.Request) {
	s.showReferral(w, r, http.StatusOK, nil, nil)
}

// showReferral renders the tab; err (a refused change) is shown above it
// and refill puts the refused form's values back.
func (s *server) showReferral(w http.ResponseWriter, r *http.Request, status int, err error, refill func(*referralData)) {
	s.tabPage(w, r, "referral", "Referral", status, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		c, err := s.referral.Card(ctx, s.db, actor, user, referral.CardOptions{Entries: referralLedgerSize, Referees: referralRefereesShown})
		if err != nil {
			return nil, err
		}
		d := referralData{Card: c, To: strconv.FormatInt(c.Balance, 10), KeySet: formKey(), KeyUp: formKey(), KeyDown: formKey()}
		if refill != nil {
			refill(&d)
		}
		return d, nil
	}, err)
}

// referralCredits sets the credits to the number typed, guarded by the
// version of the balance the page showed.
func (s *server) referralCredits(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("to"))
	to, err := strconv.ParseInt(typed, 10, 64)
	if err != nil {
		s.showReferral(w, r, http.StatusOK, usermgmt.Invalid("to", "integer", "must be a whole number of credits"), refillTo(typed))
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err := s.referral.SetCredits(r.Context(), s.db, oc.op.ID, id, referral.CreditSet{To: to, SeenVersion: version,
		Reason: r.PostFormValue("reason"), IdempotencyKey: r.PostFormValue("key")}); err != nil {
		s.showReferral(w, r, http.StatusOK, err, refillTo(typed))
		return
	}
	s.backTo(w, r, id, "/referral", "credits")
}

// referralStep is an arrow: one credit more or less.
func (s *server) referralStep(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	delta, _ := strconv.ParseInt(r.PostFormValue("delta"), 10, 64)
	if _, err := s.referral.StepCredits(r.Context(), s.db, oc.op.ID, id, referral.CreditStep{Delta: delta,
		Reason: r.PostFormValue("reason"), IdempotencyKey: r.PostFormValue("key")}); err != nil {
		s.showReferral(w, r, http.StatusOK, err, nil)
		return
	}
	s.backTo(w, r, id, "/referral", "credits")
}

// refillTo puts the credits typed back in their field.
func refillTo(typed string) func(*referralData) {
	return func(d *referralData) { d.To = typed }
}

// referralReferrer changes the user's referrer to the user whose UID was
// typed, or removes it ("Remove the referrer"), with the required reason:
// referral.ChangeReferrer, which checks the permission, refuses oneself
// and cycles, and audits the change.
func (s *server) referralReferrer(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	typed, reason := strings.TrimSpace(r.PostFormValue("referrer")), r.PostFormValue("reason")
	refill := func(d *referralData) { d.ReferrerInput, d.ReferrerReason = typed, reason }
	var to *uuid.UUID
	remove := r.PostFormValue("remove") != ""
	if !remove {
		u, err := uuid.Parse(typed)
		if err != nil {
			msg := "must be the UID of a user, such as 0190f6a4-8a3c-7e1b-9c2d-3e4f5a6b7c8d"
			if typed == "" {
				msg = "type the UID of the new referrer (or remove the referrer)"
			}
			s.showReferral(w, r, http.StatusUnprocessableEntity, usermgmt.Invalid("referrer", "uuid", msg), refill)
			return
		}
		to = &u
	}
	if _, err := s.referral.ChangeReferrer(r.Context(), s.db, oc.op.ID, id, to, reason); err != nil {
		if errors.Is(err, referral.ErrNotFound) && to != nil {
			// The referee was found for the page: the unknown one is the
			// referrer typed.
			err = usermgmt.Invalid("referrer", "not_found", "no user has this UID, or the user was deleted")
		}
		status, _, _ := s.explainTab(r, err)
		s.showReferral(w, r, status, err, refill)
		return
	}
	done := "referrer"
	if remove {
		done = "referrer_removed"
	}
	s.backTo(w, r, id, "/referral", done)
}
