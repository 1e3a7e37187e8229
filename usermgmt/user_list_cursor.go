package usermgmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Cursors of the users list. A cursor is opaque to callers: base64url of a
// small JSON document holding the last row's sort key and UID, and a
// fingerprint of the query (keyword, filters, sort and direction) it was
// made for. Decoding checks everything, so a cursor that was forged,
// truncated, made by another version, or sent with a different query
// gets ErrInvalidCursor and never reaches the SQL. A cursor is not a
// secret and carries no personal data beyond the last row's sort key
// (for the alphabetical sort, the normalised name the operator just saw).

// maxCursorLen bounds what decodeCursor is willing to parse.
const maxCursorLen = 1024

// cursorVersion changes when the cursor format does; older cursors are
// then invalid.
const cursorVersion = 1

// cursorDoc is a cursor's content.
type cursorDoc struct {
	V  int    `json:"v"`
	Q  string `json:"q"`
	K  string `json:"k"`
	ID string `json:"i"`
}

// fingerprint identifies a validated query for its cursors: 96 bits of
// SHA-256 over its JSON form (Limit and Cursor excluded).
func fingerprint(q ListQuery) string {
	b, _ := json.Marshal(q) // a ListQuery always marshals
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// encodeCursor returns the cursor of the page after r.
func (lq *listQuery) encodeCursor(r listRecord) string {
	k := lq.keyOf(&r)
	doc := cursorDoc{V: cursorVersion, Q: lq.fp, ID: k.id.String(), K: k.s}
	if lq.q.Sort != SortName {
		doc.K = k.t.Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(doc)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor sets lq.after from cursor ("" for the first page). Returns
// ErrInvalidCursor.
func (lq *listQuery) decodeCursor(cursor string) error {
	if cursor == "" {
		return nil
	}
	if len(cursor) > maxCursorLen {
		return ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return ErrInvalidCursor
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc cursorDoc
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return ErrInvalidCursor
	}
	if doc.V != cursorVersion || doc.Q != lq.fp {
		return ErrInvalidCursor
	}
	id, err := uuid.Parse(doc.ID)
	if err != nil || len(doc.ID) != 36 {
		return ErrInvalidCursor
	}
	k := listKey{id: id}
	if lq.q.Sort == SortName {
		if len(doc.K) > 512 || !utf8.ValidString(doc.K) || strings.ContainsRune(doc.K, 0) {
			return ErrInvalidCursor
		}
		k.s = doc.K
	} else {
		t, err := time.Parse(time.RFC3339Nano, doc.K)
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			return ErrInvalidCursor
		}
		k.t = t.UTC()
	}
	lq.after = &k
	return nil
}
