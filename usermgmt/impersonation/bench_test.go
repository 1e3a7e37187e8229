package impersonation_test

import (
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// BenchmarkIssue issues one token per iteration on SQLite: the operator's
// permission check, the user's status, the record and its audit record in
// one transaction, and the Ed25519 signature.
func BenchmarkIssue(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	req := impersonation.IssueRequest{OperatorID: e.support, UserID: e.user(b), Reason: "benchmark", Scope: impersonation.ScopeFull}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.imp.Issue(e.ctx, e.db, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies one live, already used token per iteration on
// SQLite: format, key, signature, claims and times, then the revocation
// check (the token's record), the operator's standing and the user's
// status.
func BenchmarkVerify(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	is := e.issue(b, e.support, e.user(b), impersonation.ScopeFull)
	if _, err := e.imp.Verify(e.ctx, e.db, is.Token); err != nil { // first use
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.imp.Verify(e.ctx, e.db, is.Token); err != nil {
			b.Fatal(err)
		}
	}
}
