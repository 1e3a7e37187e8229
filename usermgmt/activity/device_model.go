package activity

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// DeviceKind is the kind of a device.
type DeviceKind string

// The device kinds.
const (
	DeviceIOS       DeviceKind = "ios"
	DeviceAndroid   DeviceKind = "android"
	DeviceWeb       DeviceKind = "web"
	DeviceWhatsApp  DeviceKind = "whatsapp"
	DeviceMessenger DeviceKind = "messenger"
	DeviceTelegram  DeviceKind = "telegram"
	DeviceOther     DeviceKind = "other"
)

// DeviceKinds lists every device kind.
func DeviceKinds() []DeviceKind {
	return []DeviceKind{DeviceIOS, DeviceAndroid, DeviceWeb, DeviceWhatsApp, DeviceMessenger, DeviceTelegram, DeviceOther}
}

// Device is a device linked to a user's account. Its push token is never
// part of it: the token is write-only (DeviceSighting.PushToken) and only
// HasPushToken tells whether one is held.
type Device struct {
	bun.BaseModel `bun:"table:userdesk_devices"`

	ID     uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// DeviceID is the app's or the bot platform's stable id of the device
	// (an install id, a WhatsApp number's hash); unique per user.
	DeviceID   string     `bun:"device_id,notnull" json:"device_id"`
	Kind       DeviceKind `bun:"kind,notnull" json:"kind"`
	OSName     string     `bun:"os_name,notnull" json:"os_name"`
	OSVersion  string     `bun:"os_version,notnull" json:"os_version"`
	Model      string     `bun:"model,notnull" json:"model"`
	AppVersion string     `bun:"app_version,notnull" json:"app_version"`
	AppBuild   string     `bun:"app_build,notnull" json:"app_build"`
	BotVersion string     `bun:"bot_version,notnull" json:"bot_version"`
	// HasPushToken is true when a push token is held.
	HasPushToken bool      `bun:"has_push_token,scanonly" json:"has_push_token"`
	FirstSeenAt  time.Time `bun:"first_seen_at,notnull" json:"first_seen_at"`
	LastSeenAt   time.Time `bun:"last_seen_at,notnull" json:"last_seen_at"`
	// RevokedAt is when an operator or the user revoked it; RevokedBy is
	// the operator (nil when the user did).
	RevokedAt *time.Time `bun:"revoked_at" json:"revoked_at,omitempty"`
	RevokedBy *uuid.UUID `bun:"revoked_by,type:uuid" json:"revoked_by,omitempty"`

	// Current is true for the one device seen most recently among those
	// not revoked; the others are previous (the greyed rows).
	Current bool `bun:"-" json:"current"`
	// Outdated is true when AppVersion is below Config.MinAppVersion.
	Outdated bool `bun:"-" json:"outdated"`
}

// DeviceSighting is what the app reports at login or app start.
type DeviceSighting struct {
	UserID     uuid.UUID
	DeviceID   string
	Kind       DeviceKind
	OSName     string
	OSVersion  string
	Model      string
	AppVersion string
	AppBuild   string
	BotVersion string
	// PushToken replaces the device's push token when not nil; a pointer
	// to "" drops it. It is write-only: no read returns it.
	PushToken *string
	// SeenAt is when the device was seen; zero means now.
	SeenAt time.Time
}

// parseVersion reads a dotted version ("1.10.2", "v2.3", "4.1.0-beta")
// as its leading numbers.
func parseVersion(v string) ([]int, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	if v == "" {
		return nil, fmt.Errorf("empty version")
	}
	parts := strings.Split(v, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("version %q: %q is not a number", v, p)
		}
		out[i] = n
	}
	return out, nil
}

// versionLess reports whether a < b, missing numbers counting as zero.
func versionLess(a, b []int) bool {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// outdated reports whether an app version is below the minimum. A device
// without an app version (a bot, the web) or with an unreadable one is
// not outdated.
func (s *Service) outdated(appVersion string) bool {
	if s.minApp == nil || appVersion == "" {
		return false
	}
	v, err := parseVersion(appVersion)
	return err == nil && versionLess(v, s.minApp)
}
