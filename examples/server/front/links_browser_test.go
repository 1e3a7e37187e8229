package front_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/internal/browsertest"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/verification"
)

// browse runs steps with a timeout in a fresh browser context (its own
// cookies), failing the test on error.
func browse(t *testing.T, bctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// TestVerificationLinksInBrowser follows an emailed reset link and a
// verification link in headless Chromium: the pages work without script
// under the front office's CSP, and the forms post the token.
func TestVerificationLinksInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newLinkEnv(t, db)
		ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil { // opens the tab, for the test's lifetime
			t.Fatal(err)
		}
		if err := e.v.SendEmailVerification(t.Context(), db, e.user.ID, verification.Client{}); err != nil {
			t.Fatal(err)
		}
		link := e.link(t, e.user.Email, verification.KindEmailVerification, front.VerifyEmailPath)
		browse(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("link-submit")),
			chromedp.Click(chromedp.ID("link-submit")), chromedp.WaitVisible(chromedp.ID("link-done")))
		if !e.own(t).Verifications.Email.Verified {
			t.Error("not verified after the click")
		}
		// Back and again: the used link is refused in words.
		browse(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("link-submit")),
			chromedp.Click(chromedp.ID("link-submit")), chromedp.WaitVisible(chromedp.ID("link-again")))

		if err := e.v.RequestPasswordReset(t.Context(), db, e.user.Email, verification.Client{}); err != nil {
			t.Fatal(err)
		}
		link = e.link(t, e.user.Email, verification.KindPasswordReset, front.ResetPasswordPath)
		const pw = "typed in a browser 42"
		browse(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("password")),
			chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("password_confirmation"), pw+kb.Enter),
			chromedp.WaitVisible(chromedp.ID("link-sign-in")))
		if _, err := e.users.Authenticate(t.Context(), db, e.user.Email, pw); err != nil {
			t.Errorf("the password typed in the browser: %v", err)
		}
	})
}
