package ui_test

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/userdesk/userdesk/internal/browsertest"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

// axeSource is axe-core (npm, MPL-2.0, testdata/axe/LICENSE), injected
// into each screen for the accessibility check.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// screenshotDir receives a PNG of each screen; it is git-ignored.
const screenshotDir = "screenshots"

// stepTimeout bounds one browser step, so that a broken page fails the
// test instead of hanging it.
const stepTimeout = 30 * time.Second

// newBrowser starts one headless Chromium for the test, kept off the
// network, with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, chromedp.WindowSize(1440, 1000))
}

// tab opens a tab in its own browser context (its own cookies), as one
// operator's browser.
func tab(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// run runs browser steps with a timeout, failing the test on error.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser step failed at %s: %v", loc, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// waitFor waits until the JavaScript condition holds on the page.
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	var err error
	for {
		// A navigation while polling (the condition is often "the next
		// page is there") destroys the polling script: poll again.
		if _, err = chromedp.Run(sctx, chromedp.Poll[bool](`document.readyState === "complete" && (`+cond+`)`)); err == nil || sctx.Err() != nil ||
			!(strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "context was destroyed") || strings.Contains(err.Error(), "Cannot find context")) {
			break
		}
	}
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ""`))
		t.Fatalf("waiting for %s at %s: %v\npage: %s", cond, loc, err, body)
	}
}

// setField sets an input's value as typing would, input event included.
func setField(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, value))
}

// shot writes a full-page PNG of the screen.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkA11y runs axe-core on the current page and fails on any serious or
// critical violation; it also writes the screenshot.
func checkA11y(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot(t, ctx, name)
	eval[bool](t, ctx, axeSource+";true")
	vs := eval[[]axeViolation](t, ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))`)
	for _, v := range vs {
		t.Errorf("%s: accessibility %s violation %s (%s) at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
	}
}

// signIn logs op in through the login form.
func signIn(t *testing.T, ctx context.Context, f *fixture, op *usermgmt.Operator, screenshot bool) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(f.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("email")))
	if screenshot {
		checkA11y(t, ctx, "01-login")
	}
	run(t, ctx,
		chromedp.SendKeys(chromedp.ID("email"), op.Email),
		chromedp.SendKeys(chromedp.ID("password"), usermgmttest.OperatorPassword+kb.Enter))
	waitFor(t, ctx, `!!document.querySelector("table#users")`)
}

// rowNames are the names of the users list's rows, in order.
func rowNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#users td.name")).map(e => e.textContent.trim())`)
}

// TestBrowser drives the back office in headless Chromium: one browser
// for the whole test binary, one browser context per operator.
func TestBrowser(t *testing.T) {
	bctx := newBrowser(t)
	f := newFixture(t, dbtest.SQLite(t))
	admin := tab(t, bctx)

	t.Run("log in with a wrong password, then the right one", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), f.admin.Email),
			chromedp.SendKeys(chromedp.ID("password"), "not the password"+kb.Enter))
		waitFor(t, admin, `!!document.getElementById("login-error")`)
		checkA11y(t, admin, "01-login-error")
		signIn(t, admin, f, f.admin, true)
		checkA11y(t, admin, "02-users")
	})
	if !eval[bool](t, admin, `!!document.querySelector("table#users")`) {
		t.Fatal("not signed in: the other steps cannot run")
	}
	t.Run("search with Enter", func(t *testing.T) {
		run(t, admin, chromedp.SendKeys(chromedp.ID("q"), "orsted"+kb.Enter))
		waitFor(t, admin, `location.search.includes("q=orsted")`)
		if got := rowNames(t, admin); len(got) != 1 || got[0] != "Zoé Ørsted" {
			t.Errorf("rows %v, want Zoé Ørsted alone", got)
		}
	})
	t.Run("filter and sort", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("f-lang")))
		setField(t, admin, "#f-lang", "de")
		setField(t, admin, "#f-sort", "name")
		setField(t, admin, "#f-dir", "asc")
		run(t, admin, chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
		waitFor(t, admin, `location.search.includes("lang=de")`)
		got := rowNames(t, admin)
		want := []string{"Chloé Bernard", "Emma Durand", "Adam Martin"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("German speakers A to Z: %v, want %v", got, want)
		}
		checkA11y(t, admin, "03-users-filtered")
	})
	t.Run("keyset pages and the count", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users?sort=name&dir=asc&limit=3"), chromedp.WaitVisible(chromedp.ID("next-page")))
		first := rowNames(t, admin)
		run(t, admin, chromedp.Click(chromedp.ID("next-page")))
		waitFor(t, admin, `location.search.includes("cursor=")`)
		second := rowNames(t, admin)
		if strings.Join(first, "|") != "Chloé Bernard|Béatrice Dupont|Emma Durand" || strings.Join(second, "|") != "Fabien Leroy|Adam Martin|Zoé Ørsted" {
			t.Errorf("pages %v then %v", first, second)
		}
		run(t, admin, chromedp.Click(chromedp.ID("count-link")))
		waitFor(t, admin, `!!document.getElementById("count")`)
		if c := eval[string](t, admin, `document.getElementById("count").textContent`); c != "7 users match" {
			t.Errorf("count %q", c)
		}
	})
	t.Run("export the current search as CSV and Excel", func(t *testing.T) {
		dir := t.TempDir()
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users?lang=de"), chromedp.WaitVisible(chromedp.CSS("details.exports summary")),
			chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
					Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true),
					BrowserContextID: chromedp.FromContext(admin).BrowserContextID})
				return err
			}))
		for _, format := range []string{"CSV", "Excel"} {
			progress := chromedp.Events(admin, browser.DownloadProgress)
			run(t, admin, chromedp.Click(chromedp.CSS("details.exports summary")))
			run(t, admin, chromedp.Click(chromedp.Search(fmt.Sprintf(`//details[contains(@class,"exports")]//a[text()=%q]`, format))))
			var file string
			for ev, err := range progress {
				if err != nil {
					t.Fatal(err)
				}
				if ev.State == browser.DownloadProgressStateCompleted {
					file = filepath.Join(dir, ev.GUID)
					break
				}
				if ev.State == browser.DownloadProgressStateCanceled {
					t.Fatalf("%s download cancelled", format)
				}
			}
			var rows [][]string
			if format == "CSV" {
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if rows, err = csv.NewReader(strings.NewReader(string(b))).ReadAll(); err != nil {
					t.Fatal(err)
				}
			} else {
				x, err := excelize.OpenFile(file)
				if err != nil {
					t.Fatalf("open the Excel export: %v", err)
				}
				rows, err = x.GetRows(x.GetSheetName(0))
				x.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(rows) != 4 || !strings.Contains(strings.Join(rows[1], " ")+strings.Join(rows[2], " ")+strings.Join(rows[3], " "), "Martin") {
				t.Errorf("%s export: %d rows %v, want the header and the 3 German speakers", format, len(rows), rows)
			}
		}
		if msg := eval[string](t, admin, `document.querySelector(".export-progress").textContent`); !strings.Contains(msg, "Preparing") {
			t.Errorf("export progress %q", msg)
		}
	})
	t.Run("change a status from the list", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users?q=dupont"), chromedp.WaitVisible(chromedp.CSS("details.status-menu summary")),
			chromedp.Click(chromedp.CSS("details.status-menu summary")))
		id := f.people[2].ID.String()
		setField(t, admin, "#st-"+id, "in_review")
		run(t, admin, chromedp.SendKeys(chromedp.ID("sr-"+id), "ticket 31: documents missing"),
			chromedp.Click(chromedp.CSS(`details.status-menu button[type=submit]`)))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("status was changed")`)
		if s := eval[string](t, admin, `document.querySelector("details.status-menu summary").textContent`); s != "In review" {
			t.Errorf("row status %q", s)
		}
		got, _ := f.users.GetUser(t.Context(), f.db, f.admin.ID, f.people[2].ID)
		if got.Status != usermgmt.StatusInReview {
			t.Errorf("stored status %s", got.Status)
		}
	})
	t.Run("column chooser, remembered", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("details.columns summary")),
			chromedp.Click(chromedp.CSS("details.columns summary")),
			chromedp.Click(chromedp.CSS(`input[data-column="Phone"]`)))
		phoneHidden := `Array.from(document.querySelectorAll("#users th")).find(th => th.textContent.trim() === "Phone").hidden`
		waitFor(t, admin, phoneHidden)
		run(t, admin, chromedp.Reload())
		waitFor(t, admin, `!!document.querySelector("details.columns") && `+phoneHidden)
		run(t, admin, chromedp.Click(chromedp.CSS("details.columns summary")), chromedp.Click(chromedp.CSS(`input[data-column="Phone"]`)))
		waitFor(t, admin, `!(`+phoneHidden+`)`)
	})
	t.Run("keyboard: / j Enter ?", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users?sort=name&dir=asc"), chromedp.WaitVisible(chromedp.ID("users")),
			chromedp.KeyEvent("?"))
		waitFor(t, admin, `document.getElementById("help").open`)
		run(t, admin, chromedp.KeyEvent(kb.Escape))
		waitFor(t, admin, `!document.getElementById("help").open`)
		run(t, admin, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
		waitFor(t, admin, `document.activeElement.classList.contains("pen") && document.querySelectorAll("tr.selected").length === 1`)
		run(t, admin, chromedp.KeyEvent(kb.Enter))
		waitFor(t, admin, `!!document.getElementById("presentation")`)
		if h := eval[string](t, admin, `document.querySelector("h1").textContent`); !strings.Contains(h, "Béatrice Dupont") {
			t.Errorf("Enter on the second row opened %q", h)
		}
		run(t, admin, chromedp.KeyEvent("/"))
		waitFor(t, admin, `document.activeElement.id === "q"`)
	})
	detail := f.srv.URL + "/admin/users/" + f.people[0].ID.String()
	t.Run("open the detail with the pen", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users?q=orsted"), chromedp.WaitVisible(chromedp.CSS("a.pen")),
			chromedp.Click(chromedp.CSS("a.pen")))
		waitFor(t, admin, `!!document.getElementById("presentation")`)
		for _, card := range []string{"presentation", "identity", "bank", "psp", "guests", "summary", "status", "impersonate", "password", "fees", "categories", "verifications", "delete", "audit"} {
			if !eval[bool](t, admin, fmt.Sprintf(`!!document.getElementById(%q)`, card)) {
				t.Errorf("card %s missing", card)
			}
		}
		checkA11y(t, admin, "04-detail")
	})
	t.Run("fees: empty versus 0 and the live quote", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("asker_percent")))
		// Standard: asker 3% + 1.00, offeror 10%; the sample price is 100.
		waitFor(t, admin, `document.querySelector('#quote [data-q=customer]').textContent === "104.00"`)
		setField(t, admin, "#asker_fixed", "0")
		waitFor(t, admin, `document.querySelector('#quote [data-q=customer]') && document.querySelector('#quote [data-q=customer]').textContent === "103.00"`)
		setField(t, admin, "#offeror_percent", "5")
		waitFor(t, admin, `document.querySelector('#quote [data-q=vendor]') && document.querySelector('#quote [data-q=vendor]').textContent === "95.00"`)
		setField(t, admin, "#asker_percent", "abc")
		waitFor(t, admin, `document.querySelector('#quote').textContent.includes("No quote: Fee as asker (%)")`)
		setField(t, admin, "#asker_percent", "")
		waitFor(t, admin, `document.querySelector('#quote [data-q=customer]') && document.querySelector('#quote [data-q=customer]').textContent === "103.00"`)
		checkA11y(t, admin, "05-detail-fees-quote")
		run(t, admin, chromedp.Click(chromedp.CSS(`#fees button[type=submit]`)))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("fees were saved")`)
		vals := eval[[]string](t, admin, `["asker_percent","asker_fixed","offeror_percent","offeror_fixed"].map(id => document.getElementById(id).value)`)
		if strings.Join(vals, "|") != "|0|5|" {
			t.Errorf("fee fields after save %q, want empty, 0, 5, empty", vals)
		}
		uf, err := f.users.GetUserFees(t.Context(), f.db, f.admin.ID, f.people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if uf.Override.AskerPercent.Valid || !uf.Override.AskerFixed.Valid || uf.Mode != "customized" {
			t.Errorf("stored %+v", uf)
		}
		run(t, admin, chromedp.Click(chromedp.ID("use_standard")))
		waitFor(t, admin, `document.querySelector('#quote [data-q=customer]') && document.querySelector('#quote [data-q=customer]').textContent === "104.00"`)
	})
	t.Run("set a password", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("pw")),
			chromedp.SendKeys(chromedp.ID("pw"), "a long enough passphrase"),
			chromedp.SendKeys(chromedp.ID("pw2"), "a long enough passphrase"),
			chromedp.Click(chromedp.CSS(`#password button[type=submit]`)))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("password was set")`)
		if _, err := f.users.Authenticate(t.Context(), f.db, f.people[0].Email, "a long enough passphrase"); err != nil {
			t.Errorf("the password set in the browser does not work: %v", err)
		}
	})
	t.Run("send a reset link and record ID evidence", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("send-reset")),
			chromedp.Click(chromedp.ID("send-reset")))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("reset link was sent")`)
		ms, err := f.verify.Outbox(t.Context(), f.db, verification.OutboxFilter{To: f.people[0].Email})
		if err != nil || len(ms) != 1 || ms[0].Kind != verification.KindPasswordReset {
			t.Fatalf("outbox after the button: %v %v", ms, err)
		}
		// A decision without a reason is refused in the card (the
		// browser's own check is taken off to reach the server's).
		run(t, admin, chromedp.Navigate(detail+"#verifications"), chromedp.WaitVisible(chromedp.ID("id-save")))
		eval[bool](t, admin, `document.getElementById("id-reason").removeAttribute("required"); true`)
		run(t, admin, chromedp.SendKeys(chromedp.ID("id-reference"), "KYC-77"), chromedp.Click(chromedp.ID("id-save")))
		waitFor(t, admin, `!!document.querySelector("#verifications .card-error, #verifications [role=alert]") && document.getElementById("id-reference").value === "KYC-77"`)
		run(t, admin, chromedp.SendKeys(chromedp.ID("id-reason"), "passport checked on a video call"), chromedp.Click(chromedp.ID("id-save")))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("decision was recorded")`)
		ev := eval[string](t, admin, `document.getElementById("id-evidence").textContent`)
		if !strings.Contains(ev, "passport checked on a video call") || !strings.Contains(ev, "KYC-77") || !strings.Contains(ev, "operator") {
			t.Errorf("evidence table: %q", ev)
		}
		if a := eval[string](t, admin, `document.getElementById("audit").textContent`); !strings.Contains(a, "ID verification recorded") || !strings.Contains(a, "Reset link sent") {
			t.Errorf("audit trail: %.300s", a)
		}
		if !eval[bool](t, admin, `document.querySelector("input[name=id_verified]").checked && document.querySelector("input[name=id_decision][value=not_verified]").checked`) {
			t.Error("after the decision the ID checkbox is not ticked, or the form does not offer to clear it")
		}
		checkA11y(t, admin, "11-detail-id-evidence")
		recs, err := f.verify.IDVerificationHistory(t.Context(), f.db, f.admin.ID, f.people[0].ID)
		if err != nil || len(recs) != 1 || recs[0].Reference != "KYC-77" || recs[0].OperatorID == nil || *recs[0].OperatorID != f.admin.ID {
			t.Fatalf("stored evidence: %+v %v", recs, err)
		}
	})
	t.Run("reveal the bank account as finance, refused as support", func(t *testing.T) {
		finance := tab(t, bctx)
		signIn(t, finance, f, f.finance, false)
		run(t, finance, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("reveal")))
		if iban := eval[string](t, finance, `document.getElementById("bank-iban").textContent`); iban != "FR ••• 0189" {
			t.Errorf("masked IBAN %q", iban)
		}
		run(t, finance, chromedp.Click(chromedp.ID("reveal")))
		waitFor(t, finance, `document.getElementById("bank-iban").textContent === "FR7630006000011234567890189"`)
		checkA11y(t, finance, "06-detail-bank-revealed")

		support := tab(t, bctx)
		signIn(t, support, f, f.support, false)
		run(t, support, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("reveal-none")))
		if eval[bool](t, support, `!!document.getElementById("reveal")`) {
			t.Error("support is offered the reveal button")
		}
		refusal := eval[string](t, support, fmt.Sprintf(`fetch(%q, {method: "POST"}).then(r => r.status + " " + r.statusText).then(async s => s + " " + (await (await fetch(%q, {method: "POST"})).text()))`, detail+"/bank/reveal", detail+"/bank/reveal"))
		if !strings.HasPrefix(refusal, "403") || !strings.Contains(refusal, "You are not allowed") || strings.Contains(refusal, "FR76300060000112") {
			t.Errorf("support's reveal: %.200q", refusal)
		}
		if msk := eval[string](t, support, `document.querySelector("#identity dd:nth-of-type(8)").textContent`); msk == f.people[0].Email {
			t.Error("support sees the email in clear")
		}
	})
	t.Run("impersonate with a reason, edit in the front office, end it", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("imp-reason")),
			chromedp.SendKeys(chromedp.ID("imp-reason"), "ticket 88: cannot see her listing"),
			chromedp.Click(chromedp.CSS(`#impersonate input[value=full]`)))
		setField(t, admin, "#imp-landing", "identity")
		run(t, admin, chromedp.Click(chromedp.ID("imp-go")))
		waitFor(t, admin, `location.pathname === "/app/identity" && !!document.getElementById("impersonation-banner")`)
		banner := eval[[]string](t, admin, `["imp-user","imp-scope","imp-reason"].map(id => document.getElementById(id).textContent)`)
		if banner[0] != "Zoé Ørsted" || !strings.HasPrefix(banner[1], "full") || banner[2] != "ticket 88: cannot see her listing" {
			t.Errorf("banner %q", banner)
		}
		if !eval[bool](t, admin, `document.cookie === ""`) {
			t.Error("the impersonation cookie is readable by script")
		}
		checkA11y(t, admin, "11-front-identity-impersonated")
		setField(t, admin, "#phone", "+33612345678")
		run(t, admin, chromedp.Click(chromedp.ID("save")))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("identity was saved")`)
		got, err := f.users.GetUser(t.Context(), f.db, f.admin.ID, f.people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "+33612345678" || got.Email != f.people[0].Email {
			t.Errorf("stored phone %q email %q", got.Phone, got.Email)
		}
		run(t, admin, chromedp.Navigate(f.srv.URL+"/app/bank-account"), chromedp.WaitVisible(chromedp.ID("bank-iban")))
		checkA11y(t, admin, "12-front-bank-impersonated")
		run(t, admin, chromedp.Click(chromedp.ID("imp-end")))
		waitFor(t, admin, `!!document.getElementById("back-to-user")`)
		checkA11y(t, admin, "13-front-impersonation-ended")
		active, _, err := f.imp.ListActive(t.Context(), f.db, f.admin.ID, impersonation.ListFilter{UserID: &f.people[0].ID})
		if err != nil || len(active) != 0 {
			t.Errorf("after the end: %d live impersonations (%v), want 0", len(active), err)
		}
		run(t, admin, chromedp.Navigate(f.srv.URL+"/app/identity"))
		waitFor(t, admin, `location.pathname === "/app/login"`)
		run(t, admin, chromedp.Navigate(detail+"#audit"), chromedp.WaitVisible(chromedp.ID("audit")))
		if a := eval[string](t, admin, `document.getElementById("audit").textContent`); !strings.Contains(a, "Impersonation started") || !strings.Contains(a, "ticket 88") {
			t.Errorf("audit trail lacks the impersonation: %.300s", a)
		}
	})
	t.Run("read-only impersonation as support: masked, changes refused", func(t *testing.T) {
		support := tab(t, bctx)
		signIn(t, support, f, f.support, false)
		run(t, support, chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.ID("imp-reason")),
			chromedp.SendKeys(chromedp.ID("imp-reason"), "ticket 90: payout question"))
		setField(t, support, "#imp-landing", "bank_account")
		run(t, support, chromedp.Click(chromedp.ID("imp-go")))
		waitFor(t, support, `location.pathname === "/app/bank-account" && !!document.getElementById("impersonation-banner")`)
		if sc := eval[string](t, support, `document.getElementById("imp-scope").textContent`); sc != "read only" {
			t.Errorf("scope %q", sc)
		}
		if iban := eval[string](t, support, `document.getElementById("bank-iban").textContent`); iban != "FR ••• 0189" {
			t.Errorf("support sees the IBAN %q", iban)
		}
		run(t, support, chromedp.SendKeys(chromedp.ID("holder"), "Someone Else"),
			chromedp.SendKeys(chromedp.ID("iban"), "DE89370400440532013000"), chromedp.Click(chromedp.ID("save")))
		waitFor(t, support, `!!document.querySelector(".error") && document.querySelector(".error").textContent.includes("read only")`)
		run(t, support, chromedp.Click(chromedp.ID("imp-end")))
		waitFor(t, support, `!!document.getElementById("back-to-user")`)
		run(t, support, chromedp.Click(chromedp.ID("back-to-user")))
		waitFor(t, support, `!!document.getElementById("presentation")`)
	})
	t.Run("the user's own login", func(t *testing.T) {
		user := tab(t, bctx)
		run(t, user, chromedp.Navigate(f.srv.URL+"/app/presentation"), chromedp.WaitVisible(chromedp.ID("email")))
		checkA11y(t, user, "14-front-login")
		run(t, user, chromedp.SendKeys(chromedp.ID("email"), f.people[1].Email),
			chromedp.SendKeys(chromedp.ID("password"), usermgmttest.Registration().Password+kb.Enter))
		waitFor(t, user, `location.pathname === "/app/" && !document.getElementById("impersonation-banner")`)
		run(t, user, chromedp.Navigate(f.srv.URL+"/app/presentation"), chromedp.WaitVisible(chromedp.ID("spoken_languages")))
		setField(t, user, "#spoken_languages", "de, fr")
		run(t, user, chromedp.Click(chromedp.ID("save")))
		waitFor(t, user, `!!document.querySelector(".flash")`)
		checkA11y(t, user, "15-front-presentation")
		got, err := f.users.GetUser(t.Context(), f.db, f.admin.ID, f.people[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.SpokenLanguages, ",") != "de,fr" {
			t.Errorf("spoken languages %v", got.SpokenLanguages)
		}
	})
	t.Run("public profile, settings and an error page", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(detail+"/public"), chromedp.WaitVisible(chromedp.ID("pp-title")))
		checkA11y(t, admin, "07-public-profile")
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/settings"), chromedp.WaitVisible(chromedp.ID("s-ap")))
		checkA11y(t, admin, "08-settings")
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/operators"), chromedp.WaitVisible(chromedp.ID("operators")))
		checkA11y(t, admin, "10-operators")
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users/00000000-0000-7000-8000-000000000000"), chromedp.WaitVisible(chromedp.CSS(".error")))
		checkA11y(t, admin, "09-error")
	})
	t.Run("log out", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("form.logout button")),
			chromedp.Click(chromedp.CSS("form.logout button")))
		waitFor(t, admin, `!!document.getElementById("email")`)
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users"))
		waitFor(t, admin, `!!document.getElementById("email")`)
	})
}

func ptr[T any](v T) *T { return &v }
