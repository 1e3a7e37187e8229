package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// demoSevenRoomsUsers is how many of the oldest demo users get a
// SevenRooms story.
const demoSevenRoomsUsers = 5

// demoProfileBase numbers the demo profiles' ids, far from the ids the
// fake hands out itself.
const demoProfileBase = 9_000_000

// seedSevenRoomsDemo gives the in-process fake SevenRooms the profiles of
// the demo story, and links the oldest demo users to them the first time:
//
//   - the 1st user is linked to a profile with the same details;
//   - the 2nd is linked too, and a second profile shares their phone with
//     another spelling of their name and more visits: search and
//     reconnect to it, choose per field, then undo;
//   - the 3rd is linked to a profile deleted at SevenRooms: a red link;
//   - the 4th is ambiguous: two profiles share their phone;
//   - the 5th is not linked; a profile with their email exists.
//
// The fake keeps its data in memory, so the profiles are stored again at
// every start, with fixed ids, and the links (in the database) stay
// valid. Profiles the fake created for a login of an earlier run are gone
// after a restart; the health checker then marks those links not found.
func (a *app) seedSevenRoomsDemo(ctx context.Context) error {
	var users []usermgmt.User
	err := a.db.NewSelect().Model(&users).Where("status = ?", usermgmt.StatusLive).
		Order("created_at", "id").Limit(demoSevenRoomsUsers).Scan(ctx)
	if err != nil {
		return fmt.Errorf("demo sevenrooms: %w", err)
	}
	if len(users) < demoSevenRoomsUsers {
		return nil
	}
	n := int64(demoProfileBase)
	id := func() string {
		n++
		return sevenroomstest.ClientID(a.fake.App(), a.fakeGroup(), n)
	}
	created := time.Now().AddDate(-1, 0, 0).UTC()
	profile := func(u usermgmt.User, visits int) sevenrooms.Profile {
		return sevenrooms.Profile{
			ID: id(), FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, PhoneNumber: u.Phone,
			City: u.PostalAddress.City, Country: u.PostalAddress.Country, TotalVisits: visits,
			ExternalUserID: u.ID.String(), Created: sevenrooms.Time{Time: created}, Updated: sevenrooms.Time{Time: created},
		}
	}
	type story struct {
		user     usermgmt.User
		status   thirdparty.Status
		reason   thirdparty.Reason
		linkTo   string
		cands    []thirdparty.Candidate
		profiles []sevenrooms.Profile
	}
	var stories []story

	// 1: linked, same details.
	p := profile(users[0], 4)
	stories = append(stories, story{user: users[0], status: thirdparty.StatusLinked, linkTo: p.ID, profiles: []sevenrooms.Profile{p}})
	// 2: linked, and a second profile to reconnect to.
	p = profile(users[1], 2)
	alt := profile(users[1], 17)
	alt.ExternalUserID, alt.FirstName, alt.Email = "", users[1].FirstName+"-Marie", "guest."+users[1].Email
	alt.City, alt.BirthdayDay, alt.BirthdayMonth = "Nice", 14, 7
	stories = append(stories, story{user: users[1], status: thirdparty.StatusLinked, linkTo: p.ID, profiles: []sevenrooms.Profile{p, alt}})
	// 3: linked to a profile deleted since.
	p = profile(users[2], 1)
	p.Deleted = sevenrooms.Time{Time: created.AddDate(0, 6, 0)}
	stories = append(stories, story{user: users[2], status: thirdparty.StatusBroken, reason: thirdparty.ReasonDeleted, linkTo: p.ID, profiles: []sevenrooms.Profile{p}})
	// 4: ambiguous, two profiles share the phone.
	p, alt = profile(users[3], 9), profile(users[3], 1)
	p.ExternalUserID, alt.ExternalUserID, p.Email, alt.Email, alt.FirstName = "", "", "", "", "Someone"
	stories = append(stories, story{user: users[3], status: thirdparty.StatusAmbiguous, profiles: []sevenrooms.Profile{p, alt},
		cands: []thirdparty.Candidate{{ExternalID: p.ID, Name: p.FullName(), Reservations: 9}, {ExternalID: alt.ID, Name: alt.FullName(), Reservations: 1}}})
	// 5: not linked; a profile has their email.
	p = profile(users[4], 3)
	p.ExternalUserID, p.PhoneNumber = "", ""
	stories = append(stories, story{user: users[4], profiles: []sevenrooms.Profile{p}})

	return a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range stories {
			for _, p := range s.profiles {
				a.fake.AddProfile(p)
			}
			if s.status == "" {
				continue
			}
			if _, err := thirdparty.FindLink(ctx, tx, s.user.ID, sevenrooms.Provider); !errors.Is(err, thirdparty.ErrNotFound) {
				continue // linked at an earlier start, or since
			}
			now := time.Now().UTC()
			ch := thirdparty.LinkChange{
				UserID: s.user.ID, Provider: sevenrooms.Provider, ExternalID: s.linkTo, Environment: string(sevenrooms.DefaultApps[a.fake.App()]),
				Status: s.status, Reason: s.reason, Candidates: s.cands, Checked: &now, AuditReason: "demo data",
			}
			if s.status == thirdparty.StatusAmbiguous {
				ch.Detail = "several SevenRooms profiles share the user's contact details"
			}
			if _, err := a.links.SaveLink(ctx, tx, ch); err != nil {
				return fmt.Errorf("demo sevenrooms link: %w", err)
			}
		}
		return nil
	})
}

// fakeGroup is the fake's venue group (its default).
func (a *app) fakeGroup() string {
	if g := a.fake.ClientConfig().VenueGroupID; g != "" {
		return g
	}
	return "group-1"
}
