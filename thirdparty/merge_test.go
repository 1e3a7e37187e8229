package thirdparty_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

var (
	t1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

func bday(y, m, d int) thirdparty.Value {
	return thirdparty.Value{Birthday: &thirdparty.Birthday{Year: y, Month: m, Day: d}}
}

func consent(c thirdparty.Consent) thirdparty.Value { return thirdparty.Value{Consent: c} }

func lower(s string) string { return strings.ToLower(s) }

func resolveOne(t *testing.T, f thirdparty.Field) thirdparty.FieldMerge {
	t.Helper()
	p, err := thirdparty.Resolve([]thirdparty.Field{f})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if len(p.Fields) != 1 {
		t.Fatalf("plan has %d fields", len(p.Fields))
	}
	return p.Fields[0]
}

func TestResolveDefaults(t *testing.T) {
	t.Parallel()
	type want struct {
		choice thirdparty.Choice
		rule   thirdparty.Rule
		result thirdparty.Value
		write  thirdparty.Side
	}
	cases := []struct {
		name  string
		field thirdparty.Field
		want  want
	}{
		// single
		{"single equal", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("Ada"), Provider: thirdparty.Text("Ada")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Text("Ada"), thirdparty.SideNone}},
		{"single equal after trim", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text(" Ada"), Provider: thirdparty.Text("Ada ")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Text("Ada"), thirdparty.SideNone}},
		{"single equal after fold", thirdparty.Field{Kind: thirdparty.KindSingle, Fold: lower, App: thirdparty.Text("Ada@X.io"), Provider: thirdparty.Text("ada@x.io")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Text("Ada@X.io"), thirdparty.SideNone}},
		{"single case differs without fold", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("ada"), Provider: thirdparty.Text("Ada")},
			want{thirdparty.KeepApp, thirdparty.RuleAppDefault, thirdparty.Text("ada"), thirdparty.SideProvider}},
		{"single both empty", thirdparty.Field{Kind: thirdparty.KindSingle},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Value{}, thirdparty.SideNone}},
		{"single provider empty", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("Ada")},
			want{thirdparty.KeepApp, thirdparty.RuleOnlyValue, thirdparty.Text("Ada"), thirdparty.SideProvider}},
		{"single app empty", thirdparty.Field{Kind: thirdparty.KindSingle, Provider: thirdparty.Text("Ada")},
			want{thirdparty.TakeProvider, thirdparty.RuleOnlyValue, thirdparty.Text("Ada"), thirdparty.SideApp}},
		{"single neither verified", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p")},
			want{thirdparty.KeepApp, thirdparty.RuleAppDefault, thirdparty.Text("a"), thirdparty.SideProvider}},
		{"single app verified only", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p"), AppVerifiedAt: &t1},
			want{thirdparty.KeepApp, thirdparty.RuleVerified, thirdparty.Text("a"), thirdparty.SideProvider}},
		{"single provider verified only", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p"), ProviderVerifiedAt: &t1},
			want{thirdparty.TakeProvider, thirdparty.RuleVerified, thirdparty.Text("p"), thirdparty.SideApp}},
		{"single app verified later", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p"), AppVerifiedAt: &t2, ProviderVerifiedAt: &t1},
			want{thirdparty.KeepApp, thirdparty.RuleVerified, thirdparty.Text("a"), thirdparty.SideProvider}},
		{"single provider verified later", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p"), AppVerifiedAt: &t1, ProviderVerifiedAt: &t2},
			want{thirdparty.TakeProvider, thirdparty.RuleVerified, thirdparty.Text("p"), thirdparty.SideApp}},
		{"single verified at the same instant", thirdparty.Field{Kind: thirdparty.KindSingle, App: thirdparty.Text("a"), Provider: thirdparty.Text("p"), AppVerifiedAt: &t1, ProviderVerifiedAt: &t1},
			want{thirdparty.KeepApp, thirdparty.RuleAppDefault, thirdparty.Text("a"), thirdparty.SideProvider}},
		{"single provider-only field", thirdparty.Field{Kind: thirdparty.KindSingle, Holds: thirdparty.SideProvider, App: thirdparty.Text("ignored"), Provider: thirdparty.Text("p")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Text("p"), thirdparty.SideNone}},
		{"single app-only field", thirdparty.Field{Kind: thirdparty.KindSingle, Holds: thirdparty.SideApp, App: thirdparty.Text("a"), Provider: thirdparty.Text("ignored")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Text("a"), thirdparty.SideNone}},

		// multi
		{"multi equal ignoring case and order", thirdparty.Field{Kind: thirdparty.KindMulti, App: thirdparty.Items("VIP", "wine"), Provider: thirdparty.Items("Wine", "vip")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Items("VIP", "wine"), thirdparty.SideNone}},
		{"multi both empty", thirdparty.Field{Kind: thirdparty.KindMulti},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Value{}, thirdparty.SideNone}},
		{"multi app superset", thirdparty.Field{Kind: thirdparty.KindMulti, App: thirdparty.Items("a", "b"), Provider: thirdparty.Items("B")},
			want{thirdparty.KeepApp, thirdparty.RuleUnion, thirdparty.Items("a", "b"), thirdparty.SideProvider}},
		{"multi provider superset", thirdparty.Field{Kind: thirdparty.KindMulti, App: thirdparty.Items("a"), Provider: thirdparty.Items("A", "b")},
			want{thirdparty.TakeProvider, thirdparty.RuleUnion, thirdparty.Items("A", "b"), thirdparty.SideApp}},
		{"multi disjoint union, app first", thirdparty.Field{Kind: thirdparty.KindMulti, App: thirdparty.Items("x", "y"), Provider: thirdparty.Items("Y", "z", "z")},
			want{thirdparty.TypeValue, thirdparty.RuleUnion, thirdparty.Items("x", "y", "z"), thirdparty.SideBoth}},
		{"multi drops blanks and duplicates", thirdparty.Field{Kind: thirdparty.KindMulti, App: thirdparty.Items(" a ", "", "A"), Provider: thirdparty.Items("a")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Items("a"), thirdparty.SideNone}},
		{"multi with phone fold", thirdparty.Field{Kind: thirdparty.KindMulti, Fold: digits, App: thirdparty.Items("+33 6 12"), Provider: thirdparty.Items("+33612")},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Items("+33 6 12"), thirdparty.SideNone}},

		// consent
		{"consent both unknown", thirdparty.Field{Kind: thirdparty.KindConsent},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Value{}, thirdparty.SideNone}},
		{"consent both in", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentIn), Provider: consent(thirdparty.ConsentIn)},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, consent(thirdparty.ConsentIn), thirdparty.SideNone}},
		{"consent both out", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentOut), Provider: consent(thirdparty.ConsentOut)},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, consent(thirdparty.ConsentOut), thirdparty.SideNone}},
		{"consent app out provider in", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentOut), Provider: consent(thirdparty.ConsentIn)},
			want{thirdparty.KeepApp, thirdparty.RuleOptOutWins, consent(thirdparty.ConsentOut), thirdparty.SideProvider}},
		{"consent app in provider out", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentIn), Provider: consent(thirdparty.ConsentOut)},
			want{thirdparty.TakeProvider, thirdparty.RuleOptOutWins, consent(thirdparty.ConsentOut), thirdparty.SideApp}},
		{"consent out beats verified in", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentIn), Provider: consent(thirdparty.ConsentOut), AppVerifiedAt: &t2},
			want{thirdparty.TakeProvider, thirdparty.RuleOptOutWins, consent(thirdparty.ConsentOut), thirdparty.SideApp}},
		{"consent app out provider unknown", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentOut)},
			want{thirdparty.KeepApp, thirdparty.RuleOptOutWins, consent(thirdparty.ConsentOut), thirdparty.SideProvider}},
		{"consent provider out app unknown", thirdparty.Field{Kind: thirdparty.KindConsent, Provider: consent(thirdparty.ConsentOut)},
			want{thirdparty.TakeProvider, thirdparty.RuleOptOutWins, consent(thirdparty.ConsentOut), thirdparty.SideApp}},
		{"consent app in provider unknown: not copied", thirdparty.Field{Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentIn)},
			want{thirdparty.KeepApp, thirdparty.RuleConsentNotCopied, consent(thirdparty.ConsentIn), thirdparty.SideNone}},
		{"consent provider in app unknown: not copied", thirdparty.Field{Kind: thirdparty.KindConsent, Provider: consent(thirdparty.ConsentIn)},
			want{thirdparty.TakeProvider, thirdparty.RuleConsentNotCopied, consent(thirdparty.ConsentIn), thirdparty.SideNone}},

		// birthday (the app needs a year, the provider stores none)
		{"birthday both empty", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, thirdparty.Value{}, thirdparty.SideNone}},
		{"birthday same day, app knows the year", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(1990, 7, 12), Provider: bday(0, 7, 12)},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, bday(1990, 7, 12), thirdparty.SideNone}},
		{"birthday same day, only provider knows the year", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(0, 7, 12), Provider: bday(1990, 7, 12)},
			want{thirdparty.TakeProvider, thirdparty.RuleEqual, bday(1990, 7, 12), thirdparty.SideApp}},
		{"birthday app only", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(1990, 7, 12)},
			want{thirdparty.KeepApp, thirdparty.RuleOnlyValue, bday(1990, 7, 12), thirdparty.SideProvider}},
		{"birthday provider only, app needs a year: nothing guessed", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, Provider: bday(0, 7, 12)},
			want{thirdparty.TakeProvider, thirdparty.RuleNoGuessedYear, bday(0, 7, 12), thirdparty.SideNone}},
		{"birthday provider only, app takes day and month", thirdparty.Field{Kind: thirdparty.KindBirthday, Provider: bday(0, 7, 12)},
			want{thirdparty.TakeProvider, thirdparty.RuleOnlyValue, bday(0, 7, 12), thirdparty.SideApp}},
		{"birthday differ, provider verified but yearless", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(1990, 7, 12), Provider: bday(0, 3, 4), ProviderVerifiedAt: &t1},
			want{thirdparty.KeepApp, thirdparty.RuleNoGuessedYear, bday(1990, 7, 12), thirdparty.SideProvider}},
		{"birthday differ, neither verified", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(1990, 7, 12), Provider: bday(0, 3, 4)},
			want{thirdparty.KeepApp, thirdparty.RuleAppDefault, bday(1990, 7, 12), thirdparty.SideProvider}},
		{"birthday different years same day", thirdparty.Field{Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideBoth, App: bday(1990, 7, 12), Provider: bday(1991, 7, 12), ProviderVerifiedAt: &t1},
			want{thirdparty.TakeProvider, thirdparty.RuleVerified, bday(1991, 7, 12), thirdparty.SideApp}},
		{"birthday different years, sides without years: same", thirdparty.Field{Kind: thirdparty.KindBirthday, App: bday(1990, 7, 12), Provider: bday(1991, 7, 12), ProviderVerifiedAt: &t1},
			want{thirdparty.TakeProvider, thirdparty.RuleVerified, bday(1991, 7, 12), thirdparty.SideNone}},
		{"birthday 29 February without a year", thirdparty.Field{Kind: thirdparty.KindBirthday, App: bday(0, 2, 29), Provider: bday(0, 2, 29)},
			want{thirdparty.KeepApp, thirdparty.RuleEqual, bday(0, 2, 29), thirdparty.SideNone}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.field.Name = "f"
			m := resolveOne(t, c.field)
			if m.Choice != c.want.choice || m.Rule != c.want.rule || m.Write != c.want.write {
				t.Errorf("choice, rule, write = %s, %s, %s; want %s, %s, %s", m.Choice, m.Rule, m.Write, c.want.choice, c.want.rule, c.want.write)
			}
			if !reflect.DeepEqual(m.Result, c.want.result) {
				t.Errorf("result = %+v; want %+v", m.Result, c.want.result)
			}
		})
	}
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestResolveRefusesBadFields(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fields []thirdparty.Field
		field  string
	}{
		{"empty name", []thirdparty.Field{{Kind: thirdparty.KindSingle}}, "name"},
		{"duplicate name", []thirdparty.Field{{Name: "a", Kind: thirdparty.KindSingle}, {Name: "a", Kind: thirdparty.KindSingle}}, "a"},
		{"unknown kind", []thirdparty.Field{{Name: "a", Kind: "weird"}}, "a"},
		{"bad consent", []thirdparty.Field{{Name: "c", Kind: thirdparty.KindConsent, App: consent("maybe")}}, "c"},
		{"30 February", []thirdparty.Field{{Name: "b", Kind: thirdparty.KindBirthday, Provider: bday(0, 2, 30)}}, "b"},
		{"29 February 2001", []thirdparty.Field{{Name: "b", Kind: thirdparty.KindBirthday, App: bday(2001, 2, 29)}}, "b"},
		{"month 13", []thirdparty.Field{{Name: "b", Kind: thirdparty.KindBirthday, App: bday(0, 13, 1)}}, "b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := thirdparty.Resolve(c.fields)
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !errors.Is(err, usermgmt.ErrInvalid) || !verr.Has(c.field) {
				t.Fatalf("err = %v; want a validation error on %q", err, c.field)
			}
		})
	}
}

func side(s thirdparty.Side) *thirdparty.Side { return &s }

func TestDecide(t *testing.T) {
	t.Parallel()
	base := []thirdparty.Field{
		{Name: "email", Kind: thirdparty.KindSingle, Fold: lower, App: thirdparty.Text("a@x.io"), Provider: thirdparty.Text("p@x.io")},
		{Name: "tags", Kind: thirdparty.KindMulti, Holds: thirdparty.SideProvider, Provider: thirdparty.Items("vip")},
		{Name: "marketing", Kind: thirdparty.KindConsent, App: consent(thirdparty.ConsentIn), Provider: consent(thirdparty.ConsentOut)},
		{Name: "birthday", Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp, App: bday(1990, 7, 12), Provider: bday(0, 3, 4)},
		{Name: "unset", Kind: thirdparty.KindConsent},
	}
	plan, err := thirdparty.Resolve(base)
	if err != nil {
		t.Fatal(err)
	}
	type fieldWant struct {
		result thirdparty.Value
		write  thirdparty.Side
	}
	ok := []struct {
		name     string
		decision map[string]thirdparty.Decision
		field    string
		want     fieldWant
	}{
		{"take provider email", map[string]thirdparty.Decision{"email": {Choice: thirdparty.TakeProvider}}, "email", fieldWant{thirdparty.Text("p@x.io"), thirdparty.SideApp}},
		{"keep app email", map[string]thirdparty.Decision{"email": {Choice: thirdparty.KeepApp}}, "email", fieldWant{thirdparty.Text("a@x.io"), thirdparty.SideProvider}},
		{"keep app email, app only: nothing written", map[string]thirdparty.Decision{"email": {Choice: thirdparty.KeepApp, Write: side(thirdparty.SideApp)}}, "email", fieldWant{thirdparty.Text("a@x.io"), thirdparty.SideNone}},
		{"typed email", map[string]thirdparty.Decision{"email": {Choice: thirdparty.TypeValue, Value: thirdparty.Text(" n@x.io ")}}, "email", fieldWant{thirdparty.Text("n@x.io"), thirdparty.SideBoth}},
		{"typed email, provider only", map[string]thirdparty.Decision{"email": {Choice: thirdparty.TypeValue, Value: thirdparty.Text("n@x.io"), Write: side(thirdparty.SideProvider)}}, "email", fieldWant{thirdparty.Text("n@x.io"), thirdparty.SideProvider}},
		{"typed tags on provider-only field", map[string]thirdparty.Decision{"tags": {Choice: thirdparty.TypeValue, Value: thirdparty.Items("vip", "wine")}}, "tags", fieldWant{thirdparty.Items("vip", "wine"), thirdparty.SideProvider}},
		{"take provider opt-out", map[string]thirdparty.Decision{"marketing": {Choice: thirdparty.TakeProvider}}, "marketing", fieldWant{consent(thirdparty.ConsentOut), thirdparty.SideApp}},
		{"typed full birthday", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.TypeValue, Value: bday(1990, 3, 4)}}, "birthday", fieldWant{bday(1990, 3, 4), thirdparty.SideApp}},
		{"provider birthday written to provider only", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.TakeProvider, Write: side(thirdparty.SideProvider)}}, "birthday", fieldWant{bday(0, 3, 4), thirdparty.SideNone}},
		{"keep app birthday writes day and month to provider", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.KeepApp}}, "birthday", fieldWant{bday(1990, 7, 12), thirdparty.SideProvider}},
		{"opt in a side with no choice", map[string]thirdparty.Decision{"unset": {Choice: thirdparty.TypeValue, Value: consent(thirdparty.ConsentIn)}}, "unset", fieldWant{consent(thirdparty.ConsentIn), thirdparty.SideBoth}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := plan.Decide(c.decision)
			if err != nil {
				t.Fatalf("decide: %v", err)
			}
			m, _ := got.Field(c.field)
			if m.Rule != thirdparty.RuleOperator || m.Write != c.want.write || !reflect.DeepEqual(m.Result, c.want.result) {
				t.Errorf("got rule %s result %+v write %s; want operator, %+v, %s", m.Rule, m.Result, m.Write, c.want.result, c.want.write)
			}
			// The original plan is untouched.
			orig, _ := plan.Field(c.field)
			if orig.Rule == thirdparty.RuleOperator {
				t.Error("Decide modified the plan it was called on")
			}
		})
	}
	bad := []struct {
		name     string
		decision map[string]thirdparty.Decision
		field    string
		rule     string
	}{
		{"unknown field", map[string]thirdparty.Decision{"nope": {Choice: thirdparty.KeepApp}}, "nope", "unknown_field"},
		{"unknown choice", map[string]thirdparty.Decision{"email": {Choice: "both"}}, "email", "oneof"},
		{"keep app on provider-only field", map[string]thirdparty.Decision{"tags": {Choice: thirdparty.KeepApp}}, "tags", "holds"},
		{"write provider-only field to app", map[string]thirdparty.Decision{"tags": {Choice: thirdparty.TakeProvider, Write: side(thirdparty.SideBoth)}}, "tags", "holds"},
		{"reverse an opt-out", map[string]thirdparty.Decision{"marketing": {Choice: thirdparty.KeepApp}}, "marketing", "opt_out_wins"},
		{"type an opt-in over an opt-out", map[string]thirdparty.Decision{"marketing": {Choice: thirdparty.TypeValue, Value: consent(thirdparty.ConsentIn)}}, "marketing", "opt_out_wins"},
		{"yearless birthday into the app", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.TakeProvider}}, "birthday", "no_guessed_year"},
		{"typed yearless birthday into the app", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.TypeValue, Value: bday(0, 1, 2)}}, "birthday", "no_guessed_year"},
		{"typed impossible birthday", map[string]thirdparty.Decision{"birthday": {Choice: thirdparty.TypeValue, Value: bday(1990, 4, 31)}}, "birthday", "value"},
		{"typed bad consent", map[string]thirdparty.Decision{"unset": {Choice: thirdparty.TypeValue, Value: consent("sure")}}, "unset", "value"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := plan.Decide(c.decision)
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("err = %v; want a validation error", err)
			}
			if len(verr.Fields) != 1 || verr.Fields[0].Field != c.field || verr.Fields[0].Rule != c.rule {
				t.Fatalf("fields = %+v; want %s/%s", verr.Fields, c.field, c.rule)
			}
		})
	}
}

func TestPlanWrites(t *testing.T) {
	t.Parallel()
	plan, err := thirdparty.Resolve([]thirdparty.Field{
		{Name: "a", Kind: thirdparty.KindSingle, App: thirdparty.Text("x")},
		{Name: "b", Kind: thirdparty.KindSingle, Provider: thirdparty.Text("y")},
		{Name: "c", Kind: thirdparty.KindMulti, App: thirdparty.Items("1"), Provider: thirdparty.Items("2")},
		{Name: "d", Kind: thirdparty.KindSingle, App: thirdparty.Text("same"), Provider: thirdparty.Text("same")},
	})
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []thirdparty.FieldMerge) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	if got := names(plan.Writes(thirdparty.SideApp)); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("app writes = %v", got)
	}
	if got := names(plan.Writes(thirdparty.SideProvider)); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Errorf("provider writes = %v", got)
	}
}

func TestSideText(t *testing.T) {
	t.Parallel()
	for _, s := range []thirdparty.Side{thirdparty.SideNone, thirdparty.SideApp, thirdparty.SideProvider, thirdparty.SideBoth} {
		b, _ := s.MarshalText()
		var back thirdparty.Side
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s round trip = %s, %v", s, back, err)
		}
	}
	var s thirdparty.Side
	if err := s.UnmarshalText([]byte("left")); err == nil {
		t.Error("unknown side accepted")
	}
}
