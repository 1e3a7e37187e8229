package sevenrooms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// A pasted link is understood without any network call; what was
// understood is shown before anything is fetched.
func ExampleLinkParser_Parse() {
	p, err := sevenrooms.NewLinkParser(sevenrooms.LinkConfig{})
	if err != nil {
		panic(err)
	}
	id := sevenroomstest.ClientID("s~sevenrooms-secure", "group-1", 42)
	got, err := p.Parse("https://www.sevenrooms.com/manager/lebistro/clients/profile/" + id + "?tab=history")
	fmt.Println(got.Input, got.Environment, got.Kind, got.Venue, got.ClientID == id, err)

	_, err = p.Parse("https://www.sevenrooms.com/reservations/lebistro")
	var verr *usermgmt.ValidationError
	errors.As(err, &verr)
	fmt.Println(verr.Fields[0].Field, verr.Fields[0].Rule)
	// Output:
	// url production nightloop_VenueGroupClient lebistro true <nil>
	// link guest_url
}

// The client against the fake server: a 429 with Retry-After is waited
// out (the injected sleep returns at once) and the call succeeds.
func ExampleClient_GetProfile() {
	fake := sevenroomstest.NewServer(sevenroomstest.Config{})
	defer fake.Close()
	id := fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "Durand"})
	fake.Inject(sevenroomstest.Fault{Path: "clients", Status: http.StatusTooManyRequests, RetryAfter: "2"})

	c, err := sevenrooms.NewClient(fake.ClientConfig())
	if err != nil {
		panic(err)
	}
	p, err := c.GetProfile(context.Background(), id)
	fmt.Println(p.FullName(), err, fake.Auths())
	// Output:
	// Camille Durand <nil> 1
}
