package impersonation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Audit actions written by this package. Their records name the token in
// After["token_id"] and never hold personal data.
const (
	ActionIssue    = "impersonation.issue"
	ActionFirstUse = "impersonation.first_use"
	ActionRevoke   = "impersonation.revoke"
)

// IssueRequest asks for an impersonation token.
type IssueRequest struct {
	// OperatorID is the acting operator; it needs
	// usermgmt.PermImpersonate.
	OperatorID uuid.UUID
	// UserID is the user to impersonate; a guest user is impersonated
	// like any other. Operators are not users and cannot be impersonated.
	UserID uuid.UUID
	// Reason is the operator's stated reason: required, at most 1000
	// bytes once trimmed. It is recorded server-side only (the token,
	// signed but not encrypted, does not carry it), and blanked when the
	// user is erased.
	Reason string
	// OperatorSession is the operator's back-office session token (as
	// given to usermgmt.ResolveSession), or empty. When set, the token
	// ends with that session: logout, expiry or the session's removal
	// refuse it from the next verification on (CheckSession). Only a
	// reference to the session (usermgmt.SessionRef) is stored. A host
	// issuing from a session should always set it.
	OperatorSession string
	// Scope is ScopeReadOnly or ScopeFull; zero means ScopeReadOnly.
	Scope Scope
	// Landing is the dashboard section to open; zero means its home.
	Landing Landing
	// TTL is the token's lifetime, in whole seconds; zero means
	// Config.DefaultTTL. It may not exceed Config.MaxTTL.
	TTL time.Duration
}

// Issued is a fresh token and its record.
type Issued struct {
	// Token is the PASETO v4.public string. It is a bearer credential:
	// hand it to the operator's browser only, never log it.
	Token string
	// Record is what is stored of it.
	Record Record
}

// Issue makes a token for req.OperatorID to act as req.UserID, records it
// and writes an ActionIssue audit record, in one transaction (a savepoint
// in the caller's). Tokens are never refreshed: when one expires, the
// operator asks for a new one, with a reason, and that issue is audited
// too.
//
// ctx must not carry an impersonation (FromContext): a request made under
// an impersonation token can never issue another, so the chain of
// operators is never lost.
//
// Returns ErrChain; a *usermgmt.ValidationError (usermgmt.ErrInvalid)
// naming "operator_id", "user_id", "reason", "scope", "landing" or "ttl";
// a *usermgmt.PermissionError (usermgmt.ErrForbidden) when the operator
// is unknown, inactive or lacks the permission; usermgmt.ErrNotFound when
// no such user exists (an operator's ID included); ErrUserRefused for an
// erased user, or an Invalidated one unless Config.AllowInvalidated;
// ErrNoSigningKey when the ring cannot sign.
func (s *Service) Issue(ctx context.Context, db bun.IDB, req IssueRequest) (*Issued, error) {
	if _, ok := FromContext(ctx); ok {
		return nil, ErrChain
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Scope == "" {
		req.Scope = ScopeReadOnly
	}
	if req.TTL == 0 {
		req.TTL = s.defaultTTL
	}
	if err := s.checkRequest(req); err != nil {
		return nil, err
	}
	keys := s.keys.Load()
	if !keys.canSign {
		return nil, ErrNoSigningKey
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("impersonation: new token id: %w", err)
	}
	now := s.now().UTC().Truncate(time.Second)
	rec := &Record{
		ID: id, UserID: req.UserID, OperatorID: req.OperatorID, KeyID: keys.signID, Reason: req.Reason,
		Scope: req.Scope, Landing: req.Landing, IssuedAt: now, ExpiresAt: now.Add(req.TTL).Truncate(time.Second),
	}
	if req.OperatorSession != "" {
		rec.SessionRef = usermgmt.SessionRef(req.OperatorSession)
	}
	token, err := keys.sign(s.claimsOf(rec))
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.users.Authorize(ctx, tx, req.OperatorID, usermgmt.PermImpersonate); err != nil {
			return err
		}
		if rec.SessionRef != "" {
			if err := s.checkSession(ctx, tx, rec); err != nil {
				return &usermgmt.PermissionError{Permission: usermgmt.PermImpersonate}
			}
		}
		u, err := s.users.UserStanding(ctx, tx, req.UserID)
		if err != nil {
			return err
		}
		if err := s.impersonable(u); err != nil {
			return err
		}
		if err := insertRecord(ctx, tx, rec); err != nil {
			return err
		}
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &rec.OperatorID, UserID: &rec.UserID, Action: ActionIssue, Reason: rec.Reason,
			After: map[string]any{
				"token_id": rec.ID.String(), "scope": string(rec.Scope), "landing": string(rec.Landing),
				"expires_at": rec.ExpiresAt.Format(time.RFC3339), "key_id": rec.KeyID,
			},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Issued{Token: token, Record: *rec}, nil
}

// checkRequest validates a request whose defaults are filled in.
func (s *Service) checkRequest(req IssueRequest) error {
	verr := &usermgmt.ValidationError{}
	add := func(field, rule, msg string) { verr.Add(field, rule, msg) }
	if req.OperatorID == uuid.Nil {
		add("operator_id", "required", "is required")
	}
	if req.UserID == uuid.Nil {
		add("user_id", "required", "is required")
	}
	switch {
	case req.Reason == "":
		add("reason", "required", "is required")
	case usermgmt.CheckText("reason", req.Reason) != nil:
		add("reason", "text", "must be text: no NUL byte, valid UTF-8")
	case len(req.Reason) > MaxReasonLength:
		add("reason", "max", fmt.Sprintf("must be at most %d long", MaxReasonLength))
	}
	if !req.Scope.Valid() {
		add("scope", "oneof", "must be one of: read_only full")
	}
	if !req.Landing.Valid() {
		add("landing", "oneof", "must be one of: presentation identity bank_account, or empty")
	}
	switch {
	case req.TTL < time.Second:
		add("ttl", "min", "must be at least one second")
	case req.TTL > s.maxTTL:
		add("ttl", "max", fmt.Sprintf("must be at most %v", s.maxTTL))
	}
	return verr.Err()
}

// impersonable applies the user side of the policy, at issue and at
// verification alike.
func (s *Service) impersonable(u usermgmt.Standing) error {
	switch {
	case u.Deleted:
		return fmt.Errorf("%w: the user was erased", ErrUserRefused)
	case u.Status == usermgmt.StatusInvalidated && !s.allowInvalid:
		return fmt.Errorf("%w: the user is invalidated", ErrUserRefused)
	}
	return nil
}

func (s *Service) claimsOf(r *Record) *claims {
	return &claims{
		Sub: r.UserID.String(), Act: &actor{Sub: r.OperatorID.String()}, Jti: r.ID.String(), Aud: s.audience,
		Iat: r.IssuedAt, Nbf: r.IssuedAt, Exp: r.ExpiresAt, Scope: r.Scope, Landing: r.Landing,
	}
}

// sign makes the v4.public token of c with the ring's current key, named
// in the footer.
func (r *ring) sign(c *claims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("impersonation: sign: %w", err)
	}
	foot, err := json.Marshal(footer{Kid: r.signID})
	if err != nil {
		return "", fmt.Errorf("impersonation: sign: %w", err)
	}
	t, err := paseto.NewTokenFromClaimsJSON(body, foot)
	if err != nil {
		return "", fmt.Errorf("impersonation: sign: %w", err)
	}
	return t.V4Sign(r.signer, implicitAssertion), nil
}
