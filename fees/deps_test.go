package fees_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps fees free of storage and frameworks: standard
// library and shopspring/decimal only.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not in PATH")
	}
	const self = "github.com/userdesk/userdesk/fees"
	out, err := exec.Command(goTool, "list", "-deps", self).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", self, err, msg)
	}
	for _, pkg := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(pkg, "/")
		switch {
		case !strings.Contains(first, "."): // standard library
		case pkg == self, pkg == "github.com/shopspring/decimal":
		default:
			t.Errorf("fees depends on %s; only the standard library and github.com/shopspring/decimal are allowed", pkg)
		}
	}
}
