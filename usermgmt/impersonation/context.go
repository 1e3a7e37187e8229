package impersonation

import (
	"context"

	"github.com/google/uuid"
	"github.com/userdesk/userdesk/usermgmt"
)

type contextKey struct{}

// NewContext returns a copy of ctx that carries imp. The middleware calls
// it for every impersonated request; hosts and tests may call it for work
// they run on behalf of an impersonation (a queued job, a handler test).
// Issue refuses to issue from such a context.
//
// The context also carries the usermgmt.Impersonator, so that usermgmt's
// own-account calls (GetOwnUser, GetOwnBankAccount, ListOwnGuests,
// ChangeOwnPassword) apply the impersonation rules: masking by the
// operator's permissions, audited clear views, no credential changes.
func NewContext(ctx context.Context, imp *Impersonation) context.Context {
	if imp != nil {
		ctx = usermgmt.WithImpersonator(ctx, usermgmt.Impersonator{OperatorID: imp.OperatorID, TokenID: imp.TokenID})
	}
	return context.WithValue(ctx, contextKey{}, imp)
}

// NotImpersonated returns usermgmt.ErrUnderImpersonation (which matches
// usermgmt.ErrForbidden) when ctx carries an impersonation, whatever its
// scope, and nil otherwise: the guard of the actions only the user may
// take (changing a password, deleting the account, payouts).
func NotImpersonated(ctx context.Context) error {
	if _, ok := FromContext(ctx); ok {
		return usermgmt.ErrUnderImpersonation
	}
	return usermgmt.NotImpersonated(ctx)
}

// FromContext returns the impersonation ctx carries, if any.
func FromContext(ctx context.Context) (*Impersonation, bool) {
	imp, ok := ctx.Value(contextKey{}).(*Impersonation)
	return imp, ok && imp != nil
}

// UserID returns the effective user of an impersonated request: the user
// the request acts as.
func UserID(ctx context.Context) (uuid.UUID, bool) {
	if imp, ok := FromContext(ctx); ok {
		return imp.UserID, true
	}
	return uuid.Nil, false
}

// OperatorID returns the acting operator of an impersonated request. A
// host records it beside the user in anything it writes while
// impersonating, for example as usermgmt.AuditEntry.OperatorID.
func OperatorID(ctx context.Context) (uuid.UUID, bool) {
	if imp, ok := FromContext(ctx); ok {
		return imp.OperatorID, true
	}
	return uuid.Nil, false
}
