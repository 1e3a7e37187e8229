package api

import (
	"context"
	"net/http"

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
