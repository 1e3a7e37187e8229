package sevenrooms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// MergeStatus is where a reconnect stands.
type MergeStatus string

// The merge statuses.
const (
	// MergeApplying: claimed, steps in progress (or the process died in
	// the middle: RetryMerge finishes it by restoring SevenRooms).
	MergeApplying MergeStatus = "applying"
	// MergeApplied: both sides and the link were written.
	MergeApplied MergeStatus = "applied"
	// MergeCompensated: SevenRooms was written, the app step failed, and
	// SevenRooms was restored: nothing remains of the merge.
	MergeCompensated MergeStatus = "compensated"
	// MergePartial: a later step failed and SevenRooms could not be
	// restored yet; Pending is the write that restores it.
	MergePartial MergeStatus = "partial"
	// MergeUndone: an operator undid the merge.
	MergeUndone MergeStatus = "undone"
	// MergeFailed: refused before anything was written.
	MergeFailed MergeStatus = "failed"
)

// Merge is one reconnect with its merge plan and the snapshots of both
// sides, kept for undo. Its plan and snapshots are personal data, deleted
// when the user is erased.
type Merge struct {
	bun.BaseModel `bun:"table:userdesk_sevenrooms_merges"`

	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	UserID     uuid.UUID  `bun:"user_id,notnull,type:uuid" json:"user_id"`
	OperatorID *uuid.UUID `bun:"operator_id,type:uuid" json:"operator_id"`
	// ClientID is the profile the user was connected to; PreviousClientID
	// the one before (empty when none).
	ClientID         string      `bun:"client_id,notnull" json:"client_id"`
	PreviousClientID string      `bun:"previous_client_id,notnull" json:"previous_client_id"`
	Status           MergeStatus `bun:"status,notnull" json:"status"`
	// Pending is the SevenRooms write still owed by a partial merge.
	Pending *PendingWrite   `bun:"pending,type:text" json:"pending,omitempty"`
	Reason  string          `bun:"reason,notnull" json:"reason"`
	Plan    thirdparty.Plan `bun:"plan,notnull,type:text" json:"plan"`
	// AppBefore restores the app user's written fields; AppAfter is what
	// was written.
	AppBefore usermgmt.UserUpdate  `bun:"app_before,notnull,type:text" json:"-"`
	AppAfter  *usermgmt.UserUpdate `bun:"app_after,type:text" json:"-"`
	// ProviderBefore and ProviderAfter are the profile as SevenRooms sent
	// it before and after.
	ProviderBefore json.RawMessage `bun:"provider_before,notnull,type:text" json:"-"`
	ProviderAfter  json.RawMessage `bun:"provider_after,type:text" json:"-"`
	// ProviderApply is what was written to SevenRooms; ProviderRestore puts
	// the previous values back.
	ProviderApply   ProfileInput     `bun:"provider_apply,notnull,type:text" json:"-"`
	ProviderRestore ProfileInput     `bun:"provider_restore,notnull,type:text" json:"-"`
	LinkBefore      *thirdparty.Link `bun:"link_before,type:text" json:"-"`
	AppVersionAfter int64            `bun:"app_version_after,notnull" json:"-"`
	// Error is the failure of a merge that did not apply.
	Error     string     `bun:"error,notnull" json:"error,omitempty"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	UndoUntil time.Time  `bun:"undo_until,notnull" json:"undo_until"`
	UndoneAt  *time.Time `bun:"undone_at" json:"undone_at,omitempty"`
	UndoneBy  *uuid.UUID `bun:"undone_by,type:uuid" json:"undone_by,omitempty"`
}

// PendingWrite is a SevenRooms write a partial merge still owes, and the
// status the merge takes once it succeeds.
type PendingWrite struct {
	Input ProfileInput `json:"input"`
	Then  MergeStatus  `json:"then"`
	// Step says what the write does: "restore" (compensate a reconnect) or
	// "reapply" (compensate an undo).
	Step string `json:"step"`
}

// GetMerge returns a merge on behalf of an operator holding
// thirdparty.PermReadLinks; without usermgmt.PermReadPersonalData the
// plan's emails and phones come masked. Returns a
// *usermgmt.PermissionError or thirdparty.ErrNotFound.
func (s *Service) GetMerge(ctx context.Context, db bun.IDB, actor, id uuid.UUID) (*Merge, error) {
	op, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReadLinks)
	if err != nil {
		return nil, err
	}
	m, err := getMerge(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !s.users.Can(op, usermgmt.PermReadPersonalData) {
		m.Plan = maskPlan(m.Plan)
	}
	return m, nil
}

// ListMerges returns the user's merges, newest first, for an operator
// holding thirdparty.PermReadLinks; without usermgmt.PermReadPersonalData
// the plans' emails and phones come masked. Returns a
// *usermgmt.PermissionError.
func (s *Service) ListMerges(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) ([]Merge, error) {
	op, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReadLinks)
	if err != nil {
		return nil, err
	}
	var out []Merge
	if err := db.NewSelect().Model(&out).Where("user_id = ?", userID).Order("created_at DESC", "id DESC").Limit(100).Scan(ctx); err != nil {
		return nil, errorf("list merges: %w", err)
	}
	if !s.users.Can(op, usermgmt.PermReadPersonalData) {
		for i := range out {
			out[i].Plan = maskPlan(out[i].Plan)
		}
	}
	return out, nil
}

func getMerge(ctx context.Context, db bun.IDB, id uuid.UUID) (*Merge, error) {
	m := new(Merge)
	err := db.NewSelect().Model(m).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, thirdparty.ErrNotFound
	}
	if err != nil {
		return nil, errorf("get merge: %w", err)
	}
	return m, nil
}

// setMerge moves a merge from status from to its new state; ErrConflict
// when it is no longer in status from.
func setMerge(ctx context.Context, db bun.IDB, m *Merge, from MergeStatus) error {
	res, err := db.NewUpdate().Model(m).WherePK().Where("status = ?", from).ExcludeColumn("id", "created_at").Exec(ctx)
	if err != nil {
		return errorf("update merge: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return thirdparty.ErrConflict
	}
	return nil
}
