package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/fees"
)

// writeJSON writes v as a JSON response with the given status. The body
// is encoded whole before the status line, so that an encoding error is
// still the handler's to answer, and it goes out with its Content-Length
// instead of chunked: a page of 50 users (about 24 KB) takes one write
// system call less, which on a loopback connection under load was a few
// percent of the server's CPU per page.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var b []byte
	var err error
	if a, ok := v.(jsonAppender); ok {
		b, err = a.AppendJSON(make([]byte, 0, 32<<10))
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// jsonAppender is a value that writes its own JSON, the bytes
// json.Marshal would write, faster (usermgmt.ListPage).
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// decodeJSON decodes exactly one JSON object from the body into v,
// refusing unknown fields, a null or empty body, and anything but an
// object. Its errors are problems naming the field.
func decodeJSON(r *http.Request, v any) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonProblem(err)
	}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return &badRequest{code: "invalid_body", detail: "request body is empty: a JSON object is required"}
	case trimmed[0] != '{':
		return &badRequest{code: "invalid_body", detail: "request body must be a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return &badRequest{code: "invalid_body", detail: "request body must hold a single JSON value"}
	}
	return nil
}

// jsonProblem describes a JSON decoding error, naming the field where
// encoding/json says which one.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var feesErr *fees.ValidationError
	switch {
	case errors.As(err, &feesErr):
		return feesErr // a fees decoder named the bad fields itself
	case errors.As(err, &tooBig):
		return errBodyTooLarge(tooBig.Limit)
	case errors.As(err, &syntax):
		return &badRequest{code: "invalid_body", detail: fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &badRequest{code: "validation_failed", detail: "a field has the wrong type", fields: []fieldProblem{{Name: field, Reason: "must be a JSON " + jsonKind(typ.Type.String())}}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &badRequest{code: "invalid_body", detail: "request body ends before the JSON does"}
	}
	if _, name, ok := strings.Cut(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &badRequest{code: "unknown_field", detail: "unknown field " + name, fields: []fieldProblem{{Name: name, Reason: "unknown field"}}}
	}
	return &badRequest{code: "invalid_body", detail: "invalid JSON body"}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, "Status") || strings.HasSuffix(goType, "Scope") || strings.HasSuffix(goType, "Landing"):
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case goType == "uuid.UUID":
		return "string holding a UUID"
	}
	return "value of another type (" + goType + ")"
}

// errBodyTooLarge is the 413 answer to a body over limit bytes.
func errBodyTooLarge(limit int64) error {
	return &badRequest{status: http.StatusRequestEntityTooLarge, code: "body_too_large", detail: fmt.Sprintf("request body exceeds %d bytes", limit)}
}

// pathUUID parses the {name} path value as a UUID in its canonical
// spelling (lowercase hyphenated, 36 characters). A malformed or
// non-canonical one (braces, urn:uuid:, upper case, no hyphens) is a 400
// naming the parameter, so that one resource never has several URLs.
func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	s := r.PathValue(name)
	id, err := uuid.Parse(s)
	if err != nil || id.String() != s {
		return uuid.Nil, &badRequest{code: "invalid_path_parameter", detail: name + " must be a UUID in canonical form (lowercase, hyphenated)",
			fields: []fieldProblem{{Name: name, Reason: "must be a UUID such as 0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e"}}}
	}
	return id, nil
}

// versionFromIfMatch takes the version from an If-Match header when the
// body gave none.
func versionFromIfMatch(r *http.Request, version *int64) error {
	h := strings.Trim(strings.TrimPrefix(r.Header.Get("If-Match"), "W/"), `"`)
	if h == "" || *version != 0 {
		return nil
	}
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		return &badRequest{code: "validation_failed", detail: "If-Match must hold the version", fields: []fieldProblem{{Name: "If-Match", Reason: "must be a version number"}}}
	}
	*version = v
	return nil
}

// intParam reads an optional integer query parameter.
func intParam(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &badRequest{code: "validation_failed", detail: name + " must be an integer", fields: []fieldProblem{{Name: name, Reason: "must be an integer"}}}
	}
	return n, nil
}

// etag sets the ETag of a versioned resource.
func etag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
}
