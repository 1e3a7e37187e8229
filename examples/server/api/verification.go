package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// bindVerification: the verification flows of package verification. The
// front office asks for and confirms email links and SMS codes, changes
// its address and resets a forgotten password; the back office sends a
// reset link and records ID verification with evidence; the development
// outbox lists the queued messages (demo mode only).
func (a *API) bindVerification(rt *router) {
	rt.public(routeEmailVerifyResend, a.emailVerifyResend)
	rt.public(routeEmailVerifyConfirm, a.emailVerifyConfirm)
	rt.public(routeEmailChangeConfirm, a.emailChangeConfirm)
	rt.public(routePasswordForgot, a.passwordForgot)
	rt.public(routePasswordReset, a.passwordReset)
	rt.user(routeMeEmailVerify, a.meEmailVerify)
	rt.user(routeMeEmailChange, a.meEmailChange)
	rt.user(routeMePhoneCode, a.mePhoneCode)
	rt.user(routeMePhoneCheck, a.mePhoneCheck)
	rt.operator(routeUserResetLink, a.userResetLink)
	rt.operator(routeUserIDVerifyGet, a.userIDVerificationHistory)
	rt.operator(routeUserIDVerifyPut, a.userIDVerificationSet)
	rt.public(routeDevOutbox, a.devOutbox)
}

// accepted is the answer of every request that queues a message: the
// same body whether or not the address has an account.
type accepted struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
}

var (
	answerCheckInbox = accepted{Status: "accepted", Detail: "if the address can receive it, a message is on its way: follow the link it holds"}
	answerQueued     = accepted{Status: "accepted", Detail: "the message is queued"}
)

// client is what package verification knows of the caller: the client
// address the rate limits count by, and the language of a message to an
// address without an account (Accept-Language's first tag).
func (a *API) client(r *http.Request) verification.Client {
	lang, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	lang, _, _ = strings.Cut(lang, ";")
	lang = strings.TrimSpace(lang)
	if len(lang) > 35 || lang == "*" {
		lang = ""
	}
	return verification.Client{IP: a.clientAddr(r), Language: lang}
}

type emailRequest struct {
	Email string `json:"email"`
}

type tokenRequest struct {
	Token string `json:"token"`
}

// register signs a user up through verification.Register: a registered
// address answers exactly like a new one (202, the same body), its owner
// receives "someone tried to register with your address", and nobody is
// logged in by this call.
func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	var reg usermgmt.Registration
	if err := decodeJSON(r, &reg); err != nil {
		return err
	}
	if err := a.verification.Register(r.Context(), a.db, reg, a.client(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, answerCheckInbox)
}

// emailVerifyResend is "resend my link", not logged in.
func (a *API) emailVerifyResend(w http.ResponseWriter, r *http.Request) error {
	var req emailRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.ResendEmailVerification(r.Context(), a.db, req.Email, a.client(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, answerCheckInbox)
}

// emailVerifyConfirm spends an email verification link.
func (a *API) emailVerifyConfirm(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.ConfirmEmail(r.Context(), a.db, req.Token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// emailChangeConfirm spends an email change link: the new address becomes
// the account's, and the old one is told.
func (a *API) emailChangeConfirm(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.ConfirmEmailChange(r.Context(), a.db, req.Token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// passwordForgot is "forgot my password".
func (a *API) passwordForgot(w http.ResponseWriter, r *http.Request) error {
	var req emailRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.RequestPasswordReset(r.Context(), a.db, req.Email, a.client(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, answerCheckInbox)
}

type passwordResetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// passwordReset spends a reset link with the password the user chose;
// every session of the user ends.
func (a *API) passwordReset(w http.ResponseWriter, r *http.Request) error {
	var req passwordResetRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.ResetPassword(r.Context(), a.db, req.Token, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// noBody accepts an empty body or an empty JSON object, and refuses
// anything else (an unknown field is a mistake the client should hear of).
func noBody(r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var none struct{}
	return decodeJSON(r, &none)
}

// meEmailVerify sends the logged-in user a link for their current address.
func (a *API) meEmailVerify(w http.ResponseWriter, r *http.Request, me *Me) error {
	if err := noBody(r); err != nil {
		return err
	}
	if err := a.verification.SendEmailVerification(r.Context(), a.db, me.User.ID, a.client(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, answerQueued)
}

// emailChangeView answers a change of address: the account keeps its
// address until the link sent to the new one is used.
type emailChangeView struct {
	accepted
	PendingEmail string `json:"pending_email"`
}

// meEmailChange starts a change of address (also what PATCH /v1/me does
// with an email).
func (a *API) meEmailChange(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req emailRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.RequestEmailChange(r.Context(), a.db, me.User.ID, req.Email, a.client(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, emailChangeView{accepted: answerCheckInbox, PendingEmail: strings.TrimSpace(req.Email)})
}

// mePhoneCode sends a code by SMS to the number of the user's profile.
func (a *API) mePhoneCode(w http.ResponseWriter, r *http.Request, me *Me) error {
	if err := noBody(r); err != nil {
		return err
	}
	st, err := a.verification.SendPhoneCode(r.Context(), a.db, me.User.ID, a.client(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, st)
}

type codeRequest struct {
	Code string `json:"code"`
}

// mePhoneCheck checks a code the user typed.
func (a *API) mePhoneCheck(w http.ResponseWriter, r *http.Request, me *Me) error {
	var req codeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.verification.CheckPhoneCode(r.Context(), a.db, me.User.ID, req.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// userResetLink sends a user a password-reset link on an operator's
// behalf (verification.PermSendPasswordReset): the alternative to typing
// a password for them.
func (a *API) userResetLink(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := noBody(r); err != nil {
		return err
	}
	if err := a.verification.SendPasswordReset(r.Context(), a.db, op.ID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, answerQueued)
}

type idVerificationList struct {
	Items []verification.IDVerificationRecord `json:"items"`
}

// userIDVerificationHistory lists the evidence behind a user's ID
// verification, newest first.
func (a *API) userIDVerificationHistory(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	recs, err := a.verification.IDVerificationHistory(r.Context(), a.db, op.ID, id)
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []verification.IDVerificationRecord{}
	}
	return writeJSON(w, http.StatusOK, idVerificationList{Items: recs})
}

type idVerificationRequest struct {
	Version int64 `json:"version"`
	verification.IDEvidence
}

// userIDVerificationSet sets or clears a user's ID verification with a
// reason and an optional KYC reference
// (verification.PermSetIDVerification), guarded by the user's version
// like the checkbox route (PUT …/verifications), which keeps working
// without evidence.
func (a *API) userIDVerificationSet(w http.ResponseWriter, r *http.Request, op *usermgmt.Operator) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var req idVerificationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var rec *verification.IDVerificationRecord
	version, err := a.versioned(r, req.Version, func(ctx context.Context, guard usermgmt.WriteOption) error {
		rec, err = a.verification.SetIDVerification(ctx, a.db, op.ID, id, req.IDEvidence, guard)
		return err
	})
	if err != nil {
		return err
	}
	etag(w, version)
	return writeJSON(w, http.StatusOK, struct {
		*verification.IDVerificationRecord
		Version int64 `json:"version"`
	}{rec, version})
}

type outboxList struct {
	Items []verification.Message `json:"items"`
}

// devOutbox lists the development outbox (the messages, their live links
// and codes) when the server runs in demo mode; otherwise the route does
// not exist (404 route_not_found).
func (a *API) devOutbox(w http.ResponseWriter, r *http.Request) error {
	if !a.devMailbox {
		return errRouteNotFound
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		return err
	}
	ms, err := a.verification.Outbox(r.Context(), a.db, verification.OutboxFilter{To: r.URL.Query().Get("to"), Limit: limit})
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []verification.Message{}
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, outboxList{Items: ms})
}

// retryAfter is the Retry-After value of a wait, in whole seconds rounded
// up, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
