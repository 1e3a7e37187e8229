// Package verification verifies what users claim about themselves: email
// verification links, SMS codes and identity documents, each through a
// sender or provider interface the host implements.
//
// It is not built yet; the package exists so the module's layout is the one
// the design fixes.
package verification
