package usermgmt_test

import (
	"testing"

	"github.com/userdesk/userdesk/usermgmt"
)

func TestNormalizeSearch(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Élodie  MÜLLER":         "elodie muller",
		"  François\tD'Arc ":     "francois d'arc",
		"ﬁnance@Exämple.COM":     "finance@example.com",
		"Ñandú Łódź":             "nandu lodz",
		"Søren ØSTERGAARD":       "soren ostergaard",
		"Yılmaz Straße":          "yilmaz strasse",
		"":                       "",
		"Zoë O’Brien-Smith 株式会社": "zoe o'brien-smith zhu shi hui she",
	} {
		if got := usermgmt.NormalizeSearch(in); got != want {
			t.Errorf("NormalizeSearch(%q) = %q, want %q", in, got, want)
		}
	}
	if got := usermgmt.Digits("+33 (0)6 12-34.56"); got != "3306123456" {
		t.Errorf("Digits = %q", got)
	}
}
