package sevenrooms

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
)

// SearchCandidates finds the SevenRooms profiles an operator may reconnect
// the user to, for an operator holding thirdparty.PermReconnect: the live
// profiles whose email or phone is q's, or, for the parts of q left empty,
// the user's own email and phone. Deleted profiles are left out; each
// profile is listed once. The operator then previews one
// (PreviewReconnect with its id): nothing is linked or copied here.
//
// Returns a *usermgmt.PermissionError, usermgmt.ErrNotFound for an
// unknown or erased user, or the client's errors.
func (s *Service) SearchCandidates(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, q ProfileSearch) ([]thirdparty.Candidate, error) {
	if _, err := s.users.Authorize(ctx, db, actor, thirdparty.PermReconnect); err != nil {
		return nil, err
	}
	u, err := s.users.GetOwnUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if q.Email == "" && q.Phone == "" {
		q = ProfileSearch{Email: u.Email, Phone: u.Phone}
	}
	out := []thirdparty.Candidate{}
	seen := map[string]bool{}
	for _, one := range []ProfileSearch{{Phone: q.Phone}, {Email: q.Email}} {
		if one.Email == "" && one.Phone == "" {
			continue
		}
		found, err := s.api.SearchProfiles(ctx, one)
		if err != nil {
			return nil, err
		}
		for i := range found {
			if seen[found[i].ID] || found[i].IsDeleted() {
				continue
			}
			seen[found[i].ID] = true
			out = append(out, candidate(&found[i]))
		}
	}
	return out, nil
}
