package sevenrooms

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// verdict is what a health check concluded about a profile.
type verdict struct {
	status  thirdparty.Status
	reason  thirdparty.Reason
	detail  string
	profile *Profile
}

// judge checks an id locally (environment and kind from its decoding)
// and then at SevenRooms.
func (s *Service) judge(ctx context.Context, userID uuid.UUID, id string) verdict {
	if _, err := s.parser.checkID(id); err != nil {
		reason := thirdparty.ReasonWrongKind
		if ruleOf(err) == RuleWrongEnvironment {
			reason = thirdparty.ReasonWrongEnvironment
		}
		return verdict{status: thirdparty.StatusBroken, reason: reason, detail: "the id is not a " + string(s.env) + " client id"}
	}
	p, err := s.api.GetProfile(ctx, id)
	switch {
	case errors.Is(err, ErrDeleted):
		return verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonDeleted, detail: "deleted in SevenRooms", profile: p}
	case errors.Is(err, ErrNotFound):
		return verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonNotFound, detail: "SevenRooms knows no such client"}
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrForbidden):
		return verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonUnauthorized, detail: "SevenRooms refused our credentials for this client"}
	case err != nil:
		return verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonUnreachable, detail: "SevenRooms did not answer"}
	}
	if p.ExternalUserID != "" && p.ExternalUserID != userID.String() {
		return verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonMergedElsewhere, detail: "the profile now belongs to another app user", profile: p}
	}
	return verdict{status: thirdparty.StatusLinked, profile: p}
}

// ruleOf returns the rule of a one-field validation error.
func ruleOf(err error) string {
	var ve *usermgmt.ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		return ve.Fields[0].Rule
	}
	return ""
}

// record writes a verdict on the link, as of version l.Version.
func (s *Service) record(ctx context.Context, db bun.IDB, l *thirdparty.Link, v verdict, operator *uuid.UUID, why string) (*thirdparty.Link, error) {
	now := s.now()
	ch := thirdparty.LinkChange{
		UserID: l.UserID, Provider: Provider, Version: l.Version, ExternalID: l.ExternalID, Environment: l.Environment,
		Status: v.status, Reason: v.reason, Detail: v.detail, Checked: &now, OperatorID: operator, AuditReason: why,
		Candidates: l.Candidates,
	}
	if v.profile != nil {
		ch.Snapshot = v.profile.Raw
	}
	return s.links.SaveLink(ctx, db, ch)
}

// CheckLink checks the user's SevenRooms link now, on behalf of an
// operator holding thirdparty.PermReconnect, and records the result: a
// broken link gets its reason (the seed's red link), a healthy one its
// fresh snapshot. An audit record is written when the status changes.
//
// Returns a *usermgmt.PermissionError, thirdparty.ErrNotFound when the
// user has no link or it points at no profile, thirdparty.ErrConflict when
// the link changed during the check.
func (s *Service) CheckLink(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) (*thirdparty.Link, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReconnect); err != nil {
		return nil, err
	}
	l, err := thirdparty.FindLink(ctx, db, userID, Provider)
	if err != nil {
		return nil, err
	}
	if l.ExternalID == "" {
		return nil, thirdparty.ErrNotFound
	}
	return s.record(ctx, db, l, s.judge(ctx, userID, l.ExternalID), &actor, "checked on demand")
}

// CheckDue runs one round of the periodic checker: up to limit links not
// checked for CheckInterval, oldest first, at most CheckRate a minute
// (the wait between two checks goes through Config.Sleep). It stops at
// the first link SevenRooms does not answer for, so that an outage marks
// one link unreachable rather than all of them, and returns how many
// links it checked.
//
// Returns the context's error when it ends, or a database error.
func (s *Service) CheckDue(ctx context.Context, db bun.IDB, limit int) (int, error) {
	due, err := thirdparty.DueForCheck(ctx, db, Provider, s.now().Add(-s.cfg.CheckInterval), limit)
	if err != nil {
		return 0, err
	}
	gap := s.checkGap()
	n := 0
	for i := range due {
		if i > 0 {
			if err := s.cfg.Sleep(ctx, gap); err != nil {
				return n, err
			}
		}
		l := &due[i]
		v := s.judge(ctx, l.UserID, l.ExternalID)
		if _, err := s.record(ctx, db, l, v, nil, "periodic check"); err != nil && !errors.Is(err, thirdparty.ErrConflict) {
			return n, err
		}
		n++
		if v.reason == thirdparty.ReasonUnreachable {
			s.log.Warn("sevenrooms: checker stopped: SevenRooms unreachable", "checked", n)
			return n, nil
		}
	}
	return n, nil
}

func (s *Service) checkGap() time.Duration {
	return time.Minute / time.Duration(s.cfg.CheckRate)
}

// Run runs the background work until ctx ends: every period, one round of
// the periodic checker (CheckDue, at most batch links), the queued
// automatic links (RunRetries) and the merges to settle
// (RunMergeRetries). Errors of a round are logged and the next round
// runs. A zero period means 1 min; a zero batch 100. Returns ctx's error.
func (s *Service) Run(ctx context.Context, db bun.IDB, period time.Duration, batch int) error {
	if period <= 0 {
		period = time.Minute
	}
	if batch <= 0 {
		batch = 100
	}
	for {
		if _, err := s.CheckDue(ctx, db, batch); err != nil && ctx.Err() == nil {
			s.log.Error("sevenrooms: health checks", "err", err)
		}
		if _, err := s.RunRetries(ctx, db, batch); err != nil && ctx.Err() == nil {
			s.log.Error("sevenrooms: automatic link retries", "err", err)
		}
		if _, err := s.RunMergeRetries(ctx, db, batch); err != nil && ctx.Err() == nil {
			s.log.Error("sevenrooms: merge retries", "err", err)
		}
		if err := s.cfg.Sleep(ctx, period); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
