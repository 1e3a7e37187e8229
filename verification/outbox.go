package verification

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Channel is how a message travels.
type Channel string

// The channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// MessageStatus is where a message is in its delivery.
type MessageStatus string

// The delivery states.
const (
	// StatusPending: queued, not sent yet (or to be tried again).
	StatusPending MessageStatus = "pending"
	// StatusSending: a Deliver call claimed it and is sending it.
	StatusSending MessageStatus = "sending"
	// StatusSent: the sender accepted it.
	StatusSent MessageStatus = "sent"
	// StatusFailed: it could not be sent; LastError says why.
	StatusFailed MessageStatus = "failed"
)

// Message is one queued email or SMS of the outbox. The outbox is written
// in the transaction of the change a message announces, so that a message
// exists exactly when its change does; Deliver sends it afterwards.
type Message struct {
	bun.BaseModel `bun:"table:userdesk_verification_messages"`

	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// UserID is the account the message is about; nil for an address
	// without an account.
	UserID  *uuid.UUID  `bun:"user_id,type:uuid" json:"user_id"`
	Channel Channel     `bun:"channel,notnull" json:"channel"`
	Kind    MessageKind `bun:"kind,notnull" json:"kind"`
	// To is the email address or the E.164 number.
	To       string `bun:"recipient,notnull" json:"to"`
	Language string `bun:"language,notnull" json:"language"`
	Subject  string `bun:"subject,notnull" json:"subject"`
	// Text and HTML are the bodies; they are erased after delivery unless
	// Config.KeepSentBodies.
	Text          string        `bun:"text_body,notnull" json:"text"`
	HTML          string        `bun:"html_body,notnull" json:"html"`
	Status        MessageStatus `bun:"status,notnull" json:"status"`
	Attempts      int           `bun:"attempts,notnull" json:"attempts"`
	NextAttemptAt time.Time     `bun:"next_attempt_at,notnull" json:"next_attempt_at"`
	LastError     string        `bun:"last_error,notnull" json:"last_error"`
	CreatedAt     time.Time     `bun:"created_at,notnull" json:"created_at"`
	SentAt        *time.Time    `bun:"sent_at" json:"sent_at"`
}

// compose renders kind for lang and queues it to to on tx. validMinutes
// fills TemplateData.Valid.
func (s *Service) compose(ctx context.Context, tx bun.IDB, userID *uuid.UUID, ch Channel, kind MessageKind, to, lang string, data TemplateData, validMinutes int) error {
	used, _ := s.templates.resolve(lang, kind)
	data.Platform = s.cfg.PlatformName
	if validMinutes > 0 {
		data.Valid = validFor(used, validMinutes)
	}
	r, err := s.templates.render(lang, kind, data)
	if err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("verification: message id: %w", err)
	}
	now := s.now()
	m := &Message{ID: id, UserID: userID, Channel: ch, Kind: kind, To: to, Language: r.Language, Subject: r.Subject,
		Text: r.Text, HTML: r.HTML, Status: StatusPending, NextAttemptAt: now, CreatedAt: now}
	if ch == ChannelSMS {
		m.Subject, m.HTML = "", ""
	}
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("verification: queue message: %w", err)
	}
	s.log.InfoContext(ctx, "verification: message queued", "message_id", id, "kind", kind, "channel", ch)
	return nil
}

// link builds the URL of a message kind around a token.
func (s *Service) link(kind MessageKind, token string) string {
	if s.cfg.LinkURL != nil {
		return s.cfg.LinkURL(kind, token)
	}
	path := map[MessageKind]string{
		KindEmailVerification: "/verify-email", KindEmailChange: "/confirm-email-change", KindPasswordReset: "/reset-password",
	}[kind]
	return s.cfg.BaseURL + path + "?token=" + token
}

// OutboxFilter selects messages of the outbox.
type OutboxFilter struct {
	// To keeps the messages to this address or number (compared without
	// regard to letter case); empty keeps all.
	To string
	// UserID keeps the messages about this user; nil keeps all.
	UserID *uuid.UUID
	// Limit is the number of messages, newest first, 1–500; zero means 50.
	Limit int
}

// Outbox lists queued and sent messages, newest first: the development
// mailbox of the reference server and what tests read links and codes
// from. It shows live links and codes until they are delivered (and after
// when Config.KeepSentBodies): expose it to developers only, never in
// production. Returns a *usermgmt.ValidationError for a bad limit.
func (s *Service) Outbox(ctx context.Context, db bun.IDB, f OutboxFilter) ([]Message, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 500 {
		return nil, invalid("limit", "range", "must be between 1 and 500")
	}
	var out []Message
	q := db.NewSelect().Model(&out).OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.To != "" {
		q = q.Where("lower(recipient) = ?", strings.ToLower(strings.TrimSpace(f.To)))
	}
	if f.UserID != nil {
		q = q.Where("user_id = ?", *f.UserID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("verification: outbox: %w", err)
	}
	for i := range out {
		out[i].CreatedAt, out[i].NextAttemptAt = out[i].CreatedAt.UTC(), out[i].NextAttemptAt.UTC()
	}
	return out, nil
}

// claimLease is how long a Deliver call owns a message it claimed; a
// message left in StatusSending longer (its worker died) is claimed again.
const claimLease = 5 * time.Minute

// DeliveryReport counts what one Deliver call did.
type DeliveryReport struct {
	Sent, Retried, Failed int
}

// Deliver sends up to limit due messages (1–1000; zero means 100) through
// Config.Mailer and Config.SMS, oldest first, and returns what it did.
// Each message is claimed with a conditional update first, so that any
// number of replicas may run Deliver at once and a message goes out once.
// A failed send is tried again later (1, 2, 4, … minutes, at most
// DeliveryAttempts times); a permanent failure (ErrPermanent) is final.
// Messages of a channel without a sender stay pending (development).
// Call it from a loop or a job; it returns an error only when the
// database fails.
func (s *Service) Deliver(ctx context.Context, db bun.IDB, limit int) (DeliveryReport, error) {
	var rep DeliveryReport
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return rep, invalid("limit", "range", "must be between 1 and 1000")
	}
	var channels []Channel
	if s.cfg.Mailer != nil {
		channels = append(channels, ChannelEmail)
	}
	if s.cfg.SMS != nil {
		channels = append(channels, ChannelSMS)
	}
	if len(channels) == 0 {
		return rep, nil
	}
	now := s.now()
	var due []Message
	err := db.NewSelect().Model(&due).
		Where("channel IN (?)", bun.List(channels)).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = ? AND next_attempt_at <= ?", StatusPending, now).
				WhereOr("status = ? AND next_attempt_at <= ?", StatusSending, now.Add(-claimLease))
		}).
		OrderExpr("next_attempt_at, id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return rep, fmt.Errorf("verification: due messages: %w", err)
	}
	for i := range due {
		m := &due[i]
		res, err := db.NewUpdate().Model((*Message)(nil)).Set("status = ?", StatusSending).Set("next_attempt_at = ?", now).
			Where("id = ?", m.ID).Where("status = ?", m.Status).Where("next_attempt_at = ?", m.NextAttemptAt).Exec(ctx)
		if err != nil {
			return rep, fmt.Errorf("verification: claim message: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another worker has it
		}
		sendErr := s.send(ctx, m)
		m.Attempts++
		upd := db.NewUpdate().Model((*Message)(nil)).Where("id = ?", m.ID).Set("attempts = ?", m.Attempts)
		switch {
		case sendErr == nil:
			rep.Sent++
			upd = upd.Set("status = ?", StatusSent).Set("sent_at = ?", s.now()).Set("last_error = ''")
			if !s.cfg.KeepSentBodies {
				upd = upd.Set("text_body = ''").Set("html_body = ''")
			}
			s.log.InfoContext(ctx, "verification: message sent", "message_id", m.ID, "kind", m.Kind, "channel", m.Channel)
		case permanent(sendErr) || m.Attempts >= s.cfg.DeliveryAttempts:
			rep.Failed++
			upd = upd.Set("status = ?", StatusFailed).Set("last_error = ?", truncate(sendErr.Error(), 500))
			s.log.WarnContext(ctx, "verification: message failed", "message_id", m.ID, "kind", m.Kind, "channel", m.Channel, "error", sendErr)
		default:
			rep.Retried++
			backoff := time.Minute << min(m.Attempts-1, 6)
			upd = upd.Set("status = ?", StatusPending).Set("next_attempt_at = ?", s.now().Add(backoff)).
				Set("last_error = ?", truncate(sendErr.Error(), 500))
			s.log.WarnContext(ctx, "verification: message will be retried", "message_id", m.ID, "kind", m.Kind, "channel", m.Channel, "error", sendErr)
		}
		if _, err := upd.Exec(ctx); err != nil {
			return rep, fmt.Errorf("verification: record delivery: %w", err)
		}
	}
	return rep, nil
}

func (s *Service) send(ctx context.Context, m *Message) error {
	if m.Channel == ChannelSMS {
		return s.cfg.SMS.Send(ctx, SMS{To: m.To, Text: m.Text, ID: m.ID.String()})
	}
	return s.cfg.Mailer.Send(ctx, Email{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Language: m.Language, ID: m.ID.String()})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RunDelivery calls Deliver every interval (zero means 5 seconds), and at
// once whenever a batch came back full, until ctx ends; then it returns
// ctx's error. A database error is logged and the loop goes on. Run it in
// a goroutine of every replica (claims keep a message to one sender).
func (s *Service) RunDelivery(ctx context.Context, db bun.IDB, interval time.Duration) error {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	const batch = 100
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := s.Deliver(ctx, db, batch)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "verification: delivery", "error", err)
		}
		if rep.Sent+rep.Retried+rep.Failed == batch {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
