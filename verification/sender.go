package verification

import (
	"context"
	"errors"
)

// Email is one email to send.
type Email struct {
	// To is the recipient's address.
	To string
	// Subject, Text and HTML are the rendered message; HTML may be empty.
	Subject string
	Text    string
	HTML    string
	// Language is the BCP 47 tag of the message (Content-Language).
	Language string
	// ID is the outbox message's id, stable across retries: a sender may
	// use it as an idempotency key or in the Message-ID.
	ID string
}

// Mailer sends emails. Implementations: SMTPMailer; a host may bring its
// own (an email API). Send must be safe for concurrent use and must never
// log the body (it holds live links).
type Mailer interface {
	Send(ctx context.Context, m Email) error
}

// SMS is one text message to send.
type SMS struct {
	// To is the number in E.164 form.
	To string
	// Text is the body.
	Text string
	// ID is the outbox message's id, stable across retries.
	ID string
}

// SMSSender sends text messages. Implementation: HTTPSMSSender (Twilio's
// Messages API shape). Send must be safe for concurrent use and never log
// the text (it holds a live code).
type SMSSender interface {
	Send(ctx context.Context, m SMS) error
}

// ErrPermanent marks a sending error that retrying cannot fix (a refused
// recipient, bad credentials): Deliver marks the message failed at once
// instead of trying again later. Senders wrap it, or return an error with
// a Permanent() bool method.
var ErrPermanent = errors.New("verification: permanent delivery failure")

// permanent reports whether a send error is not worth retrying.
func permanent(err error) bool {
	if errors.Is(err, ErrPermanent) {
		return true
	}
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
