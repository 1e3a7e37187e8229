package thirdparty

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
)

// Kind says how a field's values compare and merge.
type Kind string

// The field kinds.
const (
	// KindSingle is a single text value (a name, an email, a phone).
	KindSingle Kind = "single"
	// KindMulti is a set of text values (alternate emails, tags): merged
	// by union, compared through the field's Fold.
	KindMulti Kind = "multi"
	// KindConsent is a marketing consent: an opt-out on either side wins.
	KindConsent Kind = "consent"
	// KindBirthday is a birthday whose year may be unknown.
	KindBirthday Kind = "birthday"
)

// Consent is a marketing consent state.
type Consent string

// The consent states.
const (
	// ConsentUnknown: the side never recorded a choice.
	ConsentUnknown Consent = ""
	// ConsentIn: the person opted in.
	ConsentIn Consent = "opted_in"
	// ConsentOut: the person opted out.
	ConsentOut Consent = "opted_out"
)

// Birthday is a day of the year with an optional year. Year zero means the
// year is not known; it is never guessed.
type Birthday struct {
	Year  int `json:"year,omitempty"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

// IsZero reports whether b holds no date.
func (b Birthday) IsZero() bool { return b.Month == 0 && b.Day == 0 }

// String formats b as YYYY-MM-DD, or --MM-DD (ISO 8601) without a year.
func (b Birthday) String() string {
	if b.Year == 0 {
		return fmt.Sprintf("--%02d-%02d", b.Month, b.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", b.Year, b.Month, b.Day)
}

// valid reports whether b is a real calendar day (29 February without a
// year is accepted).
func (b Birthday) valid() bool {
	if b.Month < 1 || b.Month > 12 || b.Day < 1 {
		return false
	}
	year := b.Year
	if year == 0 {
		year = 2000 // a leap year: accepts 29 February
	}
	return b.Day <= time.Date(year, time.Month(b.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Value is one side's value of a field; which member is used depends on
// the field's Kind. The zero Value is "empty".
type Value struct {
	Text     string    `json:"text,omitempty"`
	Items    []string  `json:"items,omitempty"`
	Consent  Consent   `json:"consent,omitempty"`
	Birthday *Birthday `json:"birthday,omitempty"`
}

// Text returns a KindSingle value.
func Text(s string) Value { return Value{Text: s} }

// Items returns a KindMulti value.
func Items(xs ...string) Value { return Value{Items: xs} }

// Side names one side of a link, or both, as bits.
type Side uint8

// The sides.
const (
	// SideApp is the platform's own user record.
	SideApp Side = 1 << iota
	// SideProvider is the external profile.
	SideProvider
	// SideNone writes nowhere.
	SideNone Side = 0
	// SideBoth is SideApp | SideProvider.
	SideBoth = SideApp | SideProvider
)

// String names the side: "none", "app", "provider" or "both".
func (s Side) String() string {
	switch s {
	case SideNone:
		return "none"
	case SideApp:
		return "app"
	case SideProvider:
		return "provider"
	case SideBoth:
		return "both"
	}
	return fmt.Sprintf("side(%d)", uint8(s))
}

// MarshalText encodes the side's name.
func (s Side) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes "none", "app", "provider" or "both".
func (s *Side) UnmarshalText(b []byte) error {
	switch string(b) {
	case "none", "":
		*s = SideNone
	case "app":
		*s = SideApp
	case "provider":
		*s = SideProvider
	case "both":
		*s = SideBoth
	default:
		return fmt.Errorf("thirdparty: unknown side %q", b)
	}
	return nil
}

// Field describes one field of a merge and its two values.
type Field struct {
	// Name is the snake_case name shown to the operator and used in
	// decisions and errors ("email", "tags").
	Name string
	// Kind says how the values compare and merge.
	Kind Kind
	// Holds is the set of sides that store this field; a field only one
	// side stores can only be written there. Zero means both.
	Holds Side
	// Fold normalises a text value for comparison (lowercase for an email,
	// digits for a phone). Nil compares the trimmed text exactly, except
	// KindMulti, which compares case-insensitively: tag names that differ
	// only in case are the same tag.
	Fold func(string) string
	// NeedsYear is the set of sides that store a birthday with its year (a
	// full date of birth) and so cannot take one without. A side outside
	// it stores day and month only: writing there drops the year, which
	// loses nothing, and two birthdays on the same day are the same there.
	NeedsYear Side
	// App and Provider are the two values.
	App, Provider Value
	// AppVerifiedAt and ProviderVerifiedAt are when each side's value was
	// last verified (an email link, an SMS code); nil when it was not.
	AppVerifiedAt, ProviderVerifiedAt *time.Time
}

// Choice is what the operator (or the default policy) picked for a field.
type Choice string

// The choices.
const (
	// KeepApp keeps the app's value.
	KeepApp Choice = "keep_app"
	// TakeProvider takes the provider's value.
	TakeProvider Choice = "take_provider"
	// TypeValue uses a value the operator typed. The default policy uses it
	// for a union of multi-valued fields.
	TypeValue Choice = "type_value"
)

// Rule names why the default policy chose what it chose.
type Rule string

// The default policy's rules, in the order they are tried.
const (
	// RuleEqual: both sides hold the same value (after folding); nothing to
	// write.
	RuleEqual Rule = "equal"
	// RuleOnlyValue: one side is empty; the other side's value fills it.
	RuleOnlyValue Rule = "only_value"
	// RuleVerified: the more recently verified value wins (a verified
	// value beats an unverified one).
	RuleVerified Rule = "more_recently_verified"
	// RuleAppDefault: neither value is verified; the app's is kept, since
	// the app account is the one the person controls.
	RuleAppDefault Rule = "app_default"
	// RuleUnion: multi-valued fields are unioned.
	RuleUnion Rule = "union"
	// RuleOptOutWins: an opt-out on either side wins, on both sides.
	RuleOptOutWins Rule = "opt_out_wins"
	// RuleConsentNotCopied: an opt-in given on one side is never copied to
	// a side where no choice was recorded.
	RuleConsentNotCopied Rule = "opt_in_not_copied"
	// RuleNoGuessedYear: a birthday without a year is never written where a
	// full date is needed.
	RuleNoGuessedYear Rule = "no_guessed_year"
	// RuleOperator: the operator decided.
	RuleOperator Rule = "operator"
)

// FieldMerge is one field of a merge plan: both values, the choice, the
// resulting value and where it is written.
type FieldMerge struct {
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
	Holds    Side   `json:"holds"`
	App      Value  `json:"app"`
	Provider Value  `json:"provider"`
	// Choice is the default policy's or the operator's choice.
	Choice Choice `json:"choice"`
	// Result is the value the field ends with on every side it is written.
	Result Value `json:"result"`
	// Write is where Result is written: only sides that hold the field and
	// whose value differs from Result.
	Write Side `json:"write"`
	// Rule says why: a default rule, or RuleOperator.
	Rule Rule `json:"rule"`

	field Field
}

// Decision is an operator's choice for one field.
type Decision struct {
	Choice Choice `json:"choice"`
	// Value is the typed value, for TypeValue only.
	Value Value `json:"value"`
	// Write, when not nil, narrows where the result is written (for
	// example SideApp: leave the provider's profile as it is). It may not
	// name a side that does not hold the field. Nil writes every side
	// whose value differs.
	Write *Side `json:"write,omitempty"`
}

// Plan is a field-by-field merge of an app user and an external profile.
// Resolve makes the default plan; Decide applies an operator's choices.
// A Plan does no I/O.
type Plan struct {
	Fields []FieldMerge `json:"fields"`
}

// Field returns the named field of the plan, or false.
func (p Plan) Field(name string) (FieldMerge, bool) {
	for _, f := range p.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldMerge{}, false
}

// Writes returns the fields written to side s, in plan order.
func (p Plan) Writes(s Side) []FieldMerge {
	var out []FieldMerge
	for _, f := range p.Fields {
		if f.Write&s != 0 {
			out = append(out, f)
		}
	}
	return out
}

// Resolve builds the default plan for fields, following the written
// policy (see the package documentation): equal values collapse;
// single-value fields default to the more recently verified value, then
// the app's; multi-valued fields are unioned; an opt-out on either side
// wins; a birthday never gets a guessed year.
//
// Returns a *usermgmt.ValidationError (usermgmt.ErrInvalid) when two fields
// share a name, a name is empty, a kind is unknown or a birthday is not a
// calendar day.
func Resolve(fields []Field) (Plan, error) {
	var verr usermgmt.ValidationError
	seen := map[string]bool{}
	plan := Plan{Fields: make([]FieldMerge, 0, len(fields))}
	for _, f := range fields {
		if f.Holds == SideNone {
			f.Holds = SideBoth
		}
		switch {
		case f.Name == "":
			verr.Fields = append(verr.Fields, usermgmt.FieldError{Field: "name", Rule: "required", Message: "every field needs a name"})
			continue
		case seen[f.Name]:
			verr.Fields = append(verr.Fields, usermgmt.FieldError{Field: f.Name, Rule: "unique", Message: "appears twice in the merge"})
			continue
		}
		seen[f.Name] = true
		if msg := checkValue(f, f.App); msg != "" {
			verr.Fields = append(verr.Fields, usermgmt.FieldError{Field: f.Name, Rule: "value", Message: "app value " + msg})
			continue
		}
		if msg := checkValue(f, f.Provider); msg != "" {
			verr.Fields = append(verr.Fields, usermgmt.FieldError{Field: f.Name, Rule: "value", Message: "provider value " + msg})
			continue
		}
		plan.Fields = append(plan.Fields, resolveField(f))
	}
	if len(verr.Fields) > 0 {
		return Plan{}, &verr
	}
	return plan, nil
}

func checkValue(f Field, v Value) string {
	switch f.Kind {
	case KindSingle, KindMulti:
	case KindConsent:
		if v.Consent != ConsentUnknown && v.Consent != ConsentIn && v.Consent != ConsentOut {
			return fmt.Sprintf("has unknown consent %q", v.Consent)
		}
	case KindBirthday:
		if v.Birthday != nil && !v.Birthday.IsZero() && !v.Birthday.valid() {
			return fmt.Sprintf("%s is not a calendar day", v.Birthday)
		}
	default:
		return fmt.Sprintf("has unknown kind %q", f.Kind)
	}
	return ""
}

// fold returns the comparison key of one text value.
func (f Field) fold(s string) string {
	s = strings.TrimSpace(s)
	if f.Fold != nil {
		return f.Fold(s)
	}
	if f.Kind == KindMulti {
		return strings.ToLower(s)
	}
	return s
}

// normalize returns v in canonical form for f's kind: trimmed text, items
// trimmed, without empties or duplicates (first spelling kept), a zero
// birthday as nil.
func (f Field) normalize(v Value) Value {
	switch f.Kind {
	case KindSingle:
		return Value{Text: strings.TrimSpace(v.Text)}
	case KindMulti:
		return Value{Items: f.union(v.Items, nil)}
	case KindConsent:
		return Value{Consent: v.Consent}
	case KindBirthday:
		if v.Birthday == nil || v.Birthday.IsZero() {
			return Value{}
		}
		b := *v.Birthday
		return Value{Birthday: &b}
	}
	return v
}

func (f Field) union(a, b []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range slices.Concat(a, b) {
		x = strings.TrimSpace(x)
		k := f.fold(x)
		if x == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, x)
	}
	return out
}

// empty reports whether v holds nothing for f's kind.
func (f Field) empty(v Value) bool {
	switch f.Kind {
	case KindSingle:
		return strings.TrimSpace(v.Text) == ""
	case KindMulti:
		return len(f.union(v.Items, nil)) == 0
	case KindConsent:
		return v.Consent == ConsentUnknown
	case KindBirthday:
		return v.Birthday == nil || v.Birthday.IsZero()
	}
	return true
}

// same reports whether side s already holds result: writing it there would
// change nothing. A birthday is the same on a side that stores no year when
// day and month match.
func (f Field) same(s Side, have, result Value) bool {
	switch f.Kind {
	case KindSingle:
		return f.fold(have.Text) == f.fold(result.Text)
	case KindMulti:
		a, b := f.union(have.Items, nil), f.union(result.Items, nil)
		if len(a) != len(b) {
			return false
		}
		keys := map[string]bool{}
		for _, x := range a {
			keys[f.fold(x)] = true
		}
		for _, x := range b {
			if !keys[f.fold(x)] {
				return false
			}
		}
		return true
	case KindConsent:
		return have.Consent == result.Consent
	case KindBirthday:
		h, r := f.normalize(have).Birthday, f.normalize(result).Birthday
		if h == nil || r == nil {
			return h == nil && r == nil
		}
		if h.Month != r.Month || h.Day != r.Day {
			return false
		}
		if f.NeedsYear&s == 0 {
			return true // this side stores no year
		}
		return h.Year == r.Year
	}
	return false
}

// writable reports whether result may be written on side s, and why not.
func (f Field) writable(s Side, result Value) Rule {
	if f.Kind == KindBirthday && f.NeedsYear&s != 0 {
		if b := f.normalize(result).Birthday; b != nil && b.Year == 0 {
			return RuleNoGuessedYear
		}
	}
	return ""
}

// finish computes Write for a chosen result: every side that holds the
// field, differs from result and can store it.
func (m *FieldMerge) finish() {
	f := m.field
	m.Result = f.normalize(m.Result)
	m.Write = SideNone
	for _, s := range []Side{SideApp, SideProvider} {
		if f.Holds&s == 0 {
			continue
		}
		have := m.App
		if s == SideProvider {
			have = m.Provider
		}
		if f.same(s, have, m.Result) || f.writable(s, m.Result) != "" {
			continue
		}
		m.Write |= s
	}
}

func resolveField(f Field) FieldMerge {
	m := FieldMerge{
		Name: f.Name, Kind: f.Kind, Holds: f.Holds,
		App: f.normalize(f.App), Provider: f.normalize(f.Provider), field: f,
	}
	app, prov := m.App, m.Provider
	pick := func(c Choice, r Rule) {
		m.Choice, m.Rule = c, r
		switch c {
		case KeepApp:
			m.Result = app
		case TakeProvider:
			m.Result = prov
		}
	}
	// A side that does not hold the field takes no part in the choice.
	if f.Holds == SideApp {
		prov = app
	}
	if f.Holds == SideProvider {
		app = prov
	}

	switch f.Kind {
	case KindMulti:
		u := Value{Items: f.union(app.Items, prov.Items)}
		switch {
		case f.same(SideBoth, app, prov):
			pick(KeepApp, RuleEqual)
		case f.same(SideBoth, u, app):
			pick(KeepApp, RuleUnion)
		case f.same(SideBoth, u, prov):
			pick(TakeProvider, RuleUnion)
		default:
			m.Choice, m.Rule, m.Result = TypeValue, RuleUnion, u
		}
	case KindConsent:
		switch {
		case app.Consent == prov.Consent:
			pick(KeepApp, RuleEqual)
		case app.Consent == ConsentOut:
			pick(KeepApp, RuleOptOutWins)
		case prov.Consent == ConsentOut:
			pick(TakeProvider, RuleOptOutWins)
		default:
			// One side opted in, the other recorded nothing: each side keeps
			// its own (the result is the opt-in, written nowhere).
			if app.Consent == ConsentIn {
				pick(KeepApp, RuleConsentNotCopied)
			} else {
				pick(TakeProvider, RuleConsentNotCopied)
			}
			m.finish()
			m.Write = SideNone
			return m
		}
	case KindBirthday:
		ab, pb := app.Birthday, prov.Birthday
		switch {
		case ab == nil && pb == nil:
			pick(KeepApp, RuleEqual)
		case ab != nil && pb != nil && ab.Month == pb.Month && ab.Day == pb.Day && (ab.Year == pb.Year || ab.Year == 0 || pb.Year == 0):
			// Same day: keep the one that knows the year.
			if ab.Year == 0 && pb.Year != 0 {
				pick(TakeProvider, RuleEqual)
			} else {
				pick(KeepApp, RuleEqual)
			}
		case pb == nil:
			pick(KeepApp, RuleOnlyValue)
		case ab == nil:
			pick(TakeProvider, RuleOnlyValue)
			if pb.Year == 0 && f.NeedsYear&SideApp != 0 {
				m.Rule = RuleNoGuessedYear
			}
		default:
			singleDefault(f, pick)
			if m.Choice == TakeProvider && pb.Year == 0 && f.NeedsYear&SideApp != 0 {
				// The provider's day cannot replace the app's full date
				// without guessing a year: keep the app's.
				pick(KeepApp, RuleNoGuessedYear)
			}
		}
	default: // KindSingle
		switch {
		case f.same(SideBoth, app, prov):
			pick(KeepApp, RuleEqual)
		case f.empty(prov):
			pick(KeepApp, RuleOnlyValue)
		case f.empty(app):
			pick(TakeProvider, RuleOnlyValue)
		default:
			singleDefault(f, pick)
		}
	}
	m.finish()
	return m
}

// singleDefault picks between two different non-empty values: the more
// recently verified one, else the app's.
func singleDefault(f Field, pick func(Choice, Rule)) {
	av, pv := f.AppVerifiedAt, f.ProviderVerifiedAt
	switch {
	case av != nil && (pv == nil || !pv.After(*av)):
		if pv != nil && pv.Equal(*av) {
			pick(KeepApp, RuleAppDefault)
			return
		}
		pick(KeepApp, RuleVerified)
	case pv != nil:
		pick(TakeProvider, RuleVerified)
	default:
		pick(KeepApp, RuleAppDefault)
	}
}

// Decide applies an operator's decisions, keyed by field name, to the
// plan and returns the new plan; fields without a decision keep their
// default. p is not modified.
//
// Returns a *usermgmt.ValidationError (usermgmt.ErrInvalid) naming each
// bad field: an unknown field name or choice, a typed value that is not
// valid for the kind, a Write naming a side that does not hold the field,
// an opt-out turned into an opt-in (only the person may reverse an
// opt-out, never a merge), or a birthday without a year written where a
// full date is needed (the year is never guessed: type the full date).
func (p Plan) Decide(decisions map[string]Decision) (Plan, error) {
	var verr usermgmt.ValidationError
	bad := func(field, rule, msg string) {
		verr.Fields = append(verr.Fields, usermgmt.FieldError{Field: field, Rule: rule, Message: msg})
	}
	out := Plan{Fields: slices.Clone(p.Fields)}
	known := map[string]bool{}
	for i := range out.Fields {
		m := &out.Fields[i]
		known[m.Name] = true
		d, ok := decisions[m.Name]
		if !ok {
			continue
		}
		f := m.field
		m.Choice, m.Rule = d.Choice, RuleOperator
		switch d.Choice {
		case KeepApp:
			m.Result = m.App
			if f.Holds == SideProvider {
				bad(m.Name, "holds", "the app does not store this field: keep the provider's value or type one")
				continue
			}
		case TakeProvider:
			m.Result = m.Provider
			if f.Holds == SideApp {
				bad(m.Name, "holds", "the provider does not store this field: keep the app's value or type one")
				continue
			}
		case TypeValue:
			if msg := checkValue(f, d.Value); msg != "" {
				bad(m.Name, "value", "typed value "+msg)
				continue
			}
			m.Result = d.Value
		default:
			bad(m.Name, "oneof", "choice must be keep_app, take_provider or type_value")
			continue
		}
		m.finish()
		if f.Kind == KindConsent {
			res := m.field.normalize(m.Result).Consent
			if (m.App.Consent == ConsentOut || m.Provider.Consent == ConsentOut) && res != ConsentOut {
				bad(m.Name, "opt_out_wins", "an opt-out on either side cannot be reversed by a merge; only the person can opt in again")
				continue
			}
		}
		if d.Write != nil {
			w := *d.Write
			if w&^f.Holds != 0 {
				bad(m.Name, "holds", fmt.Sprintf("cannot be written to %s: only %s stores it", w, f.Holds))
				continue
			}
			m.Write &= w
		}
		want := f.Holds
		if d.Write != nil {
			want = *d.Write
		}
		for _, s := range []Side{SideApp, SideProvider} {
			if want&s != 0 && f.writable(s, m.Result) == RuleNoGuessedYear && !f.same(s, sideValue(m, s), m.Result) {
				bad(m.Name, "no_guessed_year", fmt.Sprintf("the %s needs a full date of birth and the chosen birthday has no year; type the full date, or write to the other side only", s))
			}
		}
	}
	for name := range decisions {
		if !known[name] {
			bad(name, "unknown_field", "is not a field of this merge")
		}
	}
	if len(verr.Fields) > 0 {
		slices.SortFunc(verr.Fields, func(a, b usermgmt.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return Plan{}, &verr
	}
	return out, nil
}

func sideValue(m *FieldMerge, s Side) Value {
	if s == SideProvider {
		return m.Provider
	}
	return m.App
}
