package sevenrooms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// Preview is what an operator sees before a reconnect: what the pasted
// link was understood to be, the profile, the app user, the resolver's
// default plan side by side, and the duplicates.
type Preview struct {
	Parsed  ParsedLink       `json:"parsed"`
	Profile *Profile         `json:"profile"`
	User    *usermgmt.User   `json:"-"`
	Link    *thirdparty.Link `json:"link,omitempty"`
	Plan    thirdparty.Plan  `json:"plan"`
	// Duplicates is how many other live profiles share the profile's
	// phone or email.
	Duplicates int `json:"duplicates"`
	// Masked is true when the operator may not read personal data: the
	// emails and phones of the plan and the profile are masked (the
	// operator can still keep one side or the other).
	Masked bool `json:"masked"`
	// Tokens to send back with Apply, so that a change made since the
	// preview is a conflict, never silently overwritten.
	UserVersion    int64     `json:"user_version"`
	LinkVersion    int64     `json:"link_version"`
	ProfileUpdated time.Time `json:"profile_updated"`
}

// ParseLink tells the operator what a pasted link or id was understood
// to be, without calling SevenRooms. Returns the *usermgmt.ValidationError
// of LinkParser.Parse.
func (s *Service) ParseLink(input string) (ParsedLink, error) { return s.parser.Parse(input) }

// PreviewReconnect parses the pasted link or id, fetches the profile and
// builds the default merge plan against the app user, for an operator
// holding thirdparty.PermReconnect.
//
// Returns a *usermgmt.PermissionError; the parser's *usermgmt.ValidationError
// on field "link"; usermgmt.ErrNotFound for an unknown or erased user; the
// client's errors (ErrNotFound, ErrDeleted for a deleted profile,
// ErrUnauthorized, ErrTimeout, ErrUpstream…); thirdparty.ErrTaken when the
// profile is linked to another user.
func (s *Service) PreviewReconnect(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, input string) (*Preview, error) {
	op, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReconnect)
	if err != nil {
		return nil, err
	}
	parsed, err := s.parser.Parse(input)
	if err != nil {
		return nil, err
	}
	u, err := s.users.GetOwnUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if err := s.checkOwner(ctx, db, userID, parsed.ClientID); err != nil {
		return nil, err
	}
	p, err := s.api.GetProfile(ctx, parsed.ClientID)
	if err != nil {
		return nil, err
	}
	plan, err := thirdparty.Resolve(mergeFields(u, p))
	if err != nil {
		return nil, err
	}
	pv := &Preview{Parsed: parsed, Profile: p, User: u, Plan: plan, UserVersion: u.Version, ProfileUpdated: p.Updated.Time}
	if l, err := thirdparty.FindLink(ctx, db, userID, Provider); err == nil {
		pv.Link, pv.LinkVersion = l, l.Version
	} else if !errors.Is(err, thirdparty.ErrNotFound) {
		return nil, err
	}
	n, err := s.duplicates(ctx, p.ID, p.Email, p.PhoneNumber)
	if err != nil {
		return nil, err
	}
	pv.Duplicates = n
	if !s.users.Can(op, usermgmt.PermReadPersonalData) {
		maskPreview(pv)
	}
	return pv, nil
}

// maskPreview hides emails and phones as usermgmt masks them.
func maskPreview(pv *Preview) {
	pv.Masked = true
	p := *pv.Profile
	p.Email, p.EmailAlt = usermgmt.MaskEmail(p.Email), usermgmt.MaskEmail(p.EmailAlt)
	p.PhoneNumber, p.PhoneNumberAlt = usermgmt.MaskPhone(p.PhoneNumber), usermgmt.MaskPhone(p.PhoneNumberAlt)
	p.Raw = nil
	pv.Profile = &p
	pv.Plan = maskPlan(pv.Plan)
}

// maskPlan returns plan with its emails and phones masked.
func maskPlan(plan thirdparty.Plan) thirdparty.Plan {
	fields := slices.Clone(plan.Fields)
	for i := range fields {
		f := &fields[i]
		mask := usermgmt.MaskEmail
		switch f.Name {
		case FieldEmail:
		case FieldPhone:
			mask = usermgmt.MaskPhone
		default:
			continue
		}
		f.App.Text, f.Provider.Text, f.Result.Text = mask(f.App.Text), mask(f.Provider.Text), mask(f.Result.Text)
	}
	return thirdparty.Plan{Fields: fields}
}

// checkOwner refuses a profile linked to another user.
func (s *Service) checkOwner(ctx context.Context, db bun.IDB, userID uuid.UUID, clientID string) error {
	other, err := thirdparty.FindByExternalID(ctx, db, Provider, string(s.env), clientID)
	if err == nil && other.UserID != userID {
		return thirdparty.ErrTaken
	}
	if err != nil && !errors.Is(err, thirdparty.ErrNotFound) {
		return err
	}
	return nil
}

// duplicates counts live profiles other than self that share the email or
// the phone.
func (s *Service) duplicates(ctx context.Context, self, email, phone string) (int, error) {
	seen := map[string]bool{}
	for _, q := range []ProfileSearch{{Email: email}, {Phone: phone}} {
		if q.Email == "" && q.Phone == "" {
			continue
		}
		found, err := s.api.SearchProfiles(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, f := range found {
			if f.ID != self {
				seen[f.ID] = true
			}
		}
	}
	return len(seen), nil
}

// Reconnect is an operator's confirmed reconnect.
type Reconnect struct {
	UserID uuid.UUID `json:"user_id"`
	// ClientID is Preview.Parsed.ClientID.
	ClientID string `json:"client_id"`
	// Decisions are the operator's choices per field; fields left out keep
	// the resolver's default.
	Decisions map[string]thirdparty.Decision `json:"decisions"`
	// UserVersion, LinkVersion and ProfileUpdated come from the preview.
	UserVersion    int64     `json:"user_version"`
	LinkVersion    int64     `json:"link_version"`
	ProfileUpdated time.Time `json:"profile_updated"`
	// Reason is the operator's reason, for the audit log. Required.
	Reason string `json:"reason"`
}

// ApplyReconnect applies a previewed reconnect for an operator holding
// thirdparty.PermReconnect, in this order: SevenRooms is updated first,
// then the app user (through usermgmt, versioned) and the link together
// in one transaction. If that transaction fails, SevenRooms is restored
// (the merge is then "compensated" and the error returned); if restoring
// fails too, the merge is recorded "partial" and a *PartialError
// (ErrPartial) is returned: never a success. Both sides' snapshots are
// kept for UndoReconnect.
//
// Of two operators reconnecting the same user at once, one wins; the
// other gets thirdparty.ErrConflict before anything is written. A user,
// link or profile changed since the preview is also a conflict.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError (the
// reason, the link, a decision), thirdparty.ErrConflict, thirdparty.ErrTaken,
// usermgmt's update errors (ErrStaleVersion, ErrEmailTaken…), the client's
// errors, ErrPartial.
func (s *Service) ApplyReconnect(ctx context.Context, db bun.IDB, actor uuid.UUID, r Reconnect) (*Merge, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReconnect); err != nil {
		return nil, err
	}
	if r.Reason == "" {
		return nil, usermgmt.Invalid("reason", "required", "is required")
	}
	parsed, err := s.parser.Parse(r.ClientID)
	if err != nil {
		return nil, err
	}
	if err := s.checkOwner(ctx, db, r.UserID, parsed.ClientID); err != nil {
		return nil, err
	}
	// Claim the link: a versioned write, so that a concurrent reconnect
	// (or any link change since the preview) fails here, before anything
	// is written anywhere.
	m, link, err := s.claim(ctx, db, actor, r)
	if err != nil {
		return nil, err
	}
	fail := func(cause error) (*Merge, error) {
		m.Status, m.Error, m.UpdatedAt = MergeFailed, cause.Error(), s.now()
		if err := setMerge(ctx, db, m, MergeApplying); err != nil {
			s.log.Error("sevenrooms: recording a failed merge", "merge", m.ID, "err", err)
		}
		return nil, cause
	}
	p, err := s.api.GetProfile(ctx, parsed.ClientID)
	if err != nil {
		return fail(err)
	}
	if !p.Updated.Time.Equal(r.ProfileUpdated) {
		return fail(fmt.Errorf("%w: the SevenRooms profile changed since the preview", thirdparty.ErrConflict))
	}
	u, err := s.users.GetOwnUser(ctx, db, r.UserID)
	if err != nil {
		return fail(err)
	}
	if u.Version != r.UserVersion {
		return fail(fmt.Errorf("%w: the app user changed since the preview", thirdparty.ErrConflict))
	}
	plan, err := thirdparty.Resolve(mergeFields(u, p))
	if err != nil {
		return fail(err)
	}
	if plan, err = plan.Decide(r.Decisions); err != nil {
		return fail(err)
	}
	upd, appFields := appUpdate(plan, u)
	upd.Version = u.Version
	apply, provFields := providerInput(plan)
	if p.ExternalUserID != r.UserID.String() {
		// The profile now names this user, so that health checks do not
		// take it for another user's and creation stays keyed on it.
		apply.ExternalUserID = ptr(r.UserID.String())
		provFields = append(provFields, "external_user_id")
	}
	m.Plan, m.AppBefore, m.AppAfter = plan, appRestore(upd, u), &upd
	m.ProviderBefore, m.ProviderApply, m.ProviderRestore = p.Raw, apply, restoreInput(apply, p)
	// Dry run of the app update (rolled back), so that a refusal known in
	// advance (validation, email taken) never touches SevenRooms.
	if len(appFields) > 0 {
		if err := s.dryRun(ctx, db, actor, r.UserID, upd); err != nil {
			return fail(err)
		}
	}
	// Record the plan and the restoring write before touching SevenRooms,
	// so that a process stopping from here on leaves what a retry needs.
	m.UpdatedAt = s.now()
	if err := setMerge(ctx, db, m, MergeApplying); err != nil {
		return fail(err)
	}
	after := p
	if len(provFields) > 0 {
		after, err = s.api.UpdateProfile(ctx, p.ID, apply)
		if err != nil {
			// A timeout or 5xx may hide a write: restore to be sure.
			if errors.Is(err, ErrTimeout) || errors.Is(err, ErrUpstream) {
				return s.compensate(ctx, db, m, err, m.ProviderRestore)
			}
			return fail(err)
		}
	}
	m.ProviderAfter = after.Raw
	fields := slices.Concat(appFields, provFields)
	slices.Sort(fields)
	fields = slices.Compact(fields)
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		version := u.Version
		if len(appFields) > 0 {
			nu, err := s.users.UpdateUser(ctx, tx, actor, r.UserID, upd)
			if err != nil {
				return err
			}
			version = nu.Version
		} else if cur, err := s.users.GetOwnUser(ctx, tx, r.UserID); err != nil {
			return err
		} else if cur.Version != u.Version {
			// What was written to SevenRooms came from a user that has
			// changed since.
			return usermgmt.ErrStaleVersion
		}
		now := s.now()
		if _, err := s.links.SaveLink(ctx, tx, thirdparty.LinkChange{
			UserID: r.UserID, Provider: Provider, Version: link.Version, ExternalID: p.ID, Environment: string(s.env),
			Status: thirdparty.StatusLinked, Checked: &now, Snapshot: after.Raw, OperatorID: &actor,
			AuditReason: r.Reason,
		}); err != nil {
			return err
		}
		m.Status, m.AppVersionAfter, m.UpdatedAt = MergeApplied, version, now
		if err := setMerge(ctx, tx, m, MergeApplying); err != nil {
			return err
		}
		_, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &actor, UserID: &r.UserID, Action: thirdparty.ActionReconnect, Fields: fields, Reason: r.Reason,
			Before: map[string]any{"provider": Provider, "status": link.Status, "merge_id": m.ID.String()},
			After:  map[string]any{"provider": Provider, "status": thirdparty.StatusLinked, "app_fields": appFields, "provider_fields": provFields},
		})
		return err
	})
	if err != nil {
		// The transaction rolled back: the stored merge is still applying.
		m.Status, m.AppVersionAfter = MergeApplying, 0
		if len(provFields) == 0 {
			return fail(err)
		}
		return s.compensate(ctx, db, m, err, m.ProviderRestore)
	}
	return m, nil
}

// claim bumps (or creates) the user's link at the preview's version and
// records the merge as applying, in one transaction.
func (s *Service) claim(ctx context.Context, db bun.IDB, actor uuid.UUID, r Reconnect) (*Merge, *thirdparty.Link, error) {
	var m *Merge
	var link *thirdparty.Link
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var before *thirdparty.Link
		ch := thirdparty.LinkChange{UserID: r.UserID, Provider: Provider, Version: r.LinkVersion, Status: thirdparty.StatusUnlinked}
		if r.LinkVersion != 0 {
			l, err := thirdparty.FindLink(ctx, tx, r.UserID, Provider)
			if errors.Is(err, thirdparty.ErrNotFound) {
				return thirdparty.ErrConflict
			}
			if err != nil {
				return err
			}
			if l.Version != r.LinkVersion {
				return thirdparty.ErrConflict
			}
			before = l
			ch.ExternalID, ch.Environment, ch.Status, ch.Reason, ch.Detail = l.ExternalID, l.Environment, l.Status, l.Reason, l.Detail
			ch.Candidates, ch.RetryAt, ch.Attempts = l.Candidates, l.RetryAt, l.Attempts
		}
		var err error
		if link, err = s.links.SaveLink(ctx, tx, ch); err != nil {
			return err
		}
		var pending int64
		if pending, err = tx.NewSelect().Model((*Merge)(nil)).Where("user_id = ?", r.UserID).
			Where("status IN (?)", bun.List([]MergeStatus{MergeApplying, MergePartial})).Count(ctx); err != nil {
			return errorf("claim: %w", err)
		}
		if pending > 0 {
			return fmt.Errorf("%w: another reconnect of this user is in progress or partially applied", thirdparty.ErrConflict)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		now := s.now()
		m = &Merge{
			ID: id, UserID: r.UserID, OperatorID: &actor, ClientID: r.ClientID, Status: MergeApplying, Reason: r.Reason,
			CreatedAt: now, UpdatedAt: now, UndoUntil: now.Add(s.cfg.UndoWindow), LinkBefore: before,
			ProviderBefore: []byte("null"),
		}
		if before != nil {
			m.PreviousClientID = before.ExternalID
		}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return errorf("claim: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return m, link, nil
}

// errDryRun rolls back a dry run.
var errDryRun = errors.New("dry run")

func (s *Service) dryRun(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, upd usermgmt.UserUpdate) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.users.UpdateUser(ctx, tx, actor, userID, upd); err != nil {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// compensate writes restore to SevenRooms after a later step failed with
// cause. Success records the merge compensated and returns cause; failure
// records it partial, owing restore, and returns a *PartialError.
func (s *Service) compensate(ctx context.Context, db bun.IDB, m *Merge, cause error, restore ProfileInput) (*Merge, error) {
	from := m.Status
	_, rerr := s.api.UpdateProfile(ctx, m.ClientID, restore)
	m.UpdatedAt, m.Error = s.now(), cause.Error()
	if rerr == nil {
		m.Status, m.Pending = MergeCompensated, nil
		if err := setMerge(ctx, db, m, from); err != nil {
			s.log.Error("sevenrooms: recording a compensated merge", "merge", m.ID, "err", err)
		}
		return nil, cause
	}
	m.Status, m.Pending = MergePartial, &PendingWrite{Input: restore, Then: MergeCompensated, Step: "restore"}
	if err := setMerge(ctx, db, m, from); err != nil {
		s.log.Error("sevenrooms: recording a partial merge", "merge", m.ID, "err", err)
	}
	s.log.Error("sevenrooms: merge partially applied", "merge", m.ID)
	return nil, &PartialError{MergeID: m.ID, Cause: cause, RestoreErr: rerr}
}

// RetryMerge sends the SevenRooms write a partial merge owes, for an
// operator holding thirdparty.PermReconnect (or the system, with a nil
// actor, from a retry loop), and returns the merge in its final status.
//
// Returns a *usermgmt.PermissionError, thirdparty.ErrNotFound,
// thirdparty.ErrConflict when the merge is not partial, or the client's
// error (the merge stays partial).
func (s *Service) RetryMerge(ctx context.Context, db bun.IDB, actor *uuid.UUID, id uuid.UUID) (*Merge, error) {
	if actor != nil {
		if _, err := s.users.Authorize(ctx, db, *actor, thirdparty.PermReconnect); err != nil {
			return nil, err
		}
	}
	m, err := getMerge(ctx, db, id)
	if err != nil {
		return nil, err
	}
	from := m.Status
	switch {
	case m.Status == MergePartial && m.Pending != nil:
	case m.Status == MergeApplying && s.now().Sub(m.UpdatedAt) > staleApplying:
		// The process applying it stopped between SevenRooms and the app:
		// restoring SevenRooms' previous values is right whether or not
		// its write happened.
		m.Pending = &PendingWrite{Input: m.ProviderRestore, Then: MergeCompensated, Step: "restore"}
		m.Error = "abandoned while applying"
	default:
		return nil, fmt.Errorf("%w: merge is %s, not partial", thirdparty.ErrConflict, m.Status)
	}
	if m.Pending.Input != (ProfileInput{}) {
		if _, err := s.api.UpdateProfile(ctx, m.ClientID, m.Pending.Input); err != nil {
			return nil, err
		}
	}
	m.Status, m.Pending, m.UpdatedAt = m.Pending.Then, nil, s.now()
	if err := setMerge(ctx, db, m, from); err != nil {
		return nil, err
	}
	return m, nil
}

// staleApplying is how long a merge may stay "applying" before it is
// taken as abandoned by a process that stopped.
const staleApplying = 10 * time.Minute

// RunMergeRetries retries up to limit partial merges, and merges left
// "applying" by a stopped process, and returns how many it settled.
// A merge SevenRooms still refuses stays as it is for the next run.
// Returns a database error, or the context's.
func (s *Service) RunMergeRetries(ctx context.Context, db bun.IDB, limit int) (int, error) {
	var ms []Merge
	err := db.NewSelect().Model(&ms).Column("id").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = ?", MergePartial).
				WhereOr("status = ? AND updated_at < ?", MergeApplying, s.now().Add(-staleApplying))
		}).Order("updated_at").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return 0, errorf("merge retries: %w", err)
	}
	n := 0
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if _, err := s.RetryMerge(ctx, db, nil, m.ID); err != nil {
			s.log.Warn("sevenrooms: merge retry failed", "merge", m.ID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// CountDuplicates returns how many live SevenRooms profiles, other than
// the linked one, share the user's phone or email, for the user page of
// an operator holding thirdparty.PermReadLinks.
//
// Returns a *usermgmt.PermissionError, usermgmt.ErrNotFound, or the
// client's errors.
func (s *Service) CountDuplicates(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) (int, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReadLinks); err != nil {
		return 0, err
	}
	u, err := s.users.GetOwnUser(ctx, db, userID)
	if err != nil {
		return 0, err
	}
	self := ""
	if l, err := thirdparty.FindLink(ctx, db, userID, Provider); err == nil {
		self = l.ExternalID
	} else if !errors.Is(err, thirdparty.ErrNotFound) {
		return 0, err
	}
	return s.duplicates(ctx, self, u.Email, u.Phone)
}
