package api

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// versioned runs write, a state-changing PUT about user id, in one
// transaction guarded by the version the client read (the body's version
// field or If-Match) and by perm, the write's permission: the library
// checks perm and claims the version first, which also locks the user,
// so that concurrent writers get 409 version_conflict rather than
// colliding, and a stale page's edit never overwrites a newer one. It returns the version the transaction left, for the answer (which
// is built from what the transaction returned, never re-read after the
// commit).
func (a *API) versioned(r *http.Request, op *usermgmt.Operator, perm usermgmt.Permission, id uuid.UUID, version int64, write func(ctx context.Context, tx bun.Tx) error) (int64, error) {
	if err := versionFromIfMatch(r, &version); err != nil {
		return 0, err
	}
	var after int64
	err := a.db.RunInTx(r.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := a.users.ClaimUserVersion(ctx, tx, op.ID, perm, id, version); err != nil {
			return err
		}
		if err := write(ctx, tx); err != nil {
			return err
		}
		var err error
		after, err = a.users.UserVersion(ctx, tx, id)
		return err
	})
	return after, err
}
