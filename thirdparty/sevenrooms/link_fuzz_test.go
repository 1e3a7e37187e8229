package sevenrooms_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
)

// FuzzParseLink checks that Parse never panics, that whatever it accepts
// is a production guest-profile id that decodes, and that whatever it
// refuses is a validation error on "link" with a message. The seed corpus
// is in testdata/fuzz/FuzzParseLink.
func FuzzParseLink(f *testing.F) {
	for _, s := range []string{
		prodID, demoID, venueID, "",
		"https://www.sevenrooms.com/manager/v/clients/profile/" + prodID + "?a=b#c",
		"https://www.sevenrooms.com/reservations/v",
	} {
		f.Add(s)
	}
	p := newParser(f, sevenrooms.LinkConfig{})
	f.Fuzz(func(t *testing.T, in string) {
		got, err := p.Parse(in)
		if err != nil {
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != "link" || verr.Fields[0].Message == "" {
				t.Fatalf("Parse(%q) error %v is not a link validation error", in, err)
			}
			return
		}
		k, err := sevenrooms.DecodeKey(got.ClientID)
		if err != nil {
			t.Fatalf("Parse(%q) accepted an id that does not decode: %v", in, err)
		}
		if got.Environment != sevenrooms.Production || !slices.Contains(sevenrooms.DefaultClientKinds, k.Kind()) {
			t.Fatalf("Parse(%q) accepted %+v", in, got)
		}
	})
}

// FuzzDecodeKey checks that DecodeKey never panics and that Encode is its
// inverse on everything it accepts.
func FuzzDecodeKey(f *testing.F) {
	for _, s := range []string{prodID, demoID, venueID, "ahNz", "", "===="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := sevenrooms.DecodeKey(s)
		if err != nil {
			return
		}
		back, err := sevenrooms.DecodeKey(k.Encode())
		if err != nil {
			t.Fatalf("re-decoding %q: %v", k.Encode(), err)
		}
		if !reflect.DeepEqual(k, back) {
			t.Fatalf("round trip of %q: %+v != %+v", s, k, back)
		}
	})
}
