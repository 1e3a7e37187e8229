package usermgmt

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// GuestRole is a right a user grants a guest on their account.
type GuestRole string

// The guest roles.
const (
	GuestManageListings GuestRole = "manage_listings"
	GuestManageBookings GuestRole = "manage_bookings"
	GuestManageMessages GuestRole = "manage_messages"
	GuestViewPayouts    GuestRole = "view_payouts"
)

// Guest is an invitation a user made to someone else to act on their
// account with roles; once accepted it links the guest's own user account.
type Guest struct {
	bun.BaseModel `bun:"table:userdesk_guests"`

	ID              uuid.UUID   `bun:"id,pk,type:uuid" json:"id"`
	OwnerID         uuid.UUID   `bun:"owner_id,notnull,type:uuid" json:"owner_id"`
	Email           string      `bun:"email,notnull" json:"email"`
	EmailNormalized string      `bun:"email_normalized,notnull" json:"-"`
	TokenHash       string      `bun:"token_hash,notnull" json:"-"`
	Roles           []GuestRole `bun:"-" json:"roles"`
	// GuestUserID is the guest's own user account, once accepted.
	GuestUserID *uuid.UUID `bun:"guest_user_id,type:uuid" json:"guest_user_id"`
	AcceptedAt  *time.Time `bun:"accepted_at" json:"accepted_at"`
	CreatedAt   time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	Version     int64      `bun:"version,notnull" json:"version"`
	// Masked is true when the reader may not see personal data: Email is
	// then masked (MaskEmail).
	Masked bool `bun:"-" json:"masked"`
}

// maskPersonal hides the guest's email for a reader without
// PermReadPersonalData.
func (g *Guest) maskPersonal() {
	g.Email, g.EmailNormalized, g.Masked = MaskEmail(g.Email), "", true
}

type guestRole struct {
	bun.BaseModel `bun:"table:userdesk_guest_roles"`
	GuestID       uuid.UUID `bun:"guest_id,pk,type:uuid"`
	Role          GuestRole `bun:"role,pk"`
}

// GuestInvite is what a user gives to invite a guest.
type GuestInvite struct {
	Email string      `json:"email" validate:"required,max=254,email"`
	Roles []GuestRole `json:"roles" validate:"required,min=1,unique,dive,oneof=manage_listings manage_bookings manage_messages view_payouts"`
}

// GuestUpdate is an operator's edit of an invitation; nil fields are kept.
type GuestUpdate struct {
	Version int64        `json:"version" validate:"gt=0"`
	Email   *string      `json:"email" validate:"omitnil,max=254,email"`
	Roles   *[]GuestRole `json:"roles" validate:"omitnil,min=1,unique,dive,oneof=manage_listings manage_bookings manage_messages view_payouts"`
}

// newInvitationToken returns a 256-bit random token and its stored hash.
func newInvitationToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("usermgmt: invitation token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// InviteGuest records a user's invitation (front office) and returns it
// with the invitation token, which the host sends to the guest (only its
// hash is stored). Never under an impersonation: an operator must not
// give themself a way into the account (ErrUnderImpersonation). Returns
// ErrNotFound for an unknown owner, a *ValidationError naming email or
// roles, ErrConflict when the owner already invited that email.
func (s *Service) InviteGuest(ctx context.Context, db bun.IDB, ownerID uuid.UUID, in GuestInvite) (*Guest, string, error) {
	if err := NotImpersonated(ctx); err != nil {
		return nil, "", err
	}
	in.Email = strings.TrimSpace(in.Email)
	if err := s.check(in); err != nil {
		return nil, "", err
	}
	token, hash, err := newInvitationToken()
	if err != nil {
		return nil, "", err
	}
	id, err := newID()
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	g := &Guest{
		ID: id, OwnerID: ownerID, Email: in.Email, EmailNormalized: normalizeEmail(in.Email), TokenHash: hash,
		Roles: sortedUnique(in.Roles), CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		owner, err := getLiveUser(ctx, tx, ownerID)
		if err != nil {
			return err
		}
		if owner.EmailNormalized == g.EmailNormalized {
			return invalid("email", "not_self", "must not be the inviting user's own email")
		}
		if _, err := tx.NewInsert().Model(g).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return fmt.Errorf("usermgmt: guest already invited: %w", ErrConflict)
			}
			return fmt.Errorf("usermgmt: invite guest: %w", err)
		}
		return replaceGuestRoles(ctx, tx, g.ID, g.Roles)
	})
	if err != nil {
		return nil, "", err
	}
	return g, token, nil
}

// ListGuests returns the guests a user invited, oldest first, for an
// operator holding PermReadUsers; their emails are masked unless the
// operator holds PermReadPersonalData. Returns a *PermissionError, or
// ErrNotFound for an unknown or erased user.
func (s *Service) ListGuests(ctx context.Context, db bun.IDB, actor, ownerID uuid.UUID) ([]Guest, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	st, err := s.UserStanding(ctx, db, ownerID)
	if err != nil {
		return nil, err
	}
	if st.Deleted {
		return nil, ErrNotFound
	}
	gs, err := listGuests(ctx, db, "owner_id = ?", ownerID)
	if err != nil {
		return nil, err
	}
	if !s.seesPersonalData(op) {
		for i := range gs {
			gs[i].maskPersonal()
		}
	}
	return gs, nil
}

// ListOwnGuests returns the user's own guests (front office). Under an
// impersonation their emails are masked unless the operator holds
// PermReadPersonalData (a clear view is audited).
func (s *Service) ListOwnGuests(ctx context.Context, db bun.IDB, ownerID uuid.UUID) ([]Guest, error) {
	gs, err := listGuests(ctx, db, "owner_id = ?", ownerID)
	if err != nil || len(gs) == 0 {
		return gs, err
	}
	if imp, ok := ImpersonatorFrom(ctx); ok {
		clear, err := s.impersonatorView(ctx, db, imp, ownerID, "guests.email")
		if err != nil {
			return nil, err
		}
		for i := range gs {
			if !clear {
				gs[i].maskPersonal()
			}
		}
	}
	return gs, nil
}

// guestRow is a guest read with its roles in one statement.
type guestRow struct {
	Guest     `bun:",extend"`
	RolesJSON string `bun:"roles_json,scanonly"`
}

// selectGuests reads the guests matching where (a condition on the guests
// table's columns) with their roles, oldest first, in one statement.
func selectGuests(ctx context.Context, db bun.IDB, where string, arg any) ([]Guest, error) {
	var rows []guestRow
	err := db.NewSelect().Model(&rows).ColumnExpr("?TableAlias.*").
		ColumnExpr(jsonList(db, "role", "userdesk_guest_roles", "guest_id")+" AS roles_json").
		Where("?TableAlias."+where, arg).OrderExpr("?TableAlias.created_at, ?TableAlias.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("usermgmt: list guests: %w", err)
	}
	gs := make([]Guest, 0, len(rows))
	for i := range rows {
		g := rows[i].Guest
		if g.Roles, err = decodeList[GuestRole](rows[i].RolesJSON); err != nil {
			return nil, err
		}
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
		if g.AcceptedAt != nil {
			at := g.AcceptedAt.UTC()
			g.AcceptedAt = &at
		}
		gs = append(gs, g)
	}
	return gs, nil
}

func listGuests(ctx context.Context, db bun.IDB, where string, arg any) ([]Guest, error) {
	return selectGuests(ctx, db, where, arg)
}

func getGuest(ctx context.Context, db bun.IDB, where string, arg any) (*Guest, error) {
	gs, err := selectGuests(ctx, db, where, arg)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, ErrNotFound
	}
	return &gs[0], nil
}

func replaceGuestRoles(ctx context.Context, tx bun.IDB, id uuid.UUID, roles []GuestRole) error {
	if _, err := tx.NewDelete().Model((*guestRole)(nil)).Where("guest_id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: guest roles: %w", err)
	}
	rows := make([]guestRole, 0, len(roles))
	for _, r := range roles {
		rows = append(rows, guestRole{GuestID: id, Role: r})
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: guest roles: %w", err)
	}
	return nil
}

// UpdateGuest edits an invitation's email and roles on behalf of an
// operator holding PermManageGuests, guarded by its version; audited (field
// names, and roles before and after). Changing the email of an invitation
// not accepted yet replaces its token: the new token is returned for the
// host to send, and the old link stops working. Returns a
// *PermissionError, ErrNotFound (also for a guest of another user than
// ownerID, or of an erased one), ErrStaleVersion, ErrConflict (email
// already invited by the same owner), or a *ValidationError. The guest
// returned has its email masked unless the operator holds
// PermReadPersonalData.
func (s *Service) UpdateGuest(ctx context.Context, db bun.IDB, actor, ownerID, guestID uuid.UUID, upd GuestUpdate) (*Guest, string, error) {
	if err := s.check(upd); err != nil {
		return nil, "", err
	}
	var out *Guest
	var token string
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermManageGuests)
		if err != nil {
			return err
		}
		g, err := getGuest(ctx, tx, "id = ?", guestID)
		if err != nil {
			return err
		}
		if g.OwnerID != ownerID {
			return ErrNotFound
		}
		if _, err := getLiveUser(ctx, tx, ownerID); err != nil {
			return err
		}
		if !s.seesPersonalData(op) {
			defer g.maskPersonal()
		}
		if g.Version != upd.Version {
			return ErrStaleVersion
		}
		var fields []string
		columns := []string{"updated_at", "version"}
		before, after := map[string]any{}, map[string]any{}
		if upd.Email != nil && strings.TrimSpace(*upd.Email) != g.Email {
			g.Email = strings.TrimSpace(*upd.Email)
			g.EmailNormalized = normalizeEmail(g.Email)
			fields = append(fields, "email")
			columns = append(columns, "email", "email_normalized")
			if g.AcceptedAt == nil {
				if token, g.TokenHash, err = newInvitationToken(); err != nil {
					return err
				}
				columns = append(columns, "token_hash")
			}
		}
		rolesChanged := false
		if upd.Roles != nil {
			if r := sortedUnique(*upd.Roles); !slices.Equal(r, g.Roles) {
				before["roles"], after["roles"] = g.Roles, r
				g.Roles, rolesChanged = r, true
				fields = append(fields, "roles")
			}
		}
		out = g
		if len(fields) == 0 {
			return nil
		}
		g.UpdatedAt = s.clock()
		g.Version++
		res, err := tx.NewUpdate().Model(g).Column(columns...).Where("id = ?", g.ID).Where("version = ?", upd.Version).Exec(ctx)
		if err != nil {
			if sqldb.IsUniqueViolation(err) {
				return fmt.Errorf("usermgmt: guest already invited: %w", ErrConflict)
			}
			return fmt.Errorf("usermgmt: update guest: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStaleVersion
		}
		if rolesChanged {
			if err := replaceGuestRoles(ctx, tx, g.ID, g.Roles); err != nil {
				return err
			}
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &g.OwnerID, Action: ActionGuestUpdate, Fields: fields,
			Before: before, After: after,
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, token, nil
}

// AcceptInvitation links the guest's own user account to the invitation
// whose token this is. The account's email must be the invited one (any
// letter case). Never under an impersonation (ErrUnderImpersonation).
// Returns ErrNotFound for an unknown or used token or an unknown user, or
// a *ValidationError naming email on a mismatch.
func (s *Service) AcceptInvitation(ctx context.Context, db bun.IDB, token string, guestUserID uuid.UUID) (*Guest, error) {
	if err := NotImpersonated(ctx); err != nil {
		return nil, err
	}
	var out *Guest
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		g, err := getGuest(ctx, tx, "token_hash = ?", hashToken(token))
		if err != nil || g.AcceptedAt != nil || token == "" {
			return ErrNotFound
		}
		u, err := getLiveUser(ctx, tx, guestUserID)
		if err != nil {
			return err
		}
		if u.EmailNormalized != g.EmailNormalized {
			return invalid("email", "invited_email", "the account's email is not the invited one")
		}
		now := s.clock()
		g.GuestUserID, g.AcceptedAt, g.TokenHash, g.UpdatedAt = &guestUserID, &now, "", now
		g.Version++
		if _, err := tx.NewUpdate().Model(g).Column("guest_user_id", "accepted_at", "token_hash", "updated_at", "version").
			Where("id = ?", g.ID).Exec(ctx); err != nil {
			return fmt.Errorf("usermgmt: accept invitation: %w", err)
		}
		out = g
		return nil
	})
	return out, err
}
