package main

import (
	"net/http"
	"strings"
)

// Route patterns (Go 1.22 ServeMux), one constant per route. The OpenAPI
// document lists exactly these; a test checks both ways.
const (
	routeHealthz = "GET /healthz"
	routeReadyz  = "GET /readyz"
	routeOpenAPI = "GET /openapi.json"

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

	routeRegister  = "POST /v1/register"
	routeLogin     = "POST /v1/login"
	routeMeGet     = "GET /v1/me"
	routeMePatch   = "PATCH /v1/me"
	routeMePresent = "GET /v1/me/presentation"
	routeMeIdent   = "GET /v1/me/identity"
	routeMeBank    = "GET /v1/me/bank-account"
	routeMePass    = "PUT /v1/me/password"
	routeFeesQuote = "POST /v1/fees/quote"
)

// routes returns the server's handler.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range a.handlers() {
		handler := a.handle(h)
		if strings.Contains(pattern, " /v1/me") {
			handler = a.frontOffice(handler)
		}
		mux.Handle(pattern, handler)
	}
	return a.middleware(mux)
}

// handlers maps every route to its handler.
func (a *app) handlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		routeHealthz: a.healthz,
		routeReadyz:  a.readyz,
		routeOpenAPI: a.openapi,

		routeAdminLogin:  a.adminLogin,
		routeAdminLogout: a.adminLogout,

		routeUsersList:      a.usersList,
		routeUsersCount:     a.usersCount,
		routeUsersExport:    a.usersExport,
		routeUserGet:        a.userGet,
		routeUserPatch:      a.userPatch,
		routeUserDelete:     a.userDelete,
		routeUserStatus:     a.userStatus,
		routeUserPassword:   a.userPassword,
		routeUserFeesGet:    a.userFeesGet,
		routeUserFeesPut:    a.userFeesPut,
		routeUserFeesPrev:   a.userFeesPreview,
		routeUserCategories: a.userCategories,
		routeUserVerify:     a.userVerifications,
		routeUserBank:       a.userBankAccount,
		routeUserGuests:     a.userGuests,
		routeUserGuestPatch: a.userGuestPatch,
		routeUserAudit:      a.userAudit,
		routeUserPublic:     a.userPublicProfile,
		routeImpersonate:    a.impersonate,
		routeImpList:        a.impersonationsList,
		routeImpRevoke:      a.impersonationRevoke,
		routeCategories:     a.categoriesList,
		routeCategoryCreate: a.categoryCreate,
		routeSettingsGet:    a.settingsGet,
		routeSettingsPut:    a.settingsPut,

		routeRegister:  a.register,
		routeLogin:     a.login,
		routeMeGet:     a.meGet,
		routeMePatch:   a.mePatch,
		routeMePresent: a.meSection("presentation"),
		routeMeIdent:   a.meSection("identity"),
		routeMeBank:    a.meSection("bank-account"),
		routeMePass:    a.mePassword,
		routeFeesQuote: a.feesQuote,
	}
}

func (a *app) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers, 503 otherwise.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := a.db.PingContext(r.Context()); err != nil {
		a.log.WarnContext(r.Context(), "not ready", "err", err)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
