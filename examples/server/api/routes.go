package api

// Route patterns (Go 1.22 ServeMux), one constant per route. The OpenAPI
// document lists exactly these; a test checks both ways.
const (
	routeHealthz           = "GET /healthz"
	routeReadyz            = "GET /readyz"
	routeOpenAPI           = "GET /openapi.json"
	routeImpersonationKeys = "GET /.well-known/userdesk/impersonation-keys"

	routeAdminLogin  = "POST /admin/v1/login"
	routeAdminLogout = "POST /admin/v1/logout"

	routeUsersList      = "GET /admin/v1/users"
	routeUsersCount     = "GET /admin/v1/users/count"
	routeUsersExport    = "GET /admin/v1/users/export"
	routeUserGet        = "GET /admin/v1/users/{uid}"
	routeUserPatch      = "PATCH /admin/v1/users/{uid}"
	routeUserDelete     = "DELETE /admin/v1/users/{uid}"
	routeUserStatus     = "PUT /admin/v1/users/{uid}/status"
	routeUserPassword   = "PUT /admin/v1/users/{uid}/password"
	routeUserFeesGet    = "GET /admin/v1/users/{uid}/fees"
	routeUserFeesPut    = "PUT /admin/v1/users/{uid}/fees"
	routeUserFeesPrev   = "GET /admin/v1/users/{uid}/fees/preview"
	routeUserCategories = "PUT /admin/v1/users/{uid}/categories"
	routeUserVerify     = "PUT /admin/v1/users/{uid}/verifications"
	routeUserBank       = "GET /admin/v1/users/{uid}/bank-account"
	routeUserGuests     = "GET /admin/v1/users/{uid}/guests"
	routeUserGuestPatch = "PATCH /admin/v1/users/{uid}/guests/{id}"
	routeUserAudit      = "GET /admin/v1/users/{uid}/audit"
	routeUserPublic     = "GET /admin/v1/users/{uid}/public-profile"
	routeImpersonate    = "POST /admin/v1/users/{uid}/impersonations"
	routeImpList        = "GET /admin/v1/impersonations"
	routeImpRevoke      = "DELETE /admin/v1/impersonations/{id}"
	routeCategories     = "GET /admin/v1/categories"
	routeCategoryCreate = "POST /admin/v1/categories"
	routeSettingsGet    = "GET /admin/v1/settings"
	routeSettingsPut    = "PUT /admin/v1/settings"
	routeOperators      = "GET /admin/v1/operators"
	routeOperatorCreate = "POST /admin/v1/operators"
	routeOperatorRoles  = "PUT /admin/v1/operators/{id}/roles"
	routeOperatorActive = "PUT /admin/v1/operators/{id}/active"

	routeRegister  = "POST /v1/register"
	routeLogin     = "POST /v1/login"
	routeMeGet     = "GET /v1/me"
	routeMePatch   = "PATCH /v1/me"
	routeMePresent = "GET /v1/me/presentation"
	routeMeIdent   = "GET /v1/me/identity"
	routeMeBank    = "GET /v1/me/bank-account"
	routeMePass    = "PUT /v1/me/password"
	routeMeBankPut = "PUT /v1/me/bank-account"
	routeMeGuests  = "GET /v1/me/guests"
	routeMeInvite  = "POST /v1/me/guests"
	routeMeAccept  = "POST /v1/me/guest-invitations"
	routeFeesQuote = "POST /v1/fees/quote"
	routeMeExport  = "GET /v1/me/export"

	routeUserReferral         = "GET /admin/v1/users/{uid}/referral"
	routeUserReferralEntries  = "GET /admin/v1/users/{uid}/referral/entries"
	routeUserReferralCredits  = "PUT /admin/v1/users/{uid}/referral/credits"
	routeUserReferralStep     = "POST /admin/v1/users/{uid}/referral/credit-steps"
	routeUserReferralReferrer = "PUT /admin/v1/users/{uid}/referral/referrer"
	routeReferralFlags        = "GET /admin/v1/referral/flags"
	routeReferralFlagClear    = "POST /admin/v1/referral/flags/{id}/clear"

	routeUserReservations = "GET /admin/v1/users/{uid}/reservations"
	routeUserEvents       = "GET /admin/v1/users/{uid}/events"
	routeUserDevices      = "GET /admin/v1/users/{uid}/devices"
	routeUserDeviceRevoke = "POST /admin/v1/users/{uid}/devices/{device}/revoke"
	routeMeDevices        = "GET /v1/me/devices"
	routeMeDeviceRevoke   = "POST /v1/me/devices/{device}/revoke"

	routeEmailVerifyResend        = "POST /v1/email-verification/resend"
	routeEmailVerifyConfirm       = "POST /v1/email-verification/confirm"
	routeEmailChangeConfirm       = "POST /v1/email-change/confirm"
	routePasswordForgot           = "POST /v1/password-reset"
	routePasswordReset            = "POST /v1/password-reset/confirm"
	routeMeEmailVerify            = "POST /v1/me/email-verification"
	routeMeEmailChange            = "POST /v1/me/email-change"
	routeMePhoneCode              = "POST /v1/me/phone-verification"
	routeMePhoneCheck             = "POST /v1/me/phone-verification/check"
	routeUserResetLink            = "POST /admin/v1/users/{uid}/password-reset"
	routeUserIDVerifyGet          = "GET /admin/v1/users/{uid}/id-verification"
	routeUserIDVerifyPut          = "PUT /admin/v1/users/{uid}/id-verification"
	routeDevOutbox                = "GET /dev/outbox"
	routeUserSevenRooms           = "GET /admin/v1/users/{uid}/sevenrooms"
	routeUserSevenRoomsCheck      = "POST /admin/v1/users/{uid}/sevenrooms/check"
	routeUserSevenRoomsCandidates = "GET /admin/v1/users/{uid}/sevenrooms/candidates"
	routeUserSevenRoomsDuplicates = "GET /admin/v1/users/{uid}/sevenrooms/duplicates"
	routeUserSevenRoomsPreview    = "POST /admin/v1/users/{uid}/sevenrooms/preview"
	routeUserSevenRoomsReconnect  = "POST /admin/v1/users/{uid}/sevenrooms/reconnect"
	routeUserSevenRoomsCreate     = "POST /admin/v1/users/{uid}/sevenrooms/profile"
	routeUserSevenRoomsUnlink     = "DELETE /admin/v1/users/{uid}/sevenrooms"
	routeSevenRoomsParse          = "POST /admin/v1/sevenrooms/parse"
	routeSevenRoomsAmbiguous      = "GET /admin/v1/sevenrooms/ambiguous"
	routeSevenRoomsMergeUndo      = "POST /admin/v1/sevenrooms/merges/{id}/undo"
	routeSevenRoomsMergeRetry     = "POST /admin/v1/sevenrooms/merges/{id}/retry"
	routeSevenRoomsWebhook        = "POST /webhooks/sevenrooms"
)

// bind registers every area's routes.
func (a *API) bind(rt *router) {
	a.bindPlatform(rt)
	a.bindAdminSession(rt)
	a.bindAdminUsers(rt)
	a.bindAdminUser(rt)
	a.bindAdminImpersonations(rt)
	a.bindAdminCatalogue(rt)
	a.bindAdminOperators(rt)
	a.bindFrontOffice(rt)
	a.bindReferral(rt)
	a.bindActivity(rt)
	a.bindVerification(rt)
	a.bindSevenRooms(rt)
}

// bindPlatform: health, readiness and the documents a client reads.
func (a *API) bindPlatform(rt *router) {
	rt.public(routeHealthz, a.healthz)
	rt.public(routeReadyz, a.readyz)
	rt.public(routeOpenAPI, a.openapi)
	rt.public(routeImpersonationKeys, a.impersonationKeys)
}

// bindAdminSession: the operators' login and logout.
func (a *API) bindAdminSession(rt *router) {
	rt.public(routeAdminLogin, a.adminLogin)
	rt.operator(routeAdminLogout, a.adminLogout)
}

// bindAdminUsers: the users list, its count and its export.
func (a *API) bindAdminUsers(rt *router) {
	rt.operator(routeUsersList, a.usersList)
	rt.operator(routeUsersCount, a.usersCount)
	rt.operator(routeUsersExport, a.usersExport)
}

// bindAdminUser: one user's detail view and every card's edits.
func (a *API) bindAdminUser(rt *router) {
	rt.operatorSelf(routeUserGet, a.userGet)
	rt.operator(routeUserPatch, a.userPatch)
	rt.operator(routeUserDelete, a.userDelete)
	rt.operator(routeUserStatus, a.userStatus)
	rt.operator(routeUserPassword, a.userPassword)
	rt.operator(routeUserFeesGet, a.userFeesGet)
	rt.operator(routeUserFeesPut, a.userFeesPut)
	rt.operator(routeUserFeesPrev, a.userFeesPreview)
	rt.operator(routeUserCategories, a.userCategories)
	rt.operator(routeUserVerify, a.userVerifications)
	rt.operator(routeUserBank, a.userBankAccount)
	rt.operator(routeUserGuests, a.userGuests)
	rt.operator(routeUserGuestPatch, a.userGuestPatch)
	rt.operator(routeUserAudit, a.userAudit)
	rt.operator(routeUserPublic, a.userPublicProfile)
	rt.operator(routeImpersonate, a.impersonate)
}

// bindAdminImpersonations: the active impersonations and their revocation.
func (a *API) bindAdminImpersonations(rt *router) {
	rt.operator(routeImpList, a.impersonationsList)
	rt.operator(routeImpRevoke, a.impersonationRevoke)
}

// bindAdminCatalogue: categories and platform settings.
func (a *API) bindAdminCatalogue(rt *router) {
	rt.operator(routeCategories, a.categoriesList)
	rt.operator(routeCategoryCreate, a.categoryCreate)
	rt.operator(routeSettingsGet, a.settingsGet)
	rt.operator(routeSettingsPut, a.settingsPut)
}

// bindAdminOperators: operator management (PermManageOperators).
func (a *API) bindAdminOperators(rt *router) {
	rt.operator(routeOperators, a.operatorsList)
	rt.operator(routeOperatorCreate, a.operatorCreate)
	rt.operator(routeOperatorRoles, a.operatorRoles)
	rt.operator(routeOperatorActive, a.operatorActive)
}

// bindFrontOffice: what stands in for the host's own user-facing API, so
// that registration, login and impersonation can be tried end to end.
func (a *API) bindFrontOffice(rt *router) {
	rt.public(routeRegister, a.register)
	rt.public(routeLogin, a.login)
	rt.public(routeFeesQuote, a.feesQuote)
	rt.user(routeMeGet, a.meGet)
	rt.user(routeMePatch, a.mePatch)
	rt.user(routeMePresent, a.meSection("presentation"))
	rt.user(routeMeIdent, a.meSection("identity"))
	rt.user(routeMeBank, a.meSection("bank-account"))
	rt.user(routeMePass, a.mePassword)
	rt.user(routeMeBankPut, a.meBankAccountPut)
	rt.user(routeMeGuests, a.meGuests)
	rt.user(routeMeInvite, a.meGuestInvite)
	rt.user(routeMeAccept, a.meInvitationAccept)
	rt.user(routeMeExport, a.meExport)
}
