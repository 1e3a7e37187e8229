package impersonation_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// TestConcurrentIssueAndVerify issues and verifies from many goroutines
// (run it with -race), and has many goroutines race to first-use one
// token: exactly one first use is recorded.
func TestConcurrentIssueAndVerify(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		users := []uuid.UUID{e.user(t), e.user(t), e.user(t)}
		ops := []uuid.UUID{e.support, e.support2, e.admin}
		shared := e.issue(t, e.admin, users[0], impersonation.ScopeFull)

		const workers, rounds = 8, 6
		var wg sync.WaitGroup
		errs := make(chan error, workers*(rounds+1))
		start := make(chan struct{})
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := e.imp.Verify(e.ctx, db, shared.Token); err != nil {
					errs <- fmt.Errorf("shared token: %w", err)
				}
				for r := range rounds {
					op, user := ops[(w+r)%len(ops)], users[(w*r)%len(users)]
					is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{
						OperatorID: op, UserID: user, Reason: fmt.Sprintf("worker %d round %d", w, r),
					})
					if err != nil {
						errs <- fmt.Errorf("issue: %w", err)
						continue
					}
					imp, err := e.imp.Verify(e.ctx, db, is.Token)
					switch {
					case err != nil:
						errs <- fmt.Errorf("verify: %w", err)
					case imp.UserID != user || imp.OperatorID != op || imp.TokenID != is.Record.ID:
						errs <- fmt.Errorf("verify: got %+v", imp)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens"); n != workers*rounds+1 {
			t.Fatalf("%d records, want %d", n, workers*rounds+1)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_audit_log WHERE action = ?", impersonation.ActionIssue); n != workers*rounds+1 {
			t.Fatalf("%d issue audit records", n)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_audit_log WHERE action = ?", impersonation.ActionFirstUse); n != workers*rounds+1 {
			t.Fatalf("%d first-use audit records, want one per token", n)
		}
		if n := e.audits(t, impersonation.ActionFirstUse, shared.Record.ID); n != 1 {
			t.Fatalf("the shared token's first use was recorded %d times", n)
		}
	})
}
