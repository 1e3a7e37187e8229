package impersonation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// v4Public is the header of the only tokens this package makes and takes.
const v4Public = "v4.public."

// maxTokenLength bounds what Verify reads; a token of this package is
// well under 1 KiB plus its reason.
const maxTokenLength = 8 << 10

// Verify checks token and returns the impersonation it grants. The checks
// run in this order, and the first that fails is named by a *VerifyError
// (it matches ErrInvalidToken and the check's sentinel):
//
//   - format: a PASETO v4.public with a key-id footer (no other version,
//     purpose or token format is even parsed);
//   - key: the key id is in the ring;
//   - signature: the signature verifies with that key (it covers the
//     payload, the footer and the package's implicit assertion);
//   - claims: every claim is present and well formed, and the lifetime is
//     within Config.MaxTTL;
//   - audience: aud is Config.Audience;
//   - not_yet_valid and expired: nbf and exp, each with Config.ClockSkew
//     of allowance;
//   - revoked: the token's record exists and is not revoked;
//   - operator: the acting operator still exists, is active and holds
//     usermgmt.PermImpersonate;
//   - user: the user still exists, is not erased, and is not Invalidated
//     (unless Config.AllowInvalidated).
//
// The first successful verification of a token stamps its record's
// FirstUsedAt and writes an ActionFirstUse audit record, once, whatever
// the concurrency (a conditional UPDATE decides). Any other error is the
// database's, wrapped.
func (s *Service) Verify(ctx context.Context, db bun.IDB, token string) (*Impersonation, error) {
	imp, err := s.verify(ctx, db, token)
	if err != nil {
		var verr *VerifyError
		if errors.As(err, &verr) {
			s.log.DebugContext(ctx, "impersonation token refused", "check", string(verr.Check), "detail", verr.Detail)
		}
		return nil, err
	}
	return imp, nil
}

func (s *Service) verify(ctx context.Context, db bun.IDB, token string) (*Impersonation, error) {
	c, err := s.verifyToken(token)
	if err != nil {
		return nil, err
	}
	if err := s.checkTimes(c); err != nil {
		return nil, err
	}
	rec, err := getRecord(ctx, db, c.id)
	if errors.Is(err, usermgmt.ErrNotFound) {
		return nil, refuse(CheckRevoked, "no record of token %s", c.id)
	}
	if err != nil {
		return nil, err
	}
	if rec.RevokedAt != nil {
		return nil, refuse(CheckRevoked, "token %s was revoked", c.id)
	}
	if rec.UserID != c.user || rec.OperatorID != c.operator {
		return nil, refuse(CheckClaims, "token %s disagrees with its record", c.id)
	}
	if err := s.checkParties(ctx, db, rec); err != nil {
		return nil, err
	}
	if rec.SessionRef != "" {
		if err := s.checkSession(ctx, db, rec); err != nil {
			return nil, err
		}
	}
	if rec.FirstUsedAt == nil {
		if err := s.firstUse(ctx, db, rec); err != nil {
			return nil, err
		}
	}
	return rec.impersonation(), nil
}

// verified is what the token itself says, once its signature verified.
type verified struct {
	claims
	id, user, operator uuid.UUID
}

// verifyToken makes the checks that need no database: format, key,
// signature, claims, audience.
func (s *Service) verifyToken(token string) (*verified, error) {
	if !strings.HasPrefix(token, v4Public) {
		return nil, refuse(CheckFormat, "not a %q token", v4Public)
	}
	if len(token) > maxTokenLength {
		return nil, refuse(CheckFormat, "token longer than %d bytes", maxTokenLength)
	}
	parser := paseto.NewParserWithoutExpiryCheck()
	raw, err := parser.UnsafeParseFooter(paseto.V4Public, token)
	if err != nil {
		return nil, refuse(CheckFormat, "%v", err)
	}
	var foot footer
	if err := json.Unmarshal(raw, &foot); err != nil || foot.Kid == "" {
		return nil, refuse(CheckFormat, "footer names no key id")
	}
	keys := s.keys.Load()
	pub, ok := keys.verify[foot.Kid]
	if !ok {
		return nil, refuse(CheckKey, "key %q is not in the ring", foot.Kid)
	}
	t, err := parser.ParseV4Public(pub, token, implicitAssertion)
	if err != nil {
		return nil, refuse(CheckSignature, "key %q: %v", foot.Kid, err)
	}
	v := &verified{}
	if err := json.Unmarshal(t.ClaimsJSON(), &v.claims); err != nil {
		return nil, refuse(CheckClaims, "%v", err)
	}
	if err := s.checkClaims(v); err != nil {
		return nil, err
	}
	if v.Aud != s.audience {
		return nil, refuse(CheckAudience, "token is for another audience")
	}
	return v, nil
}

// checkClaims checks that every claim is there and well formed, and fills
// in the parsed IDs.
func (s *Service) checkClaims(v *verified) error {
	var err error
	if v.id, err = uuid.Parse(v.Jti); err != nil {
		return refuse(CheckClaims, "jti is not a UUID")
	}
	if v.user, err = uuid.Parse(v.Sub); err != nil {
		return refuse(CheckClaims, "sub is not a UUID")
	}
	if v.Act == nil {
		return refuse(CheckClaims, "act is missing")
	}
	if v.operator, err = uuid.Parse(v.Act.Sub); err != nil {
		return refuse(CheckClaims, "act.sub is not a UUID")
	}
	switch {
	case v.Aud == "":
		return refuse(CheckClaims, "aud is missing")
	case v.Iat.IsZero() || v.Nbf.IsZero() || v.Exp.IsZero():
		return refuse(CheckClaims, "iat, nbf or exp is missing")
	case !v.Exp.After(v.Iat) || v.Exp.Sub(v.Iat) > s.maxTTL:
		return refuse(CheckClaims, "lifetime %v is not within (0, %v]", v.Exp.Sub(v.Iat), s.maxTTL)
	case !v.Scope.Valid():
		return refuse(CheckClaims, "unknown scope")
	case !v.Landing.Valid():
		return refuse(CheckClaims, "unknown landing")
	}
	return nil
}

// checkTimes applies nbf and exp with the clock-skew allowance.
func (s *Service) checkTimes(v *verified) error {
	now := s.now()
	if now.Add(s.skew).Before(v.Iat) {
		return refuse(CheckNotYetValid, "issued in the future, at %s", v.Iat.UTC().Format(time.RFC3339))
	}
	if now.Add(s.skew).Before(v.Nbf) {
		return refuse(CheckNotYetValid, "valid from %s", v.Nbf.UTC().Format(time.RFC3339))
	}
	if !now.Before(v.Exp.Add(s.skew)) {
		return refuse(CheckExpired, "expired at %s", v.Exp.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkParties asks usermgmt whether the operator may still impersonate
// and the user may still be impersonated.
func (s *Service) checkParties(ctx context.Context, db bun.IDB, rec *Record) error {
	if _, err := s.users.Authorize(ctx, db, rec.OperatorID, usermgmt.PermImpersonate); err != nil {
		if errors.Is(err, usermgmt.ErrForbidden) {
			return refuse(CheckOperator, "%v", err)
		}
		return err
	}
	u, err := s.users.UserStanding(ctx, db, rec.UserID)
	if errors.Is(err, usermgmt.ErrNotFound) {
		return refuse(CheckUser, "the user no longer exists")
	}
	if err != nil {
		return err
	}
	if err := s.impersonable(u); err != nil {
		return refuse(CheckUser, "%v", err)
	}
	return nil
}

// checkSession refuses a token whose operator session ended (logout,
// expiry) or belongs to someone else.
func (s *Service) checkSession(ctx context.Context, db bun.IDB, rec *Record) error {
	op, err := s.users.ResolveSessionRef(ctx, db, usermgmt.OperatorSession, rec.SessionRef)
	if errors.Is(err, usermgmt.ErrSessionInvalid) || (err == nil && op != rec.OperatorID) {
		return refuse(CheckSession, "the operator session that issued token %s ended", rec.ID)
	}
	return err
}

// firstUse stamps the record's first use and audits it, in one
// transaction, if no concurrent verification did first. A revocation that
// landed since the record was read wins.
func (s *Service) firstUse(ctx context.Context, db bun.IDB, rec *Record) error {
	at := s.clock()
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		won, err := markFirstUse(ctx, tx, rec.ID, at)
		if err != nil {
			return err
		}
		if !won {
			now, err := getRecord(ctx, tx, rec.ID)
			if err != nil {
				return err
			}
			if now.RevokedAt != nil {
				return refuse(CheckRevoked, "token %s was revoked", rec.ID)
			}
			return nil
		}
		rec.FirstUsedAt = &at
		_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &rec.OperatorID, UserID: &rec.UserID, Action: ActionFirstUse,
			After: map[string]any{"token_id": rec.ID.String()},
		})
		return err
	})
}
