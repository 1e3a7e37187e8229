package usermgmt

import (
	"bufio"
	"context"
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Password rules (NIST SP 800-63B): at least MinPasswordLength characters
// (Unicode code points), at most MaxPasswordBytes bytes, no composition
// rules, any characters; passphrases of PassphraseLength characters and
// more are accepted whatever they hold; shorter ones must not be on the
// list of common passwords.
const (
	MinPasswordLength = 8
	PassphraseLength  = 64
	MaxPasswordBytes  = 1024
)

//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords returns a fresh set of the built-in common passwords.
func commonPasswords() map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if p := strings.TrimSpace(sc.Text()); p != "" {
			set[strings.ToLower(p)] = true
		}
	}
	return set
}

// CheckPassword applies the password rules to p and returns a
// *ValidationError on field for a password they refuse.
func (s *Service) CheckPassword(field, p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return invalid(field, "utf8", "must be valid UTF-8 text")
	case n < MinPasswordLength:
		return invalid(field, "min", "must be at least 8 characters long")
	case len(p) > MaxPasswordBytes:
		return invalid(field, "max", "must be at most 1024 bytes long")
	case n >= PassphraseLength:
		return nil
	case s.isCommon(p):
		return invalid(field, "common_password", "is too common: choose a password that is not on lists of common passwords")
	}
	return nil
}

// isCommon reports whether p is a listed password, or one character
// repeated, or a run of consecutive digits or letters.
func (s *Service) isCommon(p string) bool {
	lower := strings.ToLower(p)
	if s.denylist[lower] {
		return true
	}
	first, _ := utf8.DecodeRuneInString(lower)
	if strings.Trim(lower, string(first)) == "" {
		return true
	}
	const runs = "0123456789 abcdefghijklmnopqrstuvwxyz 9876543210 zyxwvutsrqponmlkjihgfedcba"
	return strings.Contains(runs, lower)
}

// PasswordChange is an operator's new password for a user.
type PasswordChange struct {
	Password     string `json:"password"`
	Confirmation string `json:"confirmation"`
	// Temporary, true unless set to false, makes the user choose a new
	// password at the next login: the operator knows this one (OWASP ASVS
	// 6.4.6 warns against operator-known passwords).
	Temporary *bool `json:"temporary"`
}

// PasswordSet tells a PasswordHook that an operator set a password.
type PasswordSet struct {
	UserID     uuid.UUID
	OperatorID uuid.UUID
	Temporary  bool
}

// PasswordHook is called inside the transaction of SetPassword, so that
// the host can tell the user (an email through its outbox, for example).
// It never receives the password. An error aborts the change.
type PasswordHook func(ctx context.Context, tx bun.IDB, e PasswordSet) error

// OnPasswordSet registers a hook; hooks run in registration order.
func (s *Service) OnPasswordSet(h PasswordHook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.passwordHooks = append(s.passwordHooks, h)
}

// SetPassword sets a user's password on behalf of an operator holding
// PermSetPassword (for a user who lost access to their email). The
// confirmation must match and the password pass CheckPassword. The change
// is audited (never the password) and the password hooks are called.
//
// With [IfVersion] the change happens only at the version the operator
// read, and is one version.
//
// Returns a *PermissionError, ErrNotFound, ErrStaleVersion, or a
// *ValidationError naming password or confirmation.
func (s *Service) SetPassword(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, pc PasswordChange, opts ...WriteOption) error {
	wo := collectWriteOptions(opts)
	if err := s.CheckPassword("password", pc.Password); err != nil {
		return err
	}
	if pc.Confirmation != pc.Password {
		return invalid("confirmation", "eqfield", "must match the password")
	}
	temporary := pc.Temporary == nil || *pc.Temporary
	hash, err := s.hasher.Hash(ctx, pc.Password)
	if err != nil {
		return err
	}
	s.hooksMu.RLock()
	hooks := append([]PasswordHook(nil), s.passwordHooks...)
	s.hooksMu.RUnlock()
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermSetPassword)
		if err != nil {
			return err
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		expect, err := wo.expect(u)
		if err != nil {
			return err
		}
		u.PasswordHash, u.PasswordTemporary, u.UpdatedAt = hash, temporary, s.clock()
		if err := updateUserColumns(ctx, tx, u, expect, "password_hash", "password_temporary"); err != nil {
			return err
		}
		wo.report(u.Version)
		if _, err := s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &userID, Action: ActionPasswordSet, Fields: []string{"password"},
			After: map[string]any{"temporary": temporary},
		}); err != nil {
			return err
		}
		for _, h := range hooks {
			if err := h(ctx, tx, PasswordSet{UserID: userID, OperatorID: op.ID, Temporary: temporary}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ChangeOwnPassword lets a logged-in user replace their password, giving
// the current one; it clears the temporary flag. Never under an
// impersonation, whatever its scope: an operator must not choose a user's
// password that way (ErrUnderImpersonation). Returns
// ErrInvalidCredentials for a wrong current password, ErrNotFound, or a
// *ValidationError naming new_password.
func (s *Service) ChangeOwnPassword(ctx context.Context, db bun.IDB, userID uuid.UUID, current, next string) error {
	if err := NotImpersonated(ctx); err != nil {
		return err
	}
	if err := s.CheckPassword("new_password", next); err != nil {
		return err
	}
	u, err := getLiveUser(ctx, db, userID)
	if err != nil {
		return err
	}
	if _, err := s.hasher.Verify(ctx, current, u.PasswordHash); err != nil {
		return ErrInvalidCredentials
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u.PasswordHash, u.PasswordTemporary, u.UpdatedAt = hash, false, s.clock()
		return updateUserColumns(ctx, tx, u, u.Version, "password_hash", "password_temporary")
	})
}
