package sevenrooms_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
)

// FuzzWebhookBody feeds authentic (correctly signed, fresh) deliveries
// with arbitrary bodies to HandleWebhook: it never panics, and answers
// nil or ErrWebhookBody (or ErrWebhookReplay for a body seen before),
// never a database error; a delivery with a wrong signature is refused
// whatever its body.
func FuzzWebhookBody(f *testing.F) {
	for _, s := range []string{`{"entity_type":"client","event_type":"deleted","entity":{"id":"x"}}`,
		`{"entity_type":"client","event_type":"updated","entity":{"id":"x","first_name":"Ca\u0000mille","email":"c@example.com"}}`,
		`{"entity_type":"client","event_type":"updated","entity":{}}`, `{"entity_type":"reservation","event_type":"created"}`,
		`{}`, `[]`, `null`, ``, `{"entity_type":"client","event_type":"deleted","entity":"x"}`} {
		f.Add([]byte(s))
	}
	db := dbtest.SQLite(f)
	w := newWorld(f, db)
	f.Fuzz(func(t *testing.T, body []byte) {
		now := w.clock.Now().Unix()
		h := http.Header{}
		h.Set(sevenrooms.HeaderTimestamp, strconv.FormatInt(now, 10))
		h.Set(sevenrooms.HeaderSignature, "0"+sevenrooms.SignWebhook(webhookSecret, now, body)[1:])
		if err := w.svc.HandleWebhook(t.Context(), db, h, body); !errors.Is(err, sevenrooms.ErrWebhookUnauthentic) {
			if sevenrooms.SignWebhook(webhookSecret, now, body)[0] != '0' {
				t.Fatalf("wrong signature: %v", err)
			}
		}
		h.Set(sevenrooms.HeaderSignature, sevenrooms.SignWebhook(webhookSecret, now, body))
		err := w.svc.HandleWebhook(t.Context(), db, h, body)
		if err != nil && !errors.Is(err, sevenrooms.ErrWebhookBody) && !errors.Is(err, sevenrooms.ErrWebhookReplay) {
			t.Fatalf("%q: %v", body, err)
		}
	})
}
