package api

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// callerKind is one kind of caller of the authorization matrix.
type callerKind string

const (
	kindAnon        callerKind = "no token"
	kindForged      callerKind = "forged token"
	kindUser        callerKind = "user"
	kindInvalidated callerKind = "invalidated user"
	kindImpReadOnly callerKind = "read-only impersonation"
	kindImpFull     callerKind = "full impersonation"
	kindAdmin       callerKind = "admin"
	kindSupport     callerKind = "support"
	kindFinance     callerKind = "finance"
	kindDemoted     callerKind = "demoted admin (now support)"
	kindLoggedOut   callerKind = "logged-out operator"
	kindDeactivated callerKind = "deactivated operator"
)

var callerKinds = []callerKind{kindAnon, kindForged, kindUser, kindInvalidated, kindImpReadOnly, kindImpFull,
	kindAdmin, kindSupport, kindFinance, kindDemoted, kindLoggedOut, kindDeactivated}

// matrixRow is one route of the authorization matrix: a request that a
// permitted caller may make (its outcome may be a 4xx about the input or
// the state, never an authentication or authorization refusal), the
// operator permission it needs ("" for any active operator), and, for
// front-office routes, whether any impersonation is refused (a read-only
// one refuses every write anyway).
type matrixRow struct {
	path, body      string
	perm            usermgmt.Permission
	notImpersonated bool
}

// matrix has one row per route: TestAuthorizationMatrix fails when a
// route has no row, or a row no route. Placeholders: {uid} the target
// user, {victim} a fresh user (erasure), {guest} a guest of the target,
// {imp} an unknown impersonation, {op} a spare operator, {n} a counter.
var matrix = map[string]matrixRow{
	routeHealthz:           {path: "/healthz"},
	routeReadyz:            {path: "/readyz"},
	routeOpenAPI:           {path: "/openapi.json"},
	routeImpersonationKeys: {path: "/.well-known/userdesk/impersonation-keys"},
	routeAdminLogin:        {path: "/admin/v1/login", body: `{"email": "nobody@ops.test", "password": "not it"}`},
	routeAdminLogout:       {path: "/admin/v1/logout"},

	routeUsersList:      {path: "/admin/v1/users", perm: usermgmt.PermReadUsers},
	routeUsersCount:     {path: "/admin/v1/users/count", perm: usermgmt.PermReadUsers},
	routeUsersExport:    {path: "/admin/v1/users/export?format=csv", perm: usermgmt.PermExport},
	routeUserGet:        {path: "/admin/v1/users/{uid}", perm: usermgmt.PermReadUsers},
	routeUserPatch:      {path: "/admin/v1/users/{uid}", body: `{"version": 1, "timezone": "Europe/Paris"}`, perm: usermgmt.PermEditProfile},
	routeUserDelete:     {path: "/admin/v1/users/{victim}?reason=matrix", perm: usermgmt.PermDelete},
	routeUserStatus:     {path: "/admin/v1/users/{uid}/status", body: `{"version": 1, "status": "in_review", "reason": "matrix"}`, perm: usermgmt.PermChangeStatus},
	routeUserPassword:   {path: "/admin/v1/users/{uid}/password", body: `{"version": 1, "password": "matrix password 1", "confirmation": "matrix password 1"}`, perm: usermgmt.PermSetPassword},
	routeUserFeesGet:    {path: "/admin/v1/users/{uid}/fees", perm: usermgmt.PermReadUsers},
	routeUserFeesPut:    {path: "/admin/v1/users/{uid}/fees", body: `{"version": 1, "asker_percent": "5"}`, perm: usermgmt.PermEditFees},
	routeUserFeesPrev:   {path: "/admin/v1/users/{uid}/fees/preview?price=100", perm: usermgmt.PermReadUsers},
	routeUserCategories: {path: "/admin/v1/users/{uid}/categories", body: `{"version": 1, "category_ids": []}`, perm: usermgmt.PermEditCategories},
	routeUserVerify:     {path: "/admin/v1/users/{uid}/verifications", body: `{"version": 1, "email": true}`, perm: usermgmt.PermEditVerifications},
	routeUserBank:       {path: "/admin/v1/users/{uid}/bank-account", perm: usermgmt.PermReadUsers},
	routeUserGuests:     {path: "/admin/v1/users/{uid}/guests", perm: usermgmt.PermReadUsers},
	routeUserGuestPatch: {path: "/admin/v1/users/{uid}/guests/{guest}", body: `{"version": 1, "roles": ["view_payouts"]}`, perm: usermgmt.PermManageGuests},
	routeUserAudit:      {path: "/admin/v1/users/{uid}/audit", perm: usermgmt.PermReadUsers},
	routeUserPublic:     {path: "/admin/v1/users/{uid}/public-profile", perm: usermgmt.PermReadUsers},
	routeImpersonate:    {path: "/admin/v1/users/{uid}/impersonations", body: `{"reason": "matrix"}`, perm: usermgmt.PermImpersonate},
	routeImpList:        {path: "/admin/v1/impersonations", perm: usermgmt.PermImpersonate},
	routeImpRevoke:      {path: "/admin/v1/impersonations/{imp}", perm: usermgmt.PermImpersonate},
	routeCategories:     {path: "/admin/v1/categories"},
	routeCategoryCreate: {path: "/admin/v1/categories", body: `{"slug": "matrix-{n}", "name": "Matrix {n}"}`, perm: usermgmt.PermEditSettings},
	routeSettingsGet:    {path: "/admin/v1/settings"},
	routeSettingsPut:    {path: "/admin/v1/settings", body: `{"version": 1, "asker_percent": "1"}`, perm: usermgmt.PermEditSettings},
	routeOperators:      {path: "/admin/v1/operators", perm: usermgmt.PermManageOperators},
	routeOperatorCreate: {path: "/admin/v1/operators", body: `{"name": "M", "email": "m{n}@ops.test", "password": "a long matrix password", "roles": ["support"]}`, perm: usermgmt.PermManageOperators},
	routeOperatorRoles:  {path: "/admin/v1/operators/{op}/roles", body: `{"version": 1, "roles": ["finance"]}`, perm: usermgmt.PermManageOperators},
	routeOperatorActive: {path: "/admin/v1/operators/{op}/active", body: `{"version": 1, "active": false, "reason": "matrix"}`, perm: usermgmt.PermManageOperators},

	routeRegister:  {path: "/v1/register", body: `{"email": "r{n}@example.com", "password": "user password 1234", "first_name": "R", "last_name": "M", "type": "individual", "timezone": "Europe/Paris", "preferred_language": "fr", "roles": ["asker"]}`},
	routeLogin:     {path: "/v1/login", body: `{"email": "nobody@example.com", "password": "not it"}`},
	routeFeesQuote: {path: "/v1/fees/quote", body: `{"price": "100", "currency": "EUR"}`},
	routeMeGet:     {path: "/v1/me"},
	routeMePatch:   {path: "/v1/me", body: `{"version": 1, "timezone": "Europe/Paris"}`},
	routeMePresent: {path: "/v1/me/presentation"},
	routeMeIdent:   {path: "/v1/me/identity"},
	routeMeBank:    {path: "/v1/me/bank-account"},
	routeMePass:    {path: "/v1/me/password", body: `{"current_password": "not it", "new_password": "a new long password"}`, notImpersonated: true},
	routeMeBankPut: {path: "/v1/me/bank-account", body: `{"holder": "Ada Lovelace", "iban": "DE89370400440532013000"}`, notImpersonated: true},
	routeMeGuests:  {path: "/v1/me/guests"},
	routeMeInvite:  {path: "/v1/me/guests", body: `{"email": "g{n}@example.com", "roles": ["view_payouts"]}`, notImpersonated: true},
	routeMeAccept:  {path: "/v1/me/guest-invitations", body: `{"token": "no such token"}`, notImpersonated: true},

	routeUserReferral:         {path: "/admin/v1/users/{uid}/referral", perm: referral.PermRead},
	routeUserReferralEntries:  {path: "/admin/v1/users/{uid}/referral/entries", perm: referral.PermRead},
	routeUserReferralCredits:  {path: "/admin/v1/users/{uid}/referral/credits", body: `{"version": 0, "to": 2}`, perm: referral.PermChangeCredits},
	routeUserReferralStep:     {path: "/admin/v1/users/{uid}/referral/credit-steps", body: `{"delta": 1}`, perm: referral.PermChangeCredits},
	routeUserReferralReferrer: {path: "/admin/v1/users/{uid}/referral/referrer", body: `{"referrer_id": null, "reason": "matrix"}`, perm: referral.PermChangeReferrer},
	routeReferralFlags:        {path: "/admin/v1/referral/flags", perm: referral.PermManageFlags},
	routeReferralFlagClear:    {path: "/admin/v1/referral/flags/0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e/clear", body: `{"reason": "matrix"}`, perm: referral.PermManageFlags},

	routeUserReservations: {path: "/admin/v1/users/{uid}/reservations", perm: activity.PermReadActivity},
	routeUserEvents:       {path: "/admin/v1/users/{uid}/events", perm: activity.PermReadActivity},
	routeUserDevices:      {path: "/admin/v1/users/{uid}/devices", perm: activity.PermReadActivity},
	routeUserDeviceRevoke: {path: "/admin/v1/users/{uid}/devices/no-such-device/revoke", body: `{"reason": "matrix"}`, perm: activity.PermRevokeDevices},
	routeMeDevices:        {path: "/v1/me/devices"},
	routeMeDeviceRevoke:   {path: "/v1/me/devices/no-such-device/revoke", notImpersonated: true},
	routeMeExport:         {path: "/v1/me/export", notImpersonated: true},

	routeEmailVerifyResend:        {path: "/v1/email-verification/resend", body: `{"email": "m{n}@example.com"}`},
	routeEmailVerifyConfirm:       {path: "/v1/email-verification/confirm", body: `{"token": "no such token"}`},
	routeEmailChangeConfirm:       {path: "/v1/email-change/confirm", body: `{"token": "no such token"}`},
	routePasswordForgot:           {path: "/v1/password-reset", body: `{"email": "m{n}@example.com"}`},
	routePasswordReset:            {path: "/v1/password-reset/confirm", body: `{"token": "no such token", "password": "a long new password"}`},
	routeMeEmailVerify:            {path: "/v1/me/email-verification"},
	routeMeEmailChange:            {path: "/v1/me/email-change", body: `{"email": "new{n}@example.com"}`, notImpersonated: true},
	routeMePhoneCode:              {path: "/v1/me/phone-verification"},
	routeMePhoneCheck:             {path: "/v1/me/phone-verification/check", body: `{"code": "000000"}`},
	routeUserResetLink:            {path: "/admin/v1/users/{uid}/password-reset", perm: verification.PermSendPasswordReset},
	routeUserIDVerifyGet:          {path: "/admin/v1/users/{uid}/id-verification", perm: usermgmt.PermReadUsers},
	routeUserIDVerifyPut:          {path: "/admin/v1/users/{uid}/id-verification", body: `{"version": 1, "verified": true, "reason": "matrix"}`, perm: verification.PermSetIDVerification},
	routeDevOutbox:                {path: "/dev/outbox"},
	routeUserSevenRooms:           {path: "/admin/v1/users/{uid}/sevenrooms", perm: thirdparty.PermReadLinks},
	routeUserSevenRoomsCheck:      {path: "/admin/v1/users/{uid}/sevenrooms/check", perm: thirdparty.PermReconnect},
	routeUserSevenRoomsCandidates: {path: "/admin/v1/users/{uid}/sevenrooms/candidates", perm: thirdparty.PermReconnect},
	routeUserSevenRoomsDuplicates: {path: "/admin/v1/users/{uid}/sevenrooms/duplicates", perm: thirdparty.PermReadLinks},
	routeUserSevenRoomsPreview:    {path: "/admin/v1/users/{uid}/sevenrooms/preview", body: `{"link": "https://www.sevenrooms.com/reservations/x"}`, perm: thirdparty.PermReconnect},
	routeUserSevenRoomsReconnect:  {path: "/admin/v1/users/{uid}/sevenrooms/reconnect", body: `{"client_id": "x", "user_version": 1, "reason": ""}`, perm: thirdparty.PermReconnect},
	routeUserSevenRoomsCreate:     {path: "/admin/v1/users/{uid}/sevenrooms/profile", body: `{"reason": ""}`, perm: thirdparty.PermReconnect},
	routeUserSevenRoomsUnlink:     {path: "/admin/v1/users/{uid}/sevenrooms", body: `{"version": 99, "reason": "matrix"}`, perm: thirdparty.PermReconnect},
	routeSevenRoomsParse:          {path: "/admin/v1/sevenrooms/parse", body: `{"link": "nope"}`},
	routeSevenRoomsAmbiguous:      {path: "/admin/v1/sevenrooms/ambiguous", perm: thirdparty.PermReadLinks},
	routeSevenRoomsMergeUndo:      {path: "/admin/v1/sevenrooms/merges/0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e/undo", body: `{"reason": "matrix"}`, perm: thirdparty.PermUndo},
	routeSevenRoomsMergeRetry:     {path: "/admin/v1/sevenrooms/merges/0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e/retry", perm: thirdparty.PermReconnect},
	routeSevenRoomsWebhook:        {path: "/webhooks/sevenrooms", body: `{"entity_type": "client", "event_type": "deleted", "entity": {}}`},
}

// refusal says whether an answer is an authentication (401 unauthenticated
// or invalid_token) or an authorization refusal (403).
func refusal(status int, raw []byte) string {
	var p problem
	_ = json.Unmarshal(raw, &p)
	switch {
	case status == 401 && (p.Code == "unauthenticated" || p.Code == "invalid_token"):
		return "401"
	case status == 403:
		return "403"
	}
	return ""
}

// TestAuthorizationMatrix calls every route as every kind of caller and
// checks who is refused how: operator routes refuse everyone but live,
// active operators (401) and the operators whose roles lack the route's
// permission (403); front-office routes refuse everyone but the user and
// impersonations (401), writes under a read-only impersonation and the
// user's own credentials and payouts under any impersonation (403);
// public routes refuse nobody.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	for _, r := range newRoutesOnly().Routes() {
		if _, ok := matrix[r.Pattern]; !ok {
			t.Errorf("route %q has no row in the authorization matrix", r.Pattern)
		}
	}
	for pattern := range matrix {
		if !slices.ContainsFunc(newRoutesOnly().Routes(), func(r Route) bool { return r.Pattern == pattern }) {
			t.Errorf("matrix row %q is not a route", pattern)
		}
	}
	if t.Failed() {
		return
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newE2EWith(t, db, withSevenRooms(t, sevenroomstest.New(t, sevenroomstest.Config{})))
		s := e.app.users
		op := func(name string, roles ...usermgmt.OperatorRole) uuid.UUID {
			o, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: name, Email: name + "@matrix.test", Password: "operator password " + name, Roles: roles})
			if err != nil {
				t.Fatal(err)
			}
			return o.ID
		}
		ops := map[callerKind]uuid.UUID{
			kindAdmin: op("admin", usermgmt.RoleAdmin), kindSupport: op("support", usermgmt.RoleSupport), kindFinance: op("finance", usermgmt.RoleFinance),
			kindDemoted: op("demoted", usermgmt.RoleAdmin), kindLoggedOut: op("loggedout", usermgmt.RoleAdmin), kindDeactivated: op("deactivated", usermgmt.RoleAdmin),
		}
		if err := s.SetOperatorRoles(ctx, db, ops[kindDemoted], []usermgmt.OperatorRole{usermgmt.RoleSupport}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOperatorActive(ctx, db, ops[kindDeactivated], false); err != nil {
			t.Fatal(err)
		}
		spare := op("spare", usermgmt.RoleSupport)
		target := e.register("Target", "User", "target@example.com", "+33600000001", "asker", "offeror")
		ada := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		bob := e.register("Bob", "Invalid", "bob@example.com", "", "asker")
		login := func(email string) string {
			return e.anon.json("POST", "/v1/login", map[string]string{"email": email, "password": "user password 1234"}, 200)["token"].(string)
		}
		adaToken, bobToken := login("ada@example.com"), login("bob@example.com")
		admin, err := s.GetOperator(ctx, db, ops[kindAdmin])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeStatus(ctx, db, admin.ID, uuid.MustParse(bob), usermgmt.StatusInvalidated, "matrix"); err != nil {
			t.Fatal(err)
		}
		g, _, err := s.InviteGuest(ctx, db, uuid.MustParse(target), usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}})
		if err != nil {
			t.Fatal(err)
		}
		supportSession := e.operatorSession(ops[kindSupport])
		impersonate := func(scope string) string {
			return e.anon.as(supportSession).json("POST", "/admin/v1/users/"+ada+"/impersonations", map[string]string{"reason": "matrix", "scope": scope}, 201)["token"].(string)
		}
		impRO, impFull := impersonate("read_only"), impersonate("full")
		var n atomic.Int64
		token := func(k callerKind) string {
			switch k {
			case kindAnon:
				return ""
			case kindForged:
				return "forged-token"
			case kindUser:
				return adaToken
			case kindInvalidated:
				return bobToken
			case kindImpReadOnly:
				return impRO
			case kindImpFull:
				return impFull
			case kindLoggedOut:
				tok := e.operatorSession(ops[k])
				if err := s.EndSession(ctx, db, tok); err != nil {
					t.Fatal(err)
				}
				return tok
			}
			return e.operatorSession(ops[k]) // a fresh one: logout may end it
		}
		routes := newRoutesOnly().Routes()
		for _, r := range routes {
			row := matrix[r.Pattern]
			method, _, _ := strings.Cut(r.Pattern, " ")
			for _, k := range callerKinds {
				var want string
				switch r.Caller {
				case CallerOperator:
					id, isOp := ops[k]
					switch {
					case !isOp || k == kindLoggedOut || k == kindDeactivated:
						want = "401"
					case row.perm != "":
						o, err := s.GetOperator(ctx, db, id)
						if err != nil {
							t.Fatal(err)
						}
						if !s.Can(o, row.perm) {
							want = "403"
						}
					}
				case CallerUser:
					switch k {
					case kindUser:
					case kindImpReadOnly:
						if method != http.MethodGet || row.notImpersonated {
							want = "403"
						}
					case kindImpFull:
						if row.notImpersonated {
							want = "403"
						}
					default:
						want = "401"
					}
				}
				i := n.Add(1)
				victim := ""
				if strings.Contains(row.path, "{victim}") {
					victim = e.register("Victim", "User", fmt.Sprintf("victim%d@example.com", i), "", "asker")
				}
				path := strings.NewReplacer("{uid}", target, "{victim}", victim, "{guest}", g.ID.String(), "{imp}", uuid.NewString(),
					"{op}", spare.String(), "{n}", fmt.Sprint(i)).Replace(row.path)
				body := strings.ReplaceAll(row.body, "{n}", fmt.Sprint(i))
				var b any
				if body != "" {
					b = body
				}
				st, _, raw := e.anon.as(token(k)).do(method, path, b)
				if got := refusal(st, raw); got != want {
					t.Errorf("%s as %s: %d %.200s; want refusal %q", r.Pattern, k, st, raw, want)
				}
				if st >= 500 {
					t.Errorf("%s as %s: %d %.200s", r.Pattern, k, st, raw)
				}
			}
		}
	})
}

// operatorID is the id of an operator holding role.
func (e *e2e) operatorID(role usermgmt.OperatorRole) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	if err := e.db.NewSelect().TableExpr("userdesk_operator_roles").Column("operator_id").Where("role = ?", role).Limit(1).Scan(context.Background(), &id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// operatorSession starts a session for operator id directly.
func (e *e2e) operatorSession(id uuid.UUID) string {
	e.t.Helper()
	tok, _, err := e.app.users.StartSession(context.Background(), e.db, usermgmt.OperatorSession, id, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// TestTokenAttacks sends forged, altered and out-of-place tokens to a
// front-office and a back-office route: each is 401, never a 500, and the
// genuine token still works.
func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newE2E(t, db)
		support := e.operator(usermgmt.RoleSupport)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		issue := func(c *client) string {
			return c.json("POST", "/admin/v1/users/"+uid+"/impersonations", map[string]string{"reason": "attack test", "scope": "full"}, 201)["token"].(string)
		}
		good := issue(support)
		e.anon.as(good).json("GET", "/v1/me", nil, 200)
		parts := strings.Split(good, ".") // v4 public payload footer
		if len(parts) != 4 {
			t.Fatalf("token shape: %q", good)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[2])
		flip := func(s string, i int) string {
			b := []byte(s)
			b[i] ^= 0x01
			return string(b)
		}
		reencode := func(p, footer []byte) string {
			return "v4.public." + base64.RawURLEncoding.EncodeToString(p) + "." + base64.RawURLEncoding.EncodeToString(footer)
		}
		footer, _ := base64.RawURLEncoding.DecodeString(parts[3])

		// Tokens another service signs: the same key for another audience,
		// an expired one, one signed by a key the ring does not have.
		other := func(audience string, now func() time.Time, key ed25519.PrivateKey, kid string) string {
			imp, err := impersonation.New(impersonation.Config{Users: e.app.users, Audience: audience, Now: now, DefaultTTL: 15 * time.Minute,
				Keys: impersonation.KeyRing{Current: kid, Keys: []impersonation.Key{{ID: kid, Private: key}}}})
			if err != nil {
				t.Fatal(err)
			}
			supportID := e.operatorID(usermgmt.RoleSupport)
			iss, err := imp.Issue(ctx, db, impersonation.IssueRequest{OperatorID: supportID, UserID: uuid.MustParse(uid), Reason: "attack", Scope: impersonation.ScopeFull,
				OperatorSession: e.operatorSession(supportID)})
			if err != nil {
				t.Fatal(err)
			}
			return iss.Token
		}
		ourKey := signingKeyOf(e.app)
		_, strangerKey, _ := ed25519.GenerateKey(nil)
		revoked := issue(support)
		var claims struct{ Jti string }
		p, _ := base64.RawURLEncoding.DecodeString(strings.Split(revoked, ".")[2])
		if err := json.Unmarshal(p[:len(p)-64], &claims); err != nil {
			t.Fatal(err)
		}
		support.json("DELETE", "/admin/v1/impersonations/"+claims.Jti, nil, 204)
		operatorToken := support.token

		// Genuinely made tokens of other versions and purposes, carrying
		// the good token's claims and footer: the same Ed25519 key under
		// v2.public (the algorithm-confusion attempt), v3.public, v4.local,
		// and v4.public under another implicit assertion.
		tok, err := paseto.NewTokenFromClaimsJSON(payload[:len(payload)-64], footer)
		if err != nil {
			t.Fatal(err)
		}
		v2key, err := paseto.NewV2AsymmetricSecretKeyFromEd25519(ourKey)
		if err != nil {
			t.Fatal(err)
		}
		v4key, err := paseto.NewV4AsymmetricSecretKeyFromEd25519(ourKey)
		if err != nil {
			t.Fatal(err)
		}
		implicit := []byte("userdesk/impersonation/v1")
		if resigned := tok.V4Sign(v4key, implicit); e.anon.as(resigned).json("GET", "/v1/me", nil, 200) == nil {
			t.Fatal("the control token (same claims, our key, v4.public) was refused")
		}

		for _, c := range []struct{ name, token string }{
			{"genuine v2.public, same key", tok.V2Sign(v2key)},
			{"genuine v3.public", tok.V3Sign(paseto.NewV3AsymmetricSecretKey(), implicit)},
			{"genuine v4.local", tok.V4Encrypt(paseto.NewV4SymmetricKey(), implicit)},
			{"v4.public, other implicit assertion", tok.V4Sign(v4key, []byte("someone-else/v1"))},
			{"tampered payload", reencode([]byte(flip(string(payload), 5)), footer)},
			{"tampered signature", reencode([]byte(flip(string(payload), len(payload)-1)), footer)},
			{"stripped signature", reencode(payload[:len(payload)-64], footer)},
			{"key id swapped", reencode(payload, []byte(`{"kid":"k2"}`))},
			{"no footer", "v4.public." + parts[2]},
			{"v2.public", "v2.public." + parts[2] + "." + parts[3]},
			{"v3.public", "v3.public." + parts[2] + "." + parts[3]},
			{"v4.local", "v4.local." + parts[2] + "." + parts[3]},
			{"a JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
			{"another audience", other("http://evil.test", nil, ourKey, "k1")},
			{"expired", other("http://front.test", func() time.Time { return time.Now().Add(-2 * time.Hour) }, ourKey, "k1")},
			{"unknown signing key", other("http://front.test", nil, strangerKey, "k9")},
			{"revoked", revoked},
			{"an operator session as a user token", operatorToken},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, path := range []string{"/v1/me", "/v1/me/identity"} {
					st, _, raw := e.anon.as(c.token).do("GET", path, nil)
					if st != 401 || refusal(st, raw) != "401" {
						t.Errorf("GET %s: %d %s", path, st, raw)
					}
				}
			})
		}
		// Chains: an impersonation token does not open the back office,
		// so it cannot issue another impersonation.
		for _, path := range []string{"/admin/v1/users", "/admin/v1/users/" + uid + "/impersonations"} {
			method := map[bool]string{true: "POST", false: "GET"}[strings.HasSuffix(path, "impersonations")]
			if st, _, raw := e.anon.as(good).do(method, path, `{"reason": "chain"}`); st != 401 {
				t.Errorf("%s %s with an impersonation token: %d %s", method, path, st, raw)
			}
		}
		e.anon.as(good).json("GET", "/v1/me", nil, 200)
	})
}
