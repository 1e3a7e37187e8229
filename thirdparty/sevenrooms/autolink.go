package sevenrooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// maxRetryBackoff caps the wait between automatic retries.
const maxRetryBackoff = 6 * time.Hour

// dbWriteTimeout bounds the link write of an automatic link once its
// SevenRooms budget is spent.
const dbWriteTimeout = 5 * time.Second

// AutoLink links the user at login without ever guessing, within
// Config.LoginBudget. Call it after a successful login; it never blocks
// the login for longer than the budget and a SevenRooms failure never
// fails it: the attempt is queued for RunRetries instead.
//
// A user already linked, broken or ambiguous is left as is (health is the
// checker's and the webhooks' business; an ambiguous link waits for an
// operator). Otherwise:
//
//  1. search by the verified phone (E.164), then by the verified email;
//  2. one match: link it; several: mark the link ambiguous with every
//     candidate for an operator, and copy nothing into the app;
//  3. none: if the unverified phone or email match profiles, mark the
//     link ambiguous (never create a duplicate); else create the profile,
//     keyed by the user id in external_user_id (a retried creation finds
//     the same profile), and link it.
//
// Returns the link as it stands, and an error only when the database
// failed (the host logs it and lets the login proceed).
func (s *Service) AutoLink(ctx context.Context, db bun.IDB, userID uuid.UUID) (*thirdparty.Link, error) {
	l, err := thirdparty.FindLink(ctx, db, userID, Provider)
	switch {
	case errors.Is(err, thirdparty.ErrNotFound):
		l = nil
	case err != nil:
		return nil, err
	case l.Status != thirdparty.StatusUnlinked:
		return l, nil
	case l.RetryAt != nil && l.RetryAt.After(s.now()):
		return l, nil // a retry is queued: the login does not jump the queue
	}
	budget, cancel := context.WithTimeout(ctx, s.cfg.LoginBudget)
	defer cancel()
	return s.attempt(budget, db, userID, l, "login")
}

// RunRetries runs the queued automatic links that are due, up to limit,
// and returns how many it ran. Returns a database error, or the context's.
func (s *Service) RunRetries(ctx context.Context, db bun.IDB, limit int) (int, error) {
	due, err := thirdparty.DueForRetry(ctx, db, Provider, s.now(), limit)
	if err != nil {
		return 0, err
	}
	for i := range due {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		if _, err := s.attempt(ctx, db, due[i].UserID, &due[i], "queued retry"); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// outcome of one automatic attempt.
type outcome struct {
	status     thirdparty.Status
	profile    *Profile
	candidates []thirdparty.Candidate
	detail     string
}

func (s *Service) attempt(ctx context.Context, db bun.IDB, userID uuid.UUID, l *thirdparty.Link, why string) (*thirdparty.Link, error) {
	// The link write must happen even when ctx's budget is spent.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dbWriteTimeout)
	defer cancel()
	u, err := s.users.GetOwnUser(wctx, db, userID)
	if err != nil {
		return nil, err
	}
	o, apiErr := s.decide(ctx, u)
	ch := thirdparty.LinkChange{UserID: userID, Provider: Provider, Environment: string(s.env), AuditReason: "automatic link at " + why}
	if l != nil {
		ch.Version, ch.Attempts = l.Version, l.Attempts
	}
	if apiErr != nil {
		ch.Status, ch.Attempts = thirdparty.StatusUnlinked, ch.Attempts+1
		ch.Detail = "SevenRooms did not answer at " + why + "; retry queued"
		if ch.Attempts >= s.cfg.MaxAttempts {
			ch.Detail = fmt.Sprintf("SevenRooms did not answer after %d attempts; link by hand", ch.Attempts)
		} else {
			wait := s.cfg.RetryBackoff << min(ch.Attempts-1, 16)
			at := s.now().Add(min(wait, maxRetryBackoff))
			ch.RetryAt = &at
		}
		s.log.Warn("sevenrooms: automatic link failed", "attempts", ch.Attempts, "err", apiErr)
	} else {
		ch.Status, ch.Candidates, ch.Detail, ch.Attempts = o.status, o.candidates, o.detail, 0
		if o.profile != nil {
			now := s.now()
			ch.ExternalID, ch.Snapshot, ch.Checked = o.profile.ID, o.profile.Raw, &now
		}
	}
	out, err := s.links.SaveLink(wctx, db, ch)
	if errors.Is(err, thirdparty.ErrTaken) {
		// The profile is another user's: never share it; an operator decides.
		ch.Status, ch.ExternalID, ch.Snapshot, ch.Checked = thirdparty.StatusAmbiguous, "", nil, nil
		ch.Candidates, ch.Detail = []thirdparty.Candidate{candidate(o.profile)}, "the only matching profile is linked to another user"
		out, err = s.links.SaveLink(wctx, db, ch)
	}
	if errors.Is(err, thirdparty.ErrConflict) {
		// Another login or an operator changed the link meanwhile: theirs stands.
		return thirdparty.FindLink(wctx, db, userID, Provider)
	}
	return out, err
}

func candidate(p *Profile) thirdparty.Candidate {
	c := thirdparty.Candidate{ExternalID: p.ID, Name: p.FullName(), Reservations: p.TotalVisits}
	if !p.Updated.IsZero() {
		t := p.Updated.Time
		c.UpdatedAt = &t
	}
	return c
}

// decide searches and, when nothing matches at all, creates.
func (s *Service) decide(ctx context.Context, u *usermgmt.User) (outcome, error) {
	var searches []contactSearch
	if u.Phone != "" {
		searches = append(searches, contactSearch{ProfileSearch{Phone: u.Phone}, u.Verifications.Phone.Verified})
	}
	if u.Email != "" {
		searches = append(searches, contactSearch{ProfileSearch{Email: u.Email}, u.Verifications.Email.Verified})
	}
	// Verified contacts first, phone before email.
	ordered := append(byVerified(searches, true), byVerified(searches, false)...)
	for _, sr := range ordered {
		found, err := s.api.SearchProfiles(ctx, sr.q)
		if err != nil {
			return outcome{}, err
		}
		switch {
		case len(found) == 1 && sr.verified:
			return outcome{status: thirdparty.StatusLinked, profile: &found[0]}, nil
		case len(found) > 0:
			cands := make([]thirdparty.Candidate, 0, len(found))
			for i := range found {
				cands = append(cands, candidate(&found[i]))
			}
			detail := "several SevenRooms profiles share the user's verified contact details"
			if !sr.verified {
				detail = "SevenRooms profiles match contact details the user has not verified"
			}
			return outcome{status: thirdparty.StatusAmbiguous, candidates: cands, detail: detail}, nil
		}
	}
	p, err := s.api.CreateProfile(ctx, createInput(u))
	if err != nil {
		return outcome{}, err
	}
	return outcome{status: thirdparty.StatusLinked, profile: p, detail: "created at login"}, nil
}

// contactSearch is one search of an automatic link.
type contactSearch struct {
	q        ProfileSearch
	verified bool
}

func byVerified(xs []contactSearch, verified bool) []contactSearch {
	var out []contactSearch
	for _, x := range xs {
		if x.verified == verified {
			out = append(out, x)
		}
	}
	return out
}

func createInput(u *usermgmt.User) ProfileInput {
	in := ProfileInput{ExternalUserID: ptr(u.ID.String()), FirstName: ptr(u.FirstName), LastName: ptr(u.LastName)}
	if u.Email != "" {
		in.Email = ptr(u.Email)
	}
	if u.Phone != "" {
		in.PhoneNumber = ptr(u.Phone)
	}
	return in
}

// CreateAndLink creates a SevenRooms profile for the user and links it,
// for an operator holding thirdparty.PermReconnect (resolving an
// ambiguous or failed automatic link). When profiles share the user's
// phone or email it refuses with a *DuplicatesError (ErrDuplicates)
// unless force is set.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError (reason
// required), thirdparty.ErrConflict when the user is linked (or the link
// changed), ErrDuplicates, the client's errors.
func (s *Service) CreateAndLink(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, force bool, reason string) (*thirdparty.Link, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReconnect); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, usermgmt.Invalid("reason", "required", "is required")
	}
	u, err := s.users.GetOwnUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	l, err := thirdparty.FindLink(ctx, db, userID, Provider)
	var version int64
	switch {
	case errors.Is(err, thirdparty.ErrNotFound):
	case err != nil:
		return nil, err
	case l.Status == thirdparty.StatusLinked:
		return nil, fmt.Errorf("%w: the user is linked; reconnect instead", thirdparty.ErrConflict)
	default:
		version = l.Version
	}
	if n, err := s.duplicates(ctx, "", u.Email, u.Phone); err != nil {
		return nil, err
	} else if n > 0 && !force {
		return nil, &DuplicatesError{Count: n}
	}
	p, err := s.api.CreateProfile(ctx, createInput(u))
	if err != nil {
		return nil, err
	}
	now := s.now()
	return s.links.SaveLink(ctx, db, thirdparty.LinkChange{
		UserID: userID, Provider: Provider, Version: version, ExternalID: p.ID, Environment: string(s.env),
		Status: thirdparty.StatusLinked, Checked: &now, Snapshot: p.Raw, OperatorID: &actor, AuditReason: reason,
		Detail: "created by an operator",
	})
}
