package usermgmt

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Operator is a back-office account. Operators are not users: they have
// their own table, log in to the back office only, and act on users
// through the permissions of their roles.
type Operator struct {
	bun.BaseModel `bun:"table:userdesk_operators"`

	ID              uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	Name            string    `bun:"name,notnull" json:"name"`
	Email           string    `bun:"email,notnull" json:"email"`
	EmailNormalized string    `bun:"email_normalized,notnull" json:"-"`
	// PasswordHash is the argon2id hash in PHC form, never serialised.
	PasswordHash string `bun:"password_hash,notnull" json:"-"`
	// Active operators may act; deactivated ones are refused everything.
	Active bool `bun:"active,notnull" json:"active"`
	// Roles are role names: built-in (admin, support, finance) or the
	// host's own (Config.Roles).
	Roles     []OperatorRole `bun:"-" json:"roles"`
	CreatedAt time.Time      `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time      `bun:"updated_at,notnull" json:"updated_at"`
	Version   int64          `bun:"version,notnull" json:"version"`
}

type operatorRole struct {
	bun.BaseModel `bun:"table:userdesk_operator_roles"`
	OperatorID    uuid.UUID    `bun:"operator_id,pk,type:uuid"`
	Role          OperatorRole `bun:"role,pk"`
}

// NewOperator is what CreateOperator needs.
type NewOperator struct {
	Name     string         `json:"name" validate:"required,max=100"`
	Email    string         `json:"email" validate:"required,max=254,email"`
	Password string         `json:"password" validate:"required,min=12,max=1024"`
	Roles    []OperatorRole `json:"roles" validate:"required,min=1,unique,dive,required"`
}
