// Package sevenrooms links platform users to SevenRooms guest profiles:
// the API client, link parsing, link health, auto-link at login, and
// reconnect with a field-by-field merge and undo.
//
// # Ids and pasted links
//
// SevenRooms ids are App Engine urlsafe datastore keys; [DecodeKey] reads
// one without any network call, which tells production from demo (the
// application id) and the entity kind. [LinkParser] accepts a pasted
// manager profile URL (hosts and path patterns are configuration; query
// string and fragment are ignored) or a bare client id, and refuses other
// hosts, guest-facing booking pages, other manager pages, malformed ids,
// ids of the other environment and ids of other kinds, each with a message
// saying what was expected. It never fetches the pasted URL. The profile
// path and the client kind are assumptions (see API-NOTES.md, grade "?"):
// DefaultProfilePaths and DefaultClientKinds are configuration for that
// reason.
package sevenrooms
