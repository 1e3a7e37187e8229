package sevenrooms

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// UndoReconnect restores both sides of an applied merge, within the undo
// window, for an operator holding thirdparty.PermUndo: SevenRooms first
// (the written fields back to their previous values), then the app user
// and the link (back to the previous profile, or unlinked) in one
// transaction; a failure of the latter restores SevenRooms' merged values
// again, or leaves the merge partial (ErrPartial) with the write owed.
//
// It refuses with thirdparty.ErrConflict, before writing anything, when
// the app user changed since the merge (its version moved) or the fields
// the merge wrote to SevenRooms no longer hold the merged values.
//
// Returns a *usermgmt.PermissionError, a *usermgmt.ValidationError (reason
// required), thirdparty.ErrNotFound, ErrUndoExpired, thirdparty.ErrConflict,
// the client's errors, ErrPartial.
func (s *Service) UndoReconnect(ctx context.Context, db bun.IDB, actor, mergeID uuid.UUID, reason string) (*Merge, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermUndo); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, usermgmt.Invalid("reason", "required", "is required")
	}
	m, err := getMerge(ctx, db, mergeID)
	if err != nil {
		return nil, err
	}
	if m.Status != MergeApplied {
		return nil, fmt.Errorf("%w: merge is %s, not applied", thirdparty.ErrConflict, m.Status)
	}
	if s.now().After(m.UndoUntil) {
		return nil, ErrUndoExpired
	}
	u, err := s.users.GetOwnUser(ctx, db, m.UserID)
	if err != nil {
		return nil, err
	}
	if u.Version != m.AppVersionAfter {
		return nil, fmt.Errorf("%w: the app user changed since the merge", thirdparty.ErrConflict)
	}
	p, err := s.api.GetProfile(ctx, m.ClientID)
	if err != nil {
		return nil, err
	}
	if !matches(m.ProviderApply, p) {
		return nil, fmt.Errorf("%w: the SevenRooms profile changed since the merge", thirdparty.ErrConflict)
	}
	wroteProvider := m.ProviderApply != (ProfileInput{})
	if wroteProvider {
		if _, err := s.api.UpdateProfile(ctx, m.ClientID, m.ProviderRestore); err != nil {
			return nil, err
		}
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if m.AppAfter != nil && *m.AppAfter != (usermgmt.UserUpdate{Version: m.AppAfter.Version}) {
			restore := m.AppBefore
			restore.Version = u.Version
			if _, err := s.users.UpdateUser(ctx, tx, actor, m.UserID, restore); err != nil {
				return err
			}
		}
		l, err := thirdparty.FindLink(ctx, tx, m.UserID, Provider)
		if err != nil {
			return err
		}
		if l.ExternalID != m.ClientID {
			return fmt.Errorf("%w: the link changed since the merge", thirdparty.ErrConflict)
		}
		ch := thirdparty.LinkChange{UserID: m.UserID, Provider: Provider, Version: l.Version, Status: thirdparty.StatusUnlinked, OperatorID: &actor, AuditReason: reason}
		if b := m.LinkBefore; b != nil && b.ExternalID != "" {
			ch.ExternalID, ch.Environment, ch.Status, ch.Reason, ch.Detail = b.ExternalID, b.Environment, b.Status, b.Reason, b.Detail
			ch.Snapshot, ch.Checked = b.Snapshot, b.LastCheckedAt
		}
		if _, err := s.links.SaveLink(ctx, tx, ch); err != nil {
			return err
		}
		now := s.now()
		m.Status, m.UndoneAt, m.UndoneBy, m.UpdatedAt = MergeUndone, &now, &actor, now
		if err := setMerge(ctx, tx, m, MergeApplied); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &actor, UserID: &m.UserID, Action: thirdparty.ActionUndo, Reason: reason,
			Fields: fieldNames(m.Plan), Before: map[string]any{"merge_id": m.ID.String(), "status": MergeApplied},
			After: map[string]any{"merge_id": m.ID.String(), "status": MergeUndone},
		})
		return err
	})
	if err == nil {
		return m, nil
	}
	// The transaction rolled back: the stored merge is still applied.
	m.Status, m.UndoneAt, m.UndoneBy = MergeApplied, nil, nil
	if !wroteProvider {
		return nil, err
	}
	// Put SevenRooms back to the merged state the app still has.
	if _, rerr := s.api.UpdateProfile(ctx, m.ClientID, m.ProviderApply); rerr != nil {
		m.Status, m.Pending, m.UpdatedAt, m.Error = MergePartial, &PendingWrite{Input: m.ProviderApply, Then: MergeApplied, Step: "reapply"}, s.now(), err.Error()
		if serr := setMerge(ctx, db, m, MergeApplied); serr != nil {
			s.log.Error("sevenrooms: recording a partial undo", "merge", m.ID, "err", serr)
		}
		return nil, &PartialError{MergeID: m.ID, Cause: err, RestoreErr: rerr}
	}
	return nil, err
}

func fieldNames(p thirdparty.Plan) []string {
	var out []string
	for _, f := range p.Fields {
		if f.Write != thirdparty.SideNone {
			out = append(out, f.Name)
		}
	}
	return out
}
