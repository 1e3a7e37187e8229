// Package browsertest starts the headless Chromium that userdesk's browser
// tests drive (through chromedp): Debian's Chromium, or the binary named by
// USERDESK_CHROMIUM, with a fresh profile and kept off the network.
//
// Without a Chromium a test fails when USERDESK_REQUIRE_BROWSER=1 (CI sets
// it, and .ci/install-chromium.sh installs the browser) and is skipped with
// a message otherwise, so that `go test ./...` still runs on a machine
// without one.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium binary to run, failing or skipping t without
// one (see the package documentation).
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("USERDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("USERDESK_REQUIRE_BROWSER") == "1" {
		t.Fatal("Chromium is not installed and USERDESK_REQUIRE_BROWSER=1: run .ci/install-chromium.sh (apt-get install chromium)")
	}
	t.Skip("Chromium is not installed: the browser tests need it (apt-get install chromium); set USERDESK_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// New starts one headless Chromium for t (headless, no sandbox as root, no
// GPU, no background networking, component updates or sync, a profile in
// t.TempDir()), with extra options appended, and returns its browser
// context; the browser is closed when t ends.
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}
