package usermgmt

import (
	"context"

	"github.com/uptrace/bun"
)

// WriteOption adjusts one operator write about a user: ChangeStatus,
// SetUserFees, SetUserCategories, SetVerifications and SetPassword take
// them.
type WriteOption func(*writeOptions)

type writeOptions struct {
	guarded bool
	version int64
	after   *int64
}

// IfVersion makes a write about a user conditional on the version the
// caller read (a page's version field or an If-Match header): the write
// happens only when the user is still at version, and the UPDATE of the
// user's row that carries the change also moves the version to
// version+1, in the write's own transaction, so that one write is one
// version and a stale page never overwrites a newer edit. The guarded
// UPDATE comes before the write's other statements, so it also locks the
// user's row: concurrent writers queue behind the first and then find the
// version gone.
//
// A stale version writes nothing and returns ErrStaleVersion (which
// matches ErrConflict); a version that is not positive returns a
// *ValidationError naming version. Both come after the permission check,
// so a refusal is a refusal before it is a conflict. after, when not nil,
// receives the version the write left, version+1.
//
// A guarded write that changes nothing (setting the status a user already
// has, say) still moves the version by 1, with no audit record: the
// caller claimed the version it read, so that of concurrent writers at
// one version exactly one succeeds and the others get ErrStaleVersion,
// whatever they asked for. Without IfVersion such a write writes nothing,
// and other writes are checked against the version they read themselves,
// which still refuses a concurrent change made between that read and the
// write.
func IfVersion(version int64, after *int64) WriteOption {
	return func(o *writeOptions) {
		o.guarded, o.version, o.after = true, version, after
	}
}

func collectWriteOptions(opts []WriteOption) writeOptions {
	var o writeOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// expect returns the version the write's UPDATE must find, given u as
// read in the write's transaction: the caller's version under IfVersion
// (a *ValidationError when it is not positive, ErrStaleVersion when u has
// moved on), else u's own.
func (o writeOptions) expect(u *User) (int64, error) {
	if !o.guarded {
		return u.Version, nil
	}
	if o.version <= 0 {
		return 0, invalid("version", "required", "is required: the version you read")
	}
	if u.Version != o.version {
		return 0, ErrStaleVersion
	}
	return o.version, nil
}

// claim is the write of a guarded call that changes nothing: it moves the
// version from expect (a no-op without IfVersion).
func (o writeOptions) claim(ctx context.Context, tx bun.IDB, u *User, expect int64) error {
	if !o.guarded {
		return nil
	}
	if err := updateUserColumns(ctx, tx, u, expect); err != nil {
		return err
	}
	o.report(u.Version)
	return nil
}

// report hands the version the write left to IfVersion's after.
func (o writeOptions) report(version int64) {
	if o.after != nil {
		*o.after = version
	}
}
