// Package examples holds runnable programs that show userdesk at work; it
// has no code of its own.
//
//   - examples/server is the reference HTTP server: `go run ./examples/server`
//     starts it on an embedded SQLite database with nothing to install.
package examples
