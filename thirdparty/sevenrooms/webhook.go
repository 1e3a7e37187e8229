package sevenrooms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/thirdparty"
)

// Webhook headers. How SevenRooms authenticates its deliveries is not
// documented publicly (API-NOTES.md grade "?"): this package ASSUMES an
// HMAC-SHA256, hex-encoded, of "<timestamp>.<body>" under a shared secret,
// a Unix timestamp, and a delivery id. A host whose account signs
// differently verifies the delivery itself and calls ProcessWebhook.
const (
	HeaderSignature = "X-SevenRooms-Signature"
	HeaderTimestamp = "X-SevenRooms-Timestamp"
	HeaderDelivery  = "X-SevenRooms-Delivery"
)

// maxWebhookBody bounds a delivery's body.
const maxWebhookBody = 1 << 20

// Webhook errors.
var (
	// ErrWebhookUnauthentic is returned when a delivery's signature or
	// timestamp is missing, wrong or outside the tolerance.
	ErrWebhookUnauthentic = errors.New("sevenrooms: webhook not authentic")
	// ErrWebhookReplay is returned when a delivery id was already accepted.
	ErrWebhookReplay = errors.New("sevenrooms: webhook replayed")
	// ErrWebhookBody is returned when an authentic delivery's body is not
	// a webhook event.
	ErrWebhookBody = errors.New("sevenrooms: webhook body is not an event")
)

// SignWebhook returns the signature of a delivery (see HeaderSignature).
func SignWebhook(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Event is a webhook delivery's body (API-NOTES.md, grade A).
type Event struct {
	EntityType string          `json:"entity_type"`
	EventType  string          `json:"event_type"`
	Entity     json.RawMessage `json:"entity"`
}

// WebhookHandler returns a handler for SevenRooms webhook deliveries: it
// verifies the delivery (HandleWebhook) and answers 204 when processed,
// 401 when not authentic, 409 for a replay, 400 for a bad body, 413 for a
// body over 1 MiB, 500 otherwise (SevenRooms then delivers again).
func (s *Service) WebhookHandler(db bun.IDB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if len(body) > maxWebhookBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		err = s.HandleWebhook(r.Context(), db, r.Header, body)
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.Is(err, ErrWebhookUnauthentic):
			http.Error(w, "not authentic", http.StatusUnauthorized)
		case errors.Is(err, ErrWebhookReplay):
			http.Error(w, "replayed delivery", http.StatusConflict)
		case errors.Is(err, ErrWebhookBody):
			http.Error(w, "not a webhook event", http.StatusBadRequest)
		default:
			s.log.Error("sevenrooms: webhook", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
}

// HandleWebhook verifies a delivery (signature under
// Config.WebhookSecret, timestamp within Config.WebhookTolerance, delivery
// id never seen) and processes it, in one transaction: a delivery that
// fails to process is not remembered, so its redelivery is processed.
//
// Returns ErrWebhookUnauthentic, ErrWebhookReplay, ErrWebhookBody, or a
// database error.
func (s *Service) HandleWebhook(ctx context.Context, db bun.IDB, h http.Header, body []byte) error {
	if s.cfg.WebhookSecret == "" {
		return ErrWebhookUnauthentic
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderTimestamp)), 10, 64)
	if err != nil {
		return ErrWebhookUnauthentic
	}
	now := s.now()
	if d := now.Sub(time.Unix(ts, 0)); d > s.cfg.WebhookTolerance || d < -s.cfg.WebhookTolerance {
		return ErrWebhookUnauthentic
	}
	want := SignWebhook(s.cfg.WebhookSecret, ts, body)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(strings.TrimSpace(h.Get(HeaderSignature))))) {
		return ErrWebhookUnauthentic
	}
	delivery := strings.TrimSpace(h.Get(HeaderDelivery))
	if delivery == "" || len(delivery) > 200 {
		delivery = "sig:" + want // the signature covers the timestamp: unique per delivery
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.EntityType == "" || ev.EventType == "" {
		return ErrWebhookBody
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Deliveries older than twice the tolerance can no longer pass the
		// timestamp check: forget them.
		if _, err := tx.NewDelete().Table("userdesk_sevenrooms_webhook_deliveries").
			Where("received_at < ?", now.Add(-2*s.cfg.WebhookTolerance)).Exec(ctx); err != nil {
			return errorf("webhook: %w", err)
		}
		if _, err := tx.NewRaw("INSERT INTO userdesk_sevenrooms_webhook_deliveries (delivery_id, received_at) VALUES (?, ?)", delivery, now).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return ErrWebhookReplay
			}
			return errorf("webhook: %w", err)
		}
		return s.ProcessWebhook(ctx, tx, ev)
	})
}

// ProcessWebhook applies an authentic event: a client deleted marks its
// link broken (deleted) at once, so the red link appears within seconds;
// a client updated refreshes the snapshot (or breaks the link when the
// profile now names another app user or is deleted). Other events are
// ignored. Returns ErrWebhookBody or a database error.
func (s *Service) ProcessWebhook(ctx context.Context, db bun.IDB, ev Event) error {
	if ev.EntityType != "client" || (ev.EventType != "deleted" && ev.EventType != "updated") {
		return nil
	}
	var p Profile
	// An id is printable text: a NUL byte or invalid UTF-8 (which no
	// SevenRooms id holds) is a bad body, not a database error.
	if err := json.Unmarshal(ev.Entity, &p); err != nil || p.ID == "" || !utf8.ValidString(p.ID) || strings.ContainsRune(p.ID, 0) {
		return ErrWebhookBody
	}
	l, err := thirdparty.FindByExternalID(ctx, db, Provider, string(s.env), p.ID)
	if errors.Is(err, thirdparty.ErrNotFound) {
		return nil // not one of ours
	}
	if err != nil {
		return err
	}
	v := verdict{status: thirdparty.StatusLinked, profile: &p}
	switch {
	case ev.EventType == "deleted" || p.IsDeleted():
		// The snapshot stays the last full profile seen: a deletion's
		// entity may carry little more than the id.
		v = verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonDeleted, detail: "deleted in SevenRooms (webhook)"}
	case p.ExternalUserID != "" && p.ExternalUserID != l.UserID.String():
		v = verdict{status: thirdparty.StatusBroken, reason: thirdparty.ReasonMergedElsewhere, detail: "the profile now belongs to another app user (webhook)", profile: &p}
	}
	_, err = s.record(ctx, db, l, v, nil, "webhook client "+ev.EventType)
	return err
}
