package sevenrooms_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
)

func clientKey(app string, id int64) string {
	return sevenrooms.Key{App: app, Path: []sevenrooms.KeyElement{
		{Kind: "nightloop_VenueGroup", Name: "group-1"},
		{Kind: "nightloop_VenueGroupClient", ID: id},
	}}.Encode()
}

var (
	prodID  = clientKey("s~sevenrooms-secure", 5066549580791808)
	demoID  = clientKey("s~sevenrooms-secure-demo", 42)
	venueID = sevenrooms.Key{App: "s~sevenrooms-secure", Path: []sevenrooms.KeyElement{{Kind: "nightloop_Venue", ID: 7}}}.Encode()
)

func newParser(t testing.TB, cfg sevenrooms.LinkConfig) *sevenrooms.LinkParser {
	t.Helper()
	p, err := sevenrooms.NewLinkParser(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	p := newParser(t, sevenrooms.LinkConfig{})
	cases := []struct {
		name, in, input, venue string
	}{
		{"bare id", prodID, "id", ""},
		{"bare id with spaces around", "  " + prodID + "\n", "id", ""},
		{"manager url", "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + prodID, "url", "lebistro"},
		{"manager2 url", "https://www.sevenrooms.com/manager2/lebistro/clients/profile/" + prodID, "url", "lebistro"},
		{"query and fragment ignored", "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + prodID + "?tab=history&x=1#notes", "url", "lebistro"},
		{"trailing slash", "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + prodID + "/", "url", "lebistro"},
		{"no scheme", "www.sevenrooms.com/manager/lebistro/clients/profile/" + prodID, "url", "lebistro"},
		{"host in capitals", "https://WWW.SevenRooms.com/manager/lebistro/clients/profile/" + prodID, "url", "lebistro"},
		{"http", "http://sevenrooms.com/manager/lebistro/clients/profile/" + prodID, "url", "lebistro"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(c.in)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got.ClientID != prodID || got.Environment != sevenrooms.Production || got.Kind != "nightloop_VenueGroupClient" || got.Input != c.input || got.Venue != c.venue {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	p := newParser(t, sevenrooms.LinkConfig{})
	cases := []struct {
		name, in, rule, says string
	}{
		{"empty", "  ", sevenrooms.RuleRequired, "paste"},
		{"other host", "https://evil.example.com/manager/x/clients/profile/" + prodID, sevenrooms.RuleHost, "not a SevenRooms manager link"},
		{"lookalike host", "https://www.sevenrooms.com.evil.io/manager/x/clients/profile/" + prodID, sevenrooms.RuleHost, "expected"},
		{"credentials in url", "https://a:b@www.sevenrooms.com/manager/x/clients/profile/" + prodID, sevenrooms.RuleHost, "credentials"},
		{"port", "https://www.sevenrooms.com:8443/manager/x/clients/profile/" + prodID, sevenrooms.RuleHost, "port"},
		{"internal address", "http://169.254.169.254/latest/meta-data", sevenrooms.RuleHost, "expected"},
		{"other scheme", "file:///etc/passwd", sevenrooms.RuleNotProfileURL, "expected"},
		{"javascript", "javascript://www.sevenrooms.com/%0aalert(1)", sevenrooms.RuleNotProfileURL, "web link"},
		{"guest booking widget", "https://www.sevenrooms.com/reservations/lebistro?venues=x", sevenrooms.RuleGuestURL, "guest-facing"},
		{"guest explore page", "https://www.sevenrooms.com/explore/lebistro/reservations/create/search", sevenrooms.RuleGuestURL, "guest-facing"},
		{"manager reservation page", "https://www.sevenrooms.com/manager/lebistro/reservations/day/03-04-2026?actual_id=" + prodID, sevenrooms.RuleNotProfileURL, "not a client profile"},
		{"profile without id", "https://www.sevenrooms.com/manager/lebistro/clients/profile/", sevenrooms.RuleNotProfileURL, "expected"},
		{"malformed id", "not-an-id", sevenrooms.RuleMalformedID, "after \"profile\""},
		{"malformed id in url", "https://www.sevenrooms.com/manager/x/clients/profile/zzzz", sevenrooms.RuleMalformedID, "client id"},
		{"truncated id", prodID[:len(prodID)-6], sevenrooms.RuleMalformedID, "client id"},
		{"demo id on production", demoID, sevenrooms.RuleWrongEnvironment, "demo"},
		{"demo host with production id", "https://demo.sevenrooms.com/manager/x/clients/profile/" + prodID, sevenrooms.RuleWrongEnvironment, "edited"},
		{"unknown app", clientKey("s~someone-else", 1), sevenrooms.RuleWrongEnvironment, "does not know"},
		{"venue id", venueID, sevenrooms.RuleWrongKind, "nightloop_Venue"},
		{"too long", strings.Repeat("a", 5000), sevenrooms.RuleMalformedID, "too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Parse(c.in)
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("err = %v; want a validation error", err)
			}
			if len(verr.Fields) != 1 || verr.Fields[0].Field != "link" || verr.Fields[0].Rule != c.rule {
				t.Fatalf("fields = %+v; want link/%s", verr.Fields, c.rule)
			}
			if !strings.Contains(verr.Fields[0].Message, c.says) {
				t.Fatalf("message %q does not say %q", verr.Fields[0].Message, c.says)
			}
		})
	}
}

func TestParseDemoEnvironment(t *testing.T) {
	t.Parallel()
	p := newParser(t, sevenrooms.LinkConfig{Environment: sevenrooms.Demo})
	got, err := p.Parse("https://demo.sevenrooms.com/manager/x/clients/profile/" + demoID)
	if err != nil || got.Environment != sevenrooms.Demo {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := p.Parse(prodID); err == nil {
		t.Fatal("production id accepted by a demo installation")
	}
}

func TestParseConfiguredPattern(t *testing.T) {
	t.Parallel()
	p := newParser(t, sevenrooms.LinkConfig{
		Hosts:        map[string]sevenrooms.Environment{"crm.example.eu": sevenrooms.Production},
		ProfilePaths: []string{"/m/{venue}/guests/{client_id}"},
	})
	if _, err := p.Parse("https://crm.example.eu/m/v/guests/" + prodID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse("https://www.sevenrooms.com/manager/v/clients/profile/" + prodID); err == nil {
		t.Fatal("default host accepted when hosts are configured")
	}
	for _, bad := range []string{"/m/{venue}", "/m//{client_id}", "/m/{Venue}/{client_id}"} {
		if _, err := sevenrooms.NewLinkParser(sevenrooms.LinkConfig{ProfilePaths: []string{bad}}); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
}

func TestKeyRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := sevenrooms.DecodeKey(prodID)
	if err != nil {
		t.Fatal(err)
	}
	if k.App != "s~sevenrooms-secure" || k.Kind() != "nightloop_VenueGroupClient" || len(k.Path) != 2 || k.Path[1].ID != 5066549580791808 || k.Path[0].Name != "group-1" {
		t.Fatalf("decoded %s", k)
	}
	if k.Encode() != prodID {
		t.Fatal("encode is not the inverse of decode")
	}
	// A production venue key, encoded independently of this package from
	// the wire format (the shape of the venue ids seen in public code).
	real := "ahNzfnNldmVucm9vbXMtc2VjdXJlchwLEg9uaWdodGxvb3BfVmVudWUYgICAgICAgAoM"
	k, err = sevenrooms.DecodeKey(real)
	if err != nil {
		t.Fatal(err)
	}
	if k.App != "s~sevenrooms-secure" || k.Kind() != "nightloop_Venue" {
		t.Fatalf("decoded %s", k)
	}
}
