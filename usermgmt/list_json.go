package usermgmt

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// AppendJSON appends to b the JSON encoding of p: byte for byte what
// json.Marshal(p) produces (a test compares the two on generated pages,
// including strings that need escaping and invalid UTF-8), without
// reflection. A users-list page is the largest answer the back office
// sends on every click, and encoding/json spent about a fifth of the
// server's CPU per page on it, most of that in re-validating what
// time.Time's MarshalJSON wrote (BENCHMARKS.md, issue 18). It returns an
// error where json.Marshal would: a time outside the years 0–9999.
func (p ListPage) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"items":`...)
	if p.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = p.Items[i].AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendJSONString(b, p.NextCursor)
	return append(b, '}'), nil
}

// AppendJSON appends to b the JSON encoding of r, as json.Marshal(r)
// writes it (see [ListPage.AppendJSON]).
func (r *ListRow) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONUUID(b, r.ID)
	b = append(b, `,"picture_url":`...)
	b = appendJSONString(b, r.PictureURL)
	b = append(b, `,"first_name":`...)
	b = appendJSONString(b, r.FirstName)
	b = append(b, `,"last_name":`...)
	b = appendJSONString(b, r.LastName)
	b = append(b, `,"full_name":`...)
	b = appendJSONString(b, r.FullName)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, r.Email)
	b = append(b, `,"phone":`...)
	b = appendJSONString(b, r.Phone)
	b = append(b, `,"masked":`...)
	b = strconv.AppendBool(b, r.Masked)
	b = append(b, `,"preferred_language":`...)
	b = appendJSONString(b, r.PreferredLanguage)
	b = append(b, `,"timezone":`...)
	b = appendJSONString(b, r.Timezone)
	b = append(b, `,"fees":`...)
	b = appendJSONString(b, string(r.Fees))
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(r.Status))
	var err error
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, r.CreatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, r.UpdatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"asker_bookings":`...)
	b = strconv.AppendInt(b, r.AskerBookings, 10)
	b = append(b, `,"offeror_bookings":`...)
	b = strconv.AppendInt(b, r.OfferorBookings, 10)
	b = append(b, `,"listings":`...)
	b = strconv.AppendInt(b, r.Listings, 10)
	return append(b, '}'), nil
}

// appendJSONUUID appends id as uuid.UUID's MarshalText writes it, quoted.
func appendJSONUUID(b []byte, id uuid.UUID) []byte {
	var buf [38]byte
	buf[0], buf[37] = '"', '"'
	hex.Encode(buf[1:9], id[0:4])
	buf[9] = '-'
	hex.Encode(buf[10:14], id[4:6])
	buf[14] = '-'
	hex.Encode(buf[15:19], id[6:8])
	buf[19] = '-'
	hex.Encode(buf[20:24], id[8:10])
	buf[24] = '-'
	hex.Encode(buf[25:37], id[10:16])
	return append(b, buf[:]...)
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it (RFC 3339
// with the fraction of a second trimmed of trailing zeros, quoted), and
// fails where it fails (a year outside 0–9999, an offset of 24 hours or
// more).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("usermgmt: encode time: %w", err)
	}
	return append(b, '"'), nil
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are (with
// its HTML escaping, json.Marshal's default: not <, > or &).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s quoted and escaped as json.Marshal escapes
// it: \" \\ \b \f \n \r \t, other control characters and <, >, & as
// \u00XX, U+2028 and U+2029 as \u2028 and \u2029, each invalid UTF-8
// byte as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
