package api

import (
	"errors"
	"net/http"

	"github.com/userdesk/userdesk/usermgmt"
)

// meSection answers the dashboard sections the edit buttons open.
func (a *API) meSection(section string) userHandler {
	return func(w http.ResponseWriter, r *http.Request, me *Me) error {
		u := me.User
		var body map[string]any
		switch section {
		case "presentation":
			body = map[string]any{"picture_url": u.PictureURL, "mother_tongue": u.MotherTongue, "spoken_languages": u.SpokenLanguages}
		case "identity":
			body = map[string]any{"type": u.Type, "company_name": u.CompanyName, "first_name": u.FirstName, "last_name": u.LastName,
				"date_of_birth": u.DateOfBirth, "country_of_residence": u.CountryOfResidence, "phone": u.Phone, "email": u.Email,
				"postal_address": u.PostalAddress, "location_address": u.LocationAddress}
		case "bank-account":
			b, err := a.users.GetOwnBankAccount(r.Context(), a.db, u.ID)
			if err != nil && !errors.Is(err, usermgmt.ErrNotFound) {
				return err
			}
			body = map[string]any{"bank_account": b}
		}
		body["section"] = section
		body["impersonated_by"] = me.view().ImpersonatedBy
		return writeJSON(w, http.StatusOK, body)
	}
}
