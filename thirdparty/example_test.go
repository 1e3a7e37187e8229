package thirdparty_test

import (
	"fmt"
	"strings"

	"github.com/userdesk/userdesk/thirdparty"
)

// The resolver proposes a default for every field; the operator then
// overrides some of them.
func ExampleResolve() {
	plan, err := thirdparty.Resolve([]thirdparty.Field{
		{Name: "first_name", Kind: thirdparty.KindSingle, App: thirdparty.Text("Camille"), Provider: thirdparty.Text("Camila")},
		{Name: "email", Kind: thirdparty.KindSingle, App: thirdparty.Text("c@example.com"), Provider: thirdparty.Text("C@Example.com"),
			Fold: strings.ToLower},
		{Name: "tags", Kind: thirdparty.KindMulti, App: thirdparty.Items("VIP"), Provider: thirdparty.Items("vip", "wine")},
		{Name: "marketing", Kind: thirdparty.KindConsent, App: thirdparty.Value{Consent: thirdparty.ConsentIn}, Provider: thirdparty.Value{Consent: thirdparty.ConsentOut}},
		{Name: "birthday", Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp,
			Provider: thirdparty.Value{Birthday: &thirdparty.Birthday{Month: 4, Day: 3}}},
	})
	if err != nil {
		panic(err)
	}
	for _, f := range plan.Fields {
		fmt.Printf("%-10s %-13s %-24s write %s\n", f.Name, f.Choice, f.Rule, f.Write)
	}
	plan, err = plan.Decide(map[string]thirdparty.Decision{"first_name": {Choice: thirdparty.TakeProvider}})
	if err != nil {
		panic(err)
	}
	f, _ := plan.Field("first_name")
	fmt.Println(f.Result.Text, "written to", f.Write)
	// Output:
	// first_name keep_app      app_default              write provider
	// email      keep_app      equal                    write none
	// tags       take_provider union                    write app
	// marketing  take_provider opt_out_wins             write app
	// birthday   take_provider no_guessed_year          write none
	// Camila written to app
}
