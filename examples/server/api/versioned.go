package api

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/userdesk/userdesk/usermgmt"
)

// versioned runs write, a state-changing PUT about one user, guarded by
// the version the client read (the body's version field or If-Match):
// write passes the option it is given to the library call, which checks
// the permission, then the version, and makes the change and its one
// version bump in its own transaction, so that concurrent writers get 409
// version_conflict rather than colliding and a stale page's edit never
// overwrites a newer one. It returns the version the write left, for the
// answer (taken from the write itself, never re-read after the commit).
func (a *API) versioned(r *http.Request, version int64, write func(ctx context.Context, guard usermgmt.WriteOption) error) (int64, error) {
	if err := versionFromIfMatch(r, &version); err != nil {
		return 0, err
	}
	var after int64
	if err := write(r.Context(), usermgmt.IfVersion(version, &after)); err != nil {
		return 0, err
	}
	return after, nil
}

// versionedTx is versioned for a library write that takes no WriteOption
// yet (verification.SetIDVerification): the version is claimed first in
// the write's transaction (usermgmt.ClaimUserVersion, which checks perm
// and locks the user), so the user's version moves by two, not one.
func (a *API) versionedTx(r *http.Request, op *usermgmt.Operator, perm usermgmt.Permission, id uuid.UUID, version int64, write func(ctx context.Context, tx bun.Tx) error) (int64, error) {
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
