package ui

import (
	"context"
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
	// Keys are fresh idempotency keys of the three forms.
	KeySet, KeyUp, KeyDown string
}

func (s *server) referralTab(w http.ResponseWriter, r *http.Request) {
	s.showReferral(w, r, http.StatusOK, nil, "")
}

func (s *server) showReferral(w http.ResponseWriter, r *http.Request, status int, err error, to string) {
	s.tabPage(w, r, "referral", "Referral", status, func(ctx context.Context, actor, user uuid.UUID) (any, error) {
		c, err := s.referral.Card(ctx, s.db, actor, user, referral.CardOptions{Entries: referralLedgerSize, Referees: referralRefereesShown})
		if err != nil {
			return nil, err
		}
		d := referralData{Card: c, To: strconv.FormatInt(c.Balance, 10), KeySet: formKey(), KeyUp: formKey(), KeyDown: formKey()}
		if to != "" {
			d.To = to
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
		s.showReferral(w, r, http.StatusOK, usermgmt.Invalid("to", "integer", "must be a whole number of credits"), typed)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err := s.referral.SetCredits(r.Context(), s.db, oc.op.ID, id, referral.CreditSet{To: to, SeenVersion: version,
		Reason: r.PostFormValue("reason"), IdempotencyKey: r.PostFormValue("key")}); err != nil {
		s.showReferral(w, r, http.StatusOK, err, typed)
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
		s.showReferral(w, r, http.StatusOK, err, "")
		return
	}
	s.backTo(w, r, id, "/referral", "credits")
}
