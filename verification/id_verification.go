package verification

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// SourceOperator is the Source of evidence an operator gave.
const SourceOperator = "operator"

// IDVerificationRecord is one change of a user's ID verification with its
// evidence: who (an operator, or none for a provider), when, from which
// source, why, and the case reference.
type IDVerificationRecord struct {
	bun.BaseModel `bun:"table:userdesk_id_verifications"`

	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UserID   uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	Verified bool      `bun:"verified,notnull" json:"verified"`
	// Source is SourceOperator, or the provider the host named ("psp:mangopay").
	Source string `bun:"source,notnull" json:"source"`
	// Reason is the stated reason; Reference a KYC/KYB case id, or empty.
	Reason    string `bun:"reason,notnull" json:"reason"`
	Reference string `bun:"reference,notnull" json:"reference"`
	// OperatorID is the operator, nil for a provider.
	OperatorID *uuid.UUID `bun:"operator_id,type:uuid" json:"operator_id"`
	At         time.Time  `bun:"at,notnull" json:"at"`
}

// IDEvidence is an operator's decision on a user's ID verification.
type IDEvidence struct {
	// Verified sets (true) or clears (false) the flag.
	Verified bool `json:"verified"`
	// Reason is required, at most 500 characters. Write no personal data
	// in it: it goes to the audit log.
	Reason string `json:"reason"`
	// Reference is an optional KYC case id, at most 200 characters.
	Reference string `json:"reference"`
}

// ProviderEvidence is a KYC/KYB provider's (the PSP's) verdict, as the
// host reads it from the provider's webhook.
type ProviderEvidence struct {
	Verified bool `json:"verified"`
	// Source names the provider, required, at most 100 characters
	// ("psp:stripe"); it may not be SourceOperator.
	Source string `json:"source"`
	// Reference is the provider's case or event id, optional.
	Reference string `json:"reference"`
	// Reason is optional.
	Reason string `json:"reason"`
}

func checkEvidence(reason, reference string, reasonRequired bool) (string, string, error) {
	reason, reference = strings.TrimSpace(reason), strings.TrimSpace(reference)
	v := &usermgmt.ValidationError{}
	if reason == "" && reasonRequired {
		v.Add("reason", "required", "is required")
	}
	if len([]rune(reason)) > 500 {
		v.Add("reason", "max", "must be at most 500 characters")
	}
	if len([]rune(reference)) > 200 {
		v.Add("reference", "max", "must be at most 200 characters")
	}
	return reason, reference, v.Err()
}

// SetIDVerification sets or clears a user's ID verification on behalf of
// an operator holding PermSetIDVerification, with evidence: the flag
// records the operator, an IDVerificationRecord keeps the evidence, and
// the audit log the change with its reason (ActionIDVerification).
// With usermgmt.IfVersion (the version of the page the operator edited)
// the change happens only at that version and is one version.
//
// Returns a *usermgmt.ValidationError naming reason, reference or
// version, a *usermgmt.PermissionError, usermgmt.ErrNotFound or
// usermgmt.ErrStaleVersion.
func (s *Service) SetIDVerification(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, ev IDEvidence, opts ...usermgmt.WriteOption) (*IDVerificationRecord, error) {
	reason, ref, err := checkEvidence(ev.Reason, ev.Reference, true)
	if err != nil {
		return nil, err
	}
	var rec *IDVerificationRecord
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, PermSetIDVerification)
		if err != nil {
			return err
		}
		rec, err = s.recordID(ctx, tx, userID, ev.Verified, SourceOperator, reason, ref, &op.ID, opts...)
		return err
	})
	return rec, err
}

// RecordProviderIDVerification is the host's path from its PSP's KYC/KYB
// webhook: it sets or clears the ID verification with the provider as
// the source (no operator). The host authenticates the webhook; there is
// no permission check. Audited as ActionIDVerification without an
// operator.
//
// Returns a *usermgmt.ValidationError naming source, reason or reference,
// or usermgmt.ErrNotFound.
func (s *Service) RecordProviderIDVerification(ctx context.Context, db bun.IDB, userID uuid.UUID, ev ProviderEvidence) (*IDVerificationRecord, error) {
	reason, ref, err := checkEvidence(ev.Reason, ev.Reference, false)
	source := strings.TrimSpace(ev.Source)
	v, _ := err.(*usermgmt.ValidationError)
	if v == nil {
		v = &usermgmt.ValidationError{}
	}
	switch {
	case source == "":
		v.Add("source", "required", "is required")
	case source == SourceOperator:
		v.Add("source", "reserved", "names the provider; \"operator\" is reserved")
	case len(source) > 100:
		v.Add("source", "max", "must be at most 100 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var rec *IDVerificationRecord
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		rec, err = s.recordID(ctx, tx, userID, ev.Verified, source, reason, ref, nil)
		return err
	})
	return rec, err
}

func (s *Service) recordID(ctx context.Context, tx bun.IDB, userID uuid.UUID, verified bool, source, reason, ref string, op *uuid.UUID, opts ...usermgmt.WriteOption) (*IDVerificationRecord, error) {
	u, err := s.liveUser(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	if _, err := s.users.RecordVerification(ctx, tx, userID, usermgmt.VerifyID, verified, op, opts...); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("verification: evidence id: %w", err)
	}
	rec := &IDVerificationRecord{ID: id, UserID: userID, Verified: verified, Source: source, Reason: reason, Reference: ref, OperatorID: op, At: s.now()}
	if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
		return nil, fmt.Errorf("verification: store evidence: %w", err)
	}
	_, err = s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{OperatorID: op, UserID: &userID, Action: ActionIDVerification,
		Reason: reason, Fields: []string{"id_verified"},
		Before: map[string]any{"id_verified": u.Verifications.ID.Verified},
		After:  map[string]any{"id_verified": verified, "source": source, "reference": ref}})
	return rec, err
}

// IDVerificationHistory lists the evidence behind a user's ID
// verification, newest first, for an operator holding
// usermgmt.PermReadUsers.
//
// Returns a *usermgmt.PermissionError.
func (s *Service) IDVerificationHistory(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) ([]IDVerificationRecord, error) {
	if _, err := s.users.Authorize(ctx, db, actor, usermgmt.PermReadUsers); err != nil {
		return nil, err
	}
	out := []IDVerificationRecord{}
	if err := db.NewSelect().Model(&out).Where("user_id = ?", userID).OrderExpr("id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("verification: id history: %w", err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}
