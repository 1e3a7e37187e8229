package usermgmt

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// BankAccount is a payout bank account.
type BankAccount struct {
	// Holder is the account holder's name.
	Holder string `json:"holder" validate:"required,max=140"`
	// IBAN in electronic form (no spaces, upper case), checksum validated.
	IBAN string `json:"iban" validate:"required"`
	// BIC (SWIFT code), 8 or 11 characters; optional.
	BIC string `json:"bic" validate:"omitempty"`
	// Masked is true when IBAN and Holder hide all but what identifies the
	// account to an operator: the country code and last 4 of the IBAN.
	Masked bool `json:"masked"`
	// KeyID names the key the record is sealed with.
	KeyID     string    `json:"key_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

// bankAccountRow is the sealed record.
type bankAccountRow struct {
	bun.BaseModel `bun:"table:userdesk_bank_accounts"`
	UserID        uuid.UUID `bun:"user_id,pk,type:uuid"`
	KeyID         string    `bun:"key_id,notnull"`
	Sealed        []byte    `bun:"sealed,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// ibanLengths is the IBAN length of each country of the SWIFT IBAN registry.

func (s *Service) checkBankAccount(in *BankAccount) error {
	in.Holder = strings.TrimSpace(in.Holder)
	in.IBAN = NormalizeIBAN(in.IBAN)
	in.BIC = strings.ToUpper(strings.TrimSpace(in.BIC))
	verr := &ValidationError{}
	if err := s.check(*in); err != nil {
		if !errors.As(err, &verr) {
			return err
		}
	}
	if in.IBAN != "" && !ValidIBAN(in.IBAN) {
		verr.Fields = append(verr.Fields, FieldError{Field: "iban", Rule: "iban", Message: "must be a valid IBAN (country, length and checksum)"})
	}
	if in.BIC != "" && !bicShape.MatchString(in.BIC) {
		verr.Fields = append(verr.Fields, FieldError{Field: "bic", Rule: "bic", Message: "must be a BIC of 8 or 11 characters"})
	}
	if len(verr.Fields) > 0 {
		return verr
	}
	return nil
}

// SetBankAccount stores a user's payout bank account, sealed, on behalf of
// an operator holding PermEditProfile; audited (field names only).
//
// Returns a *PermissionError, ErrNotFound, a *ValidationError naming iban,
// bic or holder, or ErrNoBankKey when the Service has no key ring.
func (s *Service) SetBankAccount(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, in BankAccount) error {
	return s.setBankAccount(ctx, db, &actor, userID, in)
}

// SetOwnBankAccount stores the user's own bank account (front office):
// SetBankAccount without the permission check and the audit record. Never
// under an impersonation: payout details are the user's to give
// (ErrUnderImpersonation).
func (s *Service) SetOwnBankAccount(ctx context.Context, db bun.IDB, userID uuid.UUID, in BankAccount) error {
	if err := NotImpersonated(ctx); err != nil {
		return err
	}
	return s.setBankAccount(ctx, db, nil, userID, in)
}

func (s *Service) setBankAccount(ctx context.Context, db bun.IDB, actor *uuid.UUID, userID uuid.UUID, in BankAccount) error {
	if s.bankKeys == nil {
		return ErrNoBankKey
	}
	if err := s.checkBankAccount(&in); err != nil {
		return err
	}
	plain, err := json.Marshal(bankSecret{Holder: in.Holder, IBAN: in.IBAN, BIC: in.BIC})
	if err != nil {
		return err
	}
	keyID, sealed, err := s.bankKeys.seal(userID, plain)
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if actor != nil {
			if _, err := s.Authorize(ctx, tx, *actor, PermEditProfile); err != nil {
				return err
			}
		}
		if _, err := getLiveUser(ctx, tx, userID); err != nil {
			return err
		}
		now := s.clock()
		row := &bankAccountRow{UserID: userID, KeyID: keyID, Sealed: sealed, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(row).
			On("CONFLICT (user_id) DO UPDATE").
			Set("key_id = EXCLUDED.key_id").Set("sealed = EXCLUDED.sealed").Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("usermgmt: set bank account: %w", err)
		}
		if actor == nil {
			return nil
		}
		_, err := s.RecordAudit(ctx, tx, AuditEntry{OperatorID: actor, UserID: &userID, Action: ActionBankAccountSet, Fields: []string{"bank_account"}})
		return err
	})
}

// bankSecret is what the sealed record holds.
type bankSecret struct {
	Holder string `json:"h"`
	IBAN   string `json:"i"`
	BIC    string `json:"b"`
}

// GetBankAccount reads a user's bank account for an operator holding
// PermReadUsers. It is masked (holder initials, IBAN country code and last
// 4) unless reveal is true, which needs PermReadPersonalData and is
// audited. Returns ErrNotFound when the user has no bank account.
func (s *Service) GetBankAccount(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, reveal bool) (*BankAccount, error) {
	var out *BankAccount
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		perm := PermReadUsers
		if reveal {
			perm = PermReadPersonalData
		}
		if _, err := s.Authorize(ctx, tx, actor, perm); err != nil {
			return err
		}
		acct, err := s.readBankAccount(ctx, tx, userID)
		if err != nil {
			return err
		}
		if reveal {
			_, err = s.RecordAudit(ctx, tx, AuditEntry{OperatorID: &actor, UserID: &userID, Action: ActionBankAccountReveal, Fields: []string{"bank_account"}})
			out = acct
			return err
		}
		acct.mask()
		out = acct
		return nil
	})
	return out, err
}

// mask hides the holder (initials) and the IBAN (country code and last
// 4), and sets Masked.
func (a *BankAccount) mask() {
	a.IBAN, a.Holder, a.Masked = MaskIBAN(a.IBAN), maskHolder(a.Holder), true
}

// GetOwnBankAccount reads the user's own bank account in clear (front
// office). Under an impersonation (ctx carries an Impersonator) it is
// masked unless the operator holds PermReadPersonalData, and a clear view
// is audited (ActionPersonalDataView). Returns ErrNotFound when there is
// none, or a *PermissionError for an impersonating operator who may no
// longer impersonate.
func (s *Service) GetOwnBankAccount(ctx context.Context, db bun.IDB, userID uuid.UUID) (*BankAccount, error) {
	acct, err := s.readBankAccount(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if imp, ok := ImpersonatorFrom(ctx); ok {
		clear, err := s.impersonatorView(ctx, db, imp, userID, "bank_account")
		if err != nil {
			return nil, err
		}
		if !clear {
			acct.mask()
		}
	}
	return acct, nil
}

func (s *Service) readBankAccount(ctx context.Context, db bun.IDB, userID uuid.UUID) (*BankAccount, error) {
	row := new(bankAccountRow)
	err := db.NewSelect().Model(row).Where("user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("usermgmt: get bank account: %w", err)
	}
	return s.openBankAccount(userID, row.KeyID, row.Sealed, row.UpdatedAt)
}

// openBankAccount opens the sealed record of userID's bank account.
func (s *Service) openBankAccount(userID uuid.UUID, keyID string, sealed []byte, updatedAt time.Time) (*BankAccount, error) {
	if s.bankKeys == nil {
		return nil, ErrNoBankKey
	}
	plain, err := s.bankKeys.open(userID, keyID, sealed)
	if err != nil {
		return nil, err
	}
	var sec bankSecret
	if err := json.Unmarshal(plain, &sec); err != nil {
		return nil, fmt.Errorf("usermgmt: get bank account: %w", err)
	}
	return &BankAccount{Holder: sec.Holder, IBAN: sec.IBAN, BIC: sec.BIC, KeyID: keyID, UpdatedAt: updatedAt.UTC()}, nil
}

// SetPSPDetails records what the payment service provider reports about a
// user. The host calls it from its PSP webhook; it checks no permission.
// Returns ErrNotFound, or a *ValidationError for an empty provider.
func (s *Service) SetPSPDetails(ctx context.Context, db bun.IDB, userID uuid.UUID, psp PSPDetails) error {
	psp.Provider, psp.AccountID = strings.TrimSpace(psp.Provider), strings.TrimSpace(psp.AccountID)
	if psp.Provider == "" || len(psp.Provider) > 64 {
		return invalid("provider", "required", "is required (at most 64 characters)")
	}
	if len(psp.AccountID) > 255 {
		return invalid("account_id", "max", "must be at most 255 long")
	}
	now := s.clock()
	psp.UpdatedAt = &now
	res, err := db.NewUpdate().Model((*User)(nil)).
		Set("psp_provider = ?", psp.Provider).Set("psp_account_id = ?", psp.AccountID).
		Set("psp_can_be_paid = ?", psp.CanBePaid).Set("psp_can_be_paid_out = ?", psp.CanBePaidOut).
		Set("psp_updated_at = ?", now).
		Where("id = ?", userID).Where("deleted_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: set psp details: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
