package verification

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// MessageKind names one of the messages the package sends.
type MessageKind string

// The messages. Each has a subject, a plain-text and an HTML body in every
// built-in language (English and French), except KindPhoneCode, an SMS
// with a text body only.
const (
	// KindEmailVerification carries the link that verifies the address.
	KindEmailVerification MessageKind = "email_verification"
	// KindEmailChange goes to a new address with the link that makes it
	// the account's address.
	KindEmailChange MessageKind = "email_change"
	// KindEmailChanged tells the old address that the account's address
	// changed.
	KindEmailChanged MessageKind = "email_changed"
	// KindRegistrationAttempt tells the owner of an address that someone
	// tried to register a new account with it.
	KindRegistrationAttempt MessageKind = "registration_attempt"
	// KindEmailChangeAttempt tells the owner of an address that someone
	// tried to move another account to it.
	KindEmailChangeAttempt MessageKind = "email_change_attempt"
	// KindPasswordReset carries the password-reset link.
	KindPasswordReset MessageKind = "password_reset"
	// KindPasswordChanged tells the user their password was reset.
	KindPasswordChanged MessageKind = "password_changed"
	// KindNoAccount answers a reset or resend request for an address that
	// has no account.
	KindNoAccount MessageKind = "no_account"
	// KindPhoneCode is the SMS carrying a phone verification code.
	KindPhoneCode MessageKind = "phone_code"
)

// Kinds lists every message kind.
func Kinds() []MessageKind {
	return []MessageKind{KindEmailVerification, KindEmailChange, KindEmailChanged, KindRegistrationAttempt,
		KindEmailChangeAttempt, KindPasswordReset, KindPasswordChanged, KindNoAccount, KindPhoneCode}
}

// Template is one message in one language. Subject and Text are
// text/template sources, HTML an html/template source (escaped); SMS
// kinds use Text only. The templates see a TemplateData.
type Template struct {
	Subject string
	Text    string
	HTML    string
}

// TemplateData is what a template sees.
type TemplateData struct {
	// Name is the user's first name (or full name); empty for an address
	// without an account.
	Name string
	// Platform is Config.PlatformName.
	Platform string
	// Link is the link to follow, for the kinds that carry one.
	Link string
	// Code is the SMS code, for KindPhoneCode.
	Code string
	// Address is the address concerned: the new one for KindEmailChange
	// and KindEmailChanged.
	Address string
	// Valid is the lifetime of the link or code, written out ("24 hours",
	// "10 minutes").
	Valid string
}

type compiled struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

type templates struct {
	langs map[string]map[MessageKind]*compiled
}

// newTemplates compiles the built-in messages and the host's extra ones.
func newTemplates(extra map[string]map[MessageKind]Template) (*templates, error) {
	t := &templates{langs: map[string]map[MessageKind]*compiled{}}
	add := func(lang string, set map[MessageKind]Template) error {
		lang = strings.ToLower(lang)
		if t.langs[lang] == nil {
			t.langs[lang] = map[MessageKind]*compiled{}
		}
		for kind, tpl := range set {
			c := &compiled{}
			var err error
			name := lang + "/" + string(kind)
			if c.subject, err = texttemplate.New(name).Option("missingkey=error").Parse(tpl.Subject); err != nil {
				return fmt.Errorf("verification: template %s subject: %w", name, err)
			}
			if c.text, err = texttemplate.New(name).Option("missingkey=error").Parse(tpl.Text); err != nil {
				return fmt.Errorf("verification: template %s text: %w", name, err)
			}
			if c.html, err = htmltemplate.New(name).Parse(tpl.HTML); err != nil {
				return fmt.Errorf("verification: template %s html: %w", name, err)
			}
			t.langs[lang][kind] = c
		}
		return nil
	}
	for lang, set := range builtinTemplates {
		if err := add(lang, set); err != nil {
			return nil, err
		}
	}
	for lang, set := range extra {
		if err := add(lang, set); err != nil {
			return nil, err
		}
	}
	for _, k := range Kinds() {
		if t.langs[DefaultLanguage][k] == nil {
			return nil, fmt.Errorf("verification: no English template for %s", k)
		}
	}
	return t, nil
}

// Rendered is a message made from a template.
type Rendered struct {
	// Language is the language the message is in: the asked one, its base
	// language ("fr" for "fr-CA"), or English.
	Language string
	Subject  string
	Text     string
	HTML     string
}

// resolve picks the template for kind in lang: the exact tag, then its
// base language, then English.
func (t *templates) resolve(lang string, kind MessageKind) (string, *compiled) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	candidates := []string{lang}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		candidates = append(candidates, base)
	}
	candidates = append(candidates, DefaultLanguage)
	for _, l := range candidates {
		if c := t.langs[l][kind]; c != nil {
			return l, c
		}
	}
	return "", nil
}

func (t *templates) render(lang string, kind MessageKind, data TemplateData) (Rendered, error) {
	used, c := t.resolve(lang, kind)
	if c == nil {
		return Rendered{}, fmt.Errorf("verification: no template for %s", kind)
	}
	var subject, text, html bytes.Buffer
	if err := c.subject.Execute(&subject, data); err != nil {
		return Rendered{}, fmt.Errorf("verification: render %s: %w", kind, err)
	}
	if err := c.text.Execute(&text, data); err != nil {
		return Rendered{}, fmt.Errorf("verification: render %s: %w", kind, err)
	}
	if err := c.html.Execute(&html, data); err != nil {
		return Rendered{}, fmt.Errorf("verification: render %s: %w", kind, err)
	}
	return Rendered{Language: used, Subject: strings.TrimSpace(subject.String()), Text: text.String(), HTML: html.String()}, nil
}

// Render renders the message kind for a user whose preferred language is
// lang, with the English fallback; hosts use it to preview messages.
// Returns an error for an unknown kind.
func (s *Service) Render(lang string, kind MessageKind, data TemplateData) (Rendered, error) {
	return s.templates.render(lang, kind, data)
}
