package verification_test

import (
	"strings"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/verification"
)

func TestEveryMessageFallsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	data := verification.TemplateData{Name: "Ana", Link: "https://app.example/x?token=T", Code: "123456", Address: "ana@example.com", Valid: "1 hour"}
	cases := []struct{ asked, want string }{
		{"fr", "fr"}, {"FR", "fr"}, {"fr-CA", "fr"}, {" fr-ca ", "fr"},
		{"en", "en"}, {"en-GB", "en"}, {"de", "en"}, {"pt-BR", "en"}, {"", "en"}, {"x-klingon", "en"},
	}
	for _, kind := range verification.Kinds() {
		seen := map[string]string{}
		for _, c := range cases {
			t.Run(string(kind)+"/"+c.asked, func(t *testing.T) {
				r, err := e.v.Render(c.asked, kind, data)
				if err != nil {
					t.Fatal(err)
				}
				if r.Language != c.want {
					t.Fatalf("language %q, want %q", r.Language, c.want)
				}
				if strings.TrimSpace(r.Text) == "" {
					t.Fatal("empty text")
				}
				if kind != verification.KindPhoneCode && (r.Subject == "" || !strings.Contains(r.HTML, "<html lang=\""+c.want+"\"")) {
					t.Fatalf("email without subject or HTML: %+v", r)
				}
				if prev, ok := seen[r.Language]; ok && prev != r.Text {
					t.Fatal("one language rendered two ways")
				}
				seen[r.Language] = r.Text
			})
		}
		if seen["fr"] == seen["en"] {
			t.Errorf("%s: French is English", kind)
		}
	}
}

func TestHostTemplatesOverrideAndAdd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t), func(c *verification.Config) {
		c.Templates = map[string]map[verification.MessageKind]verification.Template{
			"de": {verification.KindPasswordReset: {Subject: "Passwort zurücksetzen", Text: "Hallo {{.Name}}: {{.Link}}", HTML: "<p>Hallo {{.Name}}</p>"}},
		}
	})
	r, err := e.v.Render("de-AT", verification.KindPasswordReset, verification.TemplateData{Name: "<b>Jo</b>"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "de" || r.Subject != "Passwort zurücksetzen" || r.HTML != "<p>Hallo &lt;b&gt;Jo&lt;/b&gt;</p>" {
		t.Fatalf("rendered %+v", r)
	}
	// German lacks the other kinds: English.
	if r, _ := e.v.Render("de", verification.KindEmailVerification, verification.TemplateData{}); r.Language != "en" {
		t.Fatalf("fallback %s", r.Language)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	clean := newEnv(t, dbtest.SQLite(t)).users
	cases := map[string]verification.Config{
		"no users":       {},
		"long code life": {Users: clean, CodeTTL: 11 * 60 * 1e9},
		"calling code":   {Users: clean, SMSCallingCodes: []string{"33"}},
		"bad template":   {Users: clean, Templates: map[string]map[verification.MessageKind]verification.Template{"fr": {verification.KindNoAccount: {Text: "{{"}}}},
	}
	for name, cfg := range cases {
		if _, err := verification.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bare := newEnvUsersWithoutPermissions(t)
	if _, err := verification.New(verification.Config{Users: bare}); err == nil || !strings.Contains(err.Error(), "verification.Permissions()") {
		t.Fatalf("permissions not registered: %v", err)
	}
}
