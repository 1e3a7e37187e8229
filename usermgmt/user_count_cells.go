package usermgmt

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// roleMasks are the role cells of userdesk_user_counts (1 asker, 2
// offeror, 3 both, 0 none) that a RoleFilter keeps.
var roleMasks = map[RoleFilter][]int{
	"":                     {0, 1, 2, 3},
	RoleFilterAnyAsker:     {1, 3},
	RoleFilterAnyOfferor:   {2, 3},
	RoleFilterBoth:         {3},
	RoleFilterAskersOnly:   {1},
	RoleFilterOfferorsOnly: {2},
}

// countedByCells reports whether the query's count is a sum of
// userdesk_user_counts cells: no keyword and no filter but statuses and
// roles.
func (lq *listQuery) countedByCells() bool {
	_, ok := roleMasks[lq.q.Roles]
	return ok && !lq.hasKW && lq.onlyStatusAndRoles()
}

// onlyStatusAndRoles reports whether the query filters on nothing but
// statuses and roles (the keyword aside).
func (lq *listQuery) onlyStatusAndRoles() bool {
	q := lq.q
	return q.HasListing == nil && len(q.Languages) == 0 && q.CreatedFrom == nil &&
		q.CreatedTo == nil && q.Fees == nil && q.IDVerified == nil && q.EmailVerified == nil &&
		q.PhoneVerified == nil && q.CategoryID == nil
}

// countCells sums the userdesk_user_counts cells of the query's statuses
// and roles: the migrations' triggers keep them in the transaction of
// every write to userdesk_users and userdesk_user_roles, so the sum is the
// exact count of what the transaction sees, in one index read of at most
// a few hundred rows whatever the number of users.
func (lq *listQuery) countCells(ctx context.Context, db bun.IDB) (int64, error) {
	var n int64
	sq := db.NewSelect().TableExpr("userdesk_user_counts").ColumnExpr("COALESCE(SUM(n), 0)").
		Where("mask IN (?)", bun.List(roleMasks[lq.q.Roles]))
	if len(lq.q.Statuses) > 0 {
		sq = sq.Where("status IN (?)", bun.List(lq.q.Statuses))
	}
	if err := sq.Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("usermgmt: count users: %w", err)
	}
	return n, nil
}
