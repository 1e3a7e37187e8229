package usermgmt_test

import (
	"testing"

	"github.com/userdesk/userdesk/usermgmt"
)

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"jean.dupont@example.com", "j•••@e•••.com"},
		{"Ana@Mail.Example.co.uk", "A•••@M•••.uk"},
		{"élodie@exämple.fr", "é•••@e•••.fr"},
		{"x@localhost", "x•••@l•••"},
		{"no-at-sign", "n•••"},
		{"trailing@", "t•••@•••"},
		{"  ", ""},
		{"", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := usermgmt.MaskEmail(c.in); got != c.want {
				t.Fatalf("MaskEmail(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"+33612345678", "+33 •• •• •• 78"},
		{"+33 6 12 34 56 12", "+33 •• •• •• 12"},
		{"+12025550143", "+1 •• •• •• 43"},
		{"+4915112345678", "+49 •• •• •• 78"},
		{"+351912345678", "+351 •• •• •• 78"},
		{"+79161234567", "+7 •• •• •• 67"},
		{"0612345678", "•• •• •• 78"},
		{"+3312", "••"},
		{"12345", "••"},
		{"", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := usermgmt.MaskPhone(c.in); got != c.want {
				t.Fatalf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
