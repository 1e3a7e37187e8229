package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// publicProfile is what other users see of a user in the front office.
type publicProfile struct {
	ID              uuid.UUID         `json:"id"`
	PictureURL      string            `json:"picture_url"`
	DisplayName     string            `json:"display_name"`
	Type            usermgmt.UserType `json:"type"`
	CompanyName     string            `json:"company_name,omitempty"`
	MotherTongue    string            `json:"mother_tongue"`
	SpokenLanguages []string          `json:"spoken_languages"`
	City            string            `json:"city"`
	Country         string            `json:"country"`
	Listings        int64             `json:"listings"`
	ReviewsReceived int64             `json:"reviews_received"`
	MemberSince     string            `json:"member_since"`
}

// userPublicProfile shows the public profile as other users see it: hidden
// (404 profile_hidden) when the status policy hides it.
func (a *API) userPublicProfile(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	u, err := a.loadUser(r, a.db, op)
	if err != nil {
		return err
	}
	if !u.Status.Allows(usermgmt.CanBeSeen) {
		return &badRequest{status: http.StatusNotFound, code: "profile_hidden",
			detail: "other users cannot see this profile: its status is " + string(u.Status)}
	}
	name := u.FirstName
	if last := []rune(u.LastName); len(last) > 0 {
		name += " " + string(last[0]) + "."
	}
	return writeJSON(w, http.StatusOK, publicProfile{
		ID: u.ID, PictureURL: u.PictureURL, DisplayName: name, Type: u.Type, CompanyName: u.CompanyName,
		MotherTongue: u.MotherTongue, SpokenLanguages: u.SpokenLanguages, City: u.LocationAddress.City,
		Country: u.LocationAddress.Country, Listings: u.Counters.Listings, ReviewsReceived: u.Counters.ReviewsReceived,
		MemberSince: u.CreatedAt.Format("2006-01"),
	})
}
