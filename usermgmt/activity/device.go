package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Audit actions and event types written by this package.
const (
	// ActionDeviceRevoke: an operator or the user revoked a device.
	ActionDeviceRevoke = "user.device_revoke"
)

// maxPushTokenLen bounds a push token, in bytes (APNs and FCM tokens are
// far shorter).
const maxPushTokenLen = 4096

// DevicesShown bounds the devices card: the most recently seen first.
const DevicesShown = 100

func checkSighting(in *DeviceSighting) error {
	v := &usermgmt.ValidationError{}
	if in.UserID == uuid.Nil {
		v.Add("user_id", "required", "is required")
	}
	if strings.TrimSpace(in.DeviceID) == "" {
		v.Add("device_id", "required", "is required")
	} else if len(in.DeviceID) > usermgmt.MaxDeviceIDLength {
		v.Add("device_id", "max", fmt.Sprintf("must be at most %d bytes", usermgmt.MaxDeviceIDLength))
	}
	ok := false
	for _, k := range DeviceKinds() {
		ok = ok || k == in.Kind
	}
	if !ok {
		v.Add("kind", "oneof", "must be ios, android, web, whatsapp, messenger, telegram or other")
	}
	for name, val := range map[string]string{"os_name": in.OSName, "os_version": in.OSVersion, "model": in.Model,
		"app_version": in.AppVersion, "app_build": in.AppBuild, "bot_version": in.BotVersion} {
		if len(val) > maxShortLen {
			v.Add(name, "max", fmt.Sprintf("must be at most %d bytes", maxShortLen))
		}
	}
	if in.PushToken != nil && len(*in.PushToken) > maxPushTokenLen {
		v.Add("push_token", "max", fmt.Sprintf("must be at most %d bytes", maxPushTokenLen))
	}
	return v.Err()
}

// RecordDevice upserts a device at login or app start, in one statement
// (safe under concurrent calls for the same device): the first sighting
// creates it, later ones update its description and LastSeenAt (never
// backwards: an older sighting leaves LastSeenAt alone). A sighting of a
// revoked device brings it back (a new login on it is legitimate: its
// sessions were ended at revocation). The push token changes only when
// PushToken is given. Returns the device, a *usermgmt.ValidationError, or
// usermgmt.ErrNotFound for an unknown or erased user.
func (s *Service) RecordDevice(ctx context.Context, db bun.IDB, in DeviceSighting) (*Device, error) {
	if err := checkSighting(&in); err != nil {
		return nil, err
	}
	seen := s.clock()
	if !in.SeenAt.IsZero() {
		seen = stamp(in.SeenAt)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("activity: new id: %w", err)
	}
	row := &Device{
		ID: id, UserID: in.UserID, DeviceID: in.DeviceID, Kind: in.Kind, OSName: in.OSName, OSVersion: in.OSVersion,
		Model: in.Model, AppVersion: in.AppVersion, AppBuild: in.AppBuild, BotVersion: in.BotVersion,
		FirstSeenAt: seen, LastSeenAt: seen,
	}
	token := ""
	if in.PushToken != nil {
		token = *in.PushToken
	}
	var out Device
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.liveUser(ctx, tx, in.UserID); err != nil {
			return err
		}
		// A sighting older than the stored one updates nothing but
		// FirstSeenAt: the newest sighting describes the device.
		newer := "EXCLUDED.last_seen_at >= d.last_seen_at"
		q := tx.NewInsert().Model(row).ModelTableExpr("userdesk_devices AS d").Value("push_token", "?", token).
			On("CONFLICT (user_id, device_id) DO UPDATE").
			Set("first_seen_at = CASE WHEN EXCLUDED.first_seen_at < d.first_seen_at THEN EXCLUDED.first_seen_at ELSE d.first_seen_at END")
		for _, c := range []string{"kind", "os_name", "os_version", "model", "app_version", "app_build", "bot_version", "last_seen_at"} {
			q = q.Set(fmt.Sprintf("%s = CASE WHEN %s THEN EXCLUDED.%s ELSE d.%s END", c, newer, c, c))
		}
		q = q.Set("revoked_at = CASE WHEN " + newer + " THEN NULL ELSE d.revoked_at END").
			Set("revoked_by = CASE WHEN " + newer + " THEN NULL ELSE d.revoked_by END")
		if in.PushToken != nil {
			q = q.Set("push_token = CASE WHEN " + newer + " THEN EXCLUDED.push_token ELSE d.push_token END")
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("activity: record device: %w", err)
		}
		d, err := s.device(ctx, tx, in.UserID, in.DeviceID)
		if err != nil {
			return err
		}
		out = *d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) device(ctx context.Context, db bun.IDB, userID uuid.UUID, deviceID string) (*Device, error) {
	d := new(Device)
	err := db.NewSelect().Model(d).
		Column("id", "user_id", "device_id", "kind", "os_name", "os_version", "model", "app_version", "app_build", "bot_version",
			"first_seen_at", "last_seen_at", "revoked_at", "revoked_by").
		ColumnExpr("(device.push_token <> '') AS has_push_token").
		Where("user_id = ?", userID).Where("device_id = ?", deviceID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("activity: read device: %w", err)
	}
	d.Outdated = s.outdated(d.AppVersion)
	return d, nil
}

// UserDevices returns the devices linked to a user's account, for an
// operator holding PermReadActivity: the current device first, then the
// previous ones, most recently seen first (at most DevicesShown). Returns
// a *usermgmt.PermissionError, or usermgmt.ErrNotFound for an unknown or
// erased user.
func (s *Service) UserDevices(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) ([]Device, error) {
	if _, err := s.users.Authorize(ctx, db, actor, PermReadActivity); err != nil {
		return nil, err
	}
	return s.devices(ctx, db, userID, DevicesShown)
}

// OwnDevices is UserDevices for the user themself.
func (s *Service) OwnDevices(ctx context.Context, db bun.IDB, userID uuid.UUID) ([]Device, error) {
	return s.devices(ctx, db, userID, DevicesShown)
}

func (s *Service) devices(ctx context.Context, db bun.IDB, userID uuid.UUID, limit int) ([]Device, error) {
	if err := s.liveUser(ctx, db, userID); err != nil {
		return nil, err
	}
	var out []Device
	err := db.NewSelect().Model(&out).
		Column("id", "user_id", "device_id", "kind", "os_name", "os_version", "model", "app_version", "app_build", "bot_version",
			"first_seen_at", "last_seen_at", "revoked_at", "revoked_by").
		ColumnExpr("(device.push_token <> '') AS has_push_token").
		Where("user_id = ?", userID).
		// Not revoked first, so that the current device leads.
		OrderExpr("(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END), last_seen_at DESC, id DESC").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("activity: devices: %w", err)
	}
	for i := range out {
		out[i].Outdated = s.outdated(out[i].AppVersion)
		out[i].Current = i == 0 && out[i].RevokedAt == nil
	}
	if out == nil {
		out = []Device{}
	}
	return out, nil
}

// RevokeDevice revokes a user's device on behalf of an operator holding
// PermRevokeDevices, with a reason (required): in one transaction the
// device's sessions end (usermgmt.EndDeviceSessions), its push token is
// dropped, it is marked revoked (a previous device) and the audit log
// records it. Revoking a revoked device ends any session tied to it since
// and is otherwise a no-op. Returns the device, a
// *usermgmt.PermissionError, a *usermgmt.ValidationError naming reason,
// ErrNotFound for an unknown device, or usermgmt.ErrNotFound for an
// unknown or erased user.
func (s *Service) RevokeDevice(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, deviceID, reason string) (*Device, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, usermgmt.Invalid("reason", "required", "is required")
	}
	var out *Device
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.users.Authorize(ctx, tx, actor, PermRevokeDevices)
		if err != nil {
			return err
		}
		out, err = s.revoke(ctx, tx, &op.ID, userID, deviceID, reason)
		return err
	})
	return out, err
}

// RevokeOwnDevice is RevokeDevice for the user themself ("log out this
// phone"); the audit record has no operator. Never under an impersonation,
// whatever its scope (usermgmt.ErrUnderImpersonation, as for
// usermgmt.ChangeOwnPassword): an operator revokes a device with
// RevokeDevice, under their own name and with a reason.
func (s *Service) RevokeOwnDevice(ctx context.Context, db bun.IDB, userID uuid.UUID, deviceID string) (*Device, error) {
	if err := usermgmt.NotImpersonated(ctx); err != nil {
		return nil, err
	}
	var out *Device
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.revoke(ctx, tx, nil, userID, deviceID, "")
		return err
	})
	return out, err
}

func (s *Service) revoke(ctx context.Context, tx bun.IDB, operator *uuid.UUID, userID uuid.UUID, deviceID, reason string) (*Device, error) {
	if err := s.liveUser(ctx, tx, userID); err != nil {
		return nil, err
	}
	d, err := s.device(ctx, tx, userID, deviceID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	wasRevoked := d.RevokedAt != nil
	if !wasRevoked {
		if _, err := tx.NewUpdate().Model((*Device)(nil)).Set("revoked_at = ?", now).Set("revoked_by = ?", operator).
			Set("push_token = ''").Where("id = ?", d.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("activity: revoke device: %w", err)
		}
	}
	ended, err := s.users.EndDeviceSessions(ctx, tx, userID, deviceID)
	if err != nil {
		return nil, err
	}
	if wasRevoked && ended == 0 {
		return d, nil
	}
	by := "user"
	if operator != nil {
		by = "operator"
	}
	if _, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
		OperatorID: operator, UserID: &userID, Action: ActionDeviceRevoke, Reason: reason,
		Fields: []string{"device"},
		After:  map[string]any{"device": d.ID.String(), "kind": d.Kind, "sessions_ended": ended, "by": by},
	}); err != nil {
		return nil, err
	}
	return s.device(ctx, tx, userID, deviceID)
}

// PushTarget is where a push notification to one device goes.
type PushTarget struct {
	DeviceID string     `json:"-"`
	Kind     DeviceKind `json:"-"`
	Token    string     `json:"-"`
}

// PushTokens returns the push tokens of the user's devices that are not
// revoked, most recently seen first, for the host's push sender. It is
// the only read of push tokens (no card, no export includes them) and
// checks no operator permission: call it from the sending code only, never
// from a handler. Its JSON encoding is empty on purpose.
func (s *Service) PushTokens(ctx context.Context, db bun.IDB, userID uuid.UUID) ([]PushTarget, error) {
	var out []PushTarget
	err := db.NewSelect().Model((*Device)(nil)).Column("device_id", "kind").ColumnExpr("push_token AS token").
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Where("push_token <> ''").
		OrderExpr("last_seen_at DESC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("activity: push tokens: %w", err)
	}
	return out, nil
}
