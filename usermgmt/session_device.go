package usermgmt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// MaxDeviceIDLength bounds the device id a session may be tied to, in
// bytes.
const MaxDeviceIDLength = 200

// checkDeviceID validates the device id of a device-bound session.
func checkDeviceID(deviceID string) error {
	switch {
	case strings.TrimSpace(deviceID) == "":
		return invalid("device_id", "required", "is required")
	case len(deviceID) > MaxDeviceIDLength:
		return invalid("device_id", "max", fmt.Sprintf("must be at most %d bytes", MaxDeviceIDLength))
	}
	return nil
}

// StartDeviceSession is StartSession for a user on a device: the session
// is tied to deviceID (the host's or the app's stable id of the device, as
// package usermgmt/activity records it), so that EndDeviceSessions can end
// it when the device is revoked. Returns a *ValidationError for a bad ttl
// or device id.
func (s *Service) StartDeviceSession(ctx context.Context, db bun.IDB, userID uuid.UUID, deviceID string, ttl time.Duration) (token string, expires time.Time, err error) {
	if err := checkDeviceID(deviceID); err != nil {
		return "", time.Time{}, err
	}
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		token, expires, err = s.StartSession(ctx, tx, UserSession, userID, ttl)
		if err != nil {
			return err
		}
		return setSessionDevice(ctx, tx, token, deviceID)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// TieSessionToDevice ties an existing live user session to deviceID (for
// an app that reports its device after login). Returns ErrSessionInvalid
// for an unknown, expired or ended session, or a *ValidationError for a
// bad device id.
func (s *Service) TieSessionToDevice(ctx context.Context, db bun.IDB, token, deviceID string) error {
	if err := checkDeviceID(deviceID); err != nil {
		return err
	}
	res, err := db.NewUpdate().Model((*sessionRow)(nil)).Set("device_id = ?", deviceID).
		Where("token_hash = ?", hashToken(token)).Where("kind = ?", UserSession).
		Where("expires_at > ?", s.clock()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: tie session to device: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrSessionInvalid
	}
	return nil
}

func setSessionDevice(ctx context.Context, db bun.IDB, token, deviceID string) error {
	if _, err := db.NewUpdate().Model((*sessionRow)(nil)).Set("device_id = ?", deviceID).
		Where("token_hash = ?", hashToken(token)).Exec(ctx); err != nil {
		return fmt.Errorf("usermgmt: tie session to device: %w", err)
	}
	return nil
}

// EndDeviceSessions ends every session of the user tied to deviceID, and
// returns how many ended. Sessions of the user on other devices, and
// sessions tied to no device, stay.
func (s *Service) EndDeviceSessions(ctx context.Context, db bun.IDB, userID uuid.UUID, deviceID string) (int64, error) {
	res, err := db.NewDelete().Model((*sessionRow)(nil)).Where("kind = ?", UserSession).
		Where("subject_id = ?", userID).Where("device_id = ?", deviceID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("usermgmt: end device sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
