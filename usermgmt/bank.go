package usermgmt

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// BankKeyring holds the AES-256 keys that seal bank details at rest. New
// records are sealed with the current key; records sealed with an older key
// still open as long as that key stays in the ring, so keys rotate without
// re-encrypting everything at once. The host supplies the keys (from its
// secret store); they never touch the database.
type BankKeyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewBankKeyring returns a key ring sealing with keys[current]. Each key
// must be 32 bytes (AES-256); key IDs are short names such as "2026-11".
func NewBankKeyring(current string, keys map[string][]byte) (*BankKeyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("usermgmt: bank keyring: current key %q not in the ring", current)
	}
	r := &BankKeyring{current: current, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if id == "" || len(id) > 64 {
			return nil, fmt.Errorf("usermgmt: bank keyring: key id %q must be 1-64 bytes", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("usermgmt: bank keyring: key %q is %d bytes, want 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("usermgmt: bank keyring: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("usermgmt: bank keyring: %w", err)
		}
		r.aeads[id] = aead
	}
	return r, nil
}

// seal encrypts plain with the current key; the user ID is bound as
// additional data, so a sealed record copied onto another user won't open.
func (r *BankKeyring) seal(userID uuid.UUID, plain []byte) (keyID string, sealed []byte, err error) {
	aead := r.aeads[r.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("usermgmt: bank seal: %w", err)
	}
	return r.current, aead.Seal(nonce, nonce, plain, userID[:]), nil
}

func (r *BankKeyring) open(userID uuid.UUID, keyID string, sealed []byte) ([]byte, error) {
	aead, ok := r.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w: key %q", ErrNoBankKey, keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("usermgmt: bank open: sealed record too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], userID[:])
	if err != nil {
		return nil, fmt.Errorf("usermgmt: bank open: %w", err)
	}
	return plain, nil
}

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
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

var (
	ibanShape = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
	bicShape  = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
)

// NormalizeIBAN removes spaces and dashes and upper-cases.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
}

// ValidIBAN reports whether s (in electronic form, see NormalizeIBAN) is an
// IBAN of a registry country with the right length and a valid ISO 7064
// mod 97-10 checksum.
func ValidIBAN(s string) bool {
	if !ibanShape.MatchString(s) {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; !ok || n != len(s) {
		return false
	}
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&digits, "%d", r-'A'+10)
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// MaskIBAN keeps the country code and the last 4 characters:
// "FR7630006000011234567890189" becomes "FR ••• 0189".
func MaskIBAN(iban string) string {
	if len(iban) < 8 {
		return "•••"
	}
	return iban[:2] + " ••• " + iban[len(iban)-4:]
}

// maskHolder keeps the first letter of each word.
func maskHolder(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r := []rune(w)
		words[i] = string(r[0]) + "•••"
	}
	return strings.Join(words, " ")
}

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
// SetBankAccount without the permission check and the audit record.
func (s *Service) SetOwnBankAccount(ctx context.Context, db bun.IDB, userID uuid.UUID, in BankAccount) error {
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
		acct.IBAN, acct.Holder, acct.Masked = MaskIBAN(acct.IBAN), maskHolder(acct.Holder), true
		out = acct
		return nil
	})
	return out, err
}

// GetOwnBankAccount reads the user's own bank account in clear (front
// office). Returns ErrNotFound when there is none.
func (s *Service) GetOwnBankAccount(ctx context.Context, db bun.IDB, userID uuid.UUID) (*BankAccount, error) {
	return s.readBankAccount(ctx, db, userID)
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
	if s.bankKeys == nil {
		return nil, ErrNoBankKey
	}
	plain, err := s.bankKeys.open(userID, row.KeyID, row.Sealed)
	if err != nil {
		return nil, err
	}
	var sec bankSecret
	if err := json.Unmarshal(plain, &sec); err != nil {
		return nil, fmt.Errorf("usermgmt: get bank account: %w", err)
	}
	return &BankAccount{Holder: sec.Holder, IBAN: sec.IBAN, BIC: sec.BIC, KeyID: row.KeyID, UpdatedAt: row.UpdatedAt.UTC()}, nil
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
