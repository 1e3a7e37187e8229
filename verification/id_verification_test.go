package verification_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func TestIDVerification(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		support := usermgmtOperator(t, e, usermgmt.RoleSupport)
		finance := usermgmtOperator(t, e, usermgmt.RoleFinance)

		var v *usermgmt.ValidationError
		if _, err := e.v.SetIDVerification(e.ctx, db, support, u.ID, verification.IDEvidence{Verified: true, Reason: "  "}); !errors.As(err, &v) || !v.Has("reason") {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := e.v.SetIDVerification(e.ctx, db, finance, u.ID, verification.IDEvidence{Verified: true, Reason: "passport seen"}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		rec, err := e.v.SetIDVerification(e.ctx, db, support, u.ID, verification.IDEvidence{Verified: true, Reason: "passport checked on video call", Reference: "KYC-1042"})
		if err != nil {
			t.Fatal(err)
		}
		if rec.Source != verification.SourceOperator || rec.OperatorID == nil || *rec.OperatorID != support || rec.Reference != "KYC-1042" {
			t.Fatalf("record = %+v", rec)
		}
		flag := e.reload(u.ID).Verifications.ID
		if !flag.Verified || flag.By == nil || *flag.By != support {
			t.Fatalf("flag = %+v", flag)
		}

		if _, err := e.v.RecordProviderIDVerification(e.ctx, db, u.ID, verification.ProviderEvidence{Verified: false, Source: "operator"}); !errors.As(err, &v) || !v.Has("source") {
			t.Fatalf("reserved source: %v", err)
		}
		if _, err := e.v.RecordProviderIDVerification(e.ctx, db, u.ID, verification.ProviderEvidence{Verified: false, Source: "psp:mangopay", Reference: "evt_77", Reason: "KYC document refused"}); err != nil {
			t.Fatal(err)
		}
		flag = e.reload(u.ID).Verifications.ID
		if flag.Verified || !flag.BySystem() {
			t.Fatalf("flag after the PSP = %+v", flag)
		}

		if _, err := e.v.IDVerificationHistory(e.ctx, db, [16]byte{9}, u.ID); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("unknown operator: %v", err)
		}
		hist, err := e.v.IDVerificationHistory(e.ctx, db, finance, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Source != "psp:mangopay" || hist[0].OperatorID != nil || hist[1].Reason != "passport checked on video call" {
			t.Fatalf("history = %+v", hist)
		}
		var n int
		if err := db.NewRaw("SELECT count(*) FROM userdesk_audit_log WHERE action = ? AND user_id = ?", verification.ActionIDVerification, u.ID).Scan(e.ctx, &n); err != nil || n != 2 {
			t.Fatalf("audit records = %d, %v", n, err)
		}
		if !slices.Contains(e.auditActions(u.ID), verification.ActionIDVerification) {
			t.Fatal("not audited")
		}
	})
}
