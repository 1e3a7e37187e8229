// Package ui is the back office in a browser: server-rendered
// html/template pages for the platform's operators, with their templates
// and static files embedded, calling the library (usermgmt,
// usermgmt/impersonation, fees) directly — never the JSON API.
//
// # Mounting
//
// [New] returns an http.Handler that serves every path under
// Config.BasePath ("/admin" by default). The host mounts it beside its API:
//
//	h, err := ui.New(ui.Config{DB: db, Users: users, Impersonation: imp, FrontOfficeURL: audience, Logger: log,
//		Referral: ref, Activity: act})
//	mux.Handle("/admin/", h)
//
// # What a page does
//
// Each handler decodes the form, calls the library and renders. The
// library decides permissions, masking and visibility; a page copies no
// rule. Controls that the operator's roles would be refused are hidden
// (the page asks [usermgmt.Service.Permissions]), and the library checks
// again on every call, so a forged post is refused in words all the same.
//
// # Security
//
//   - Login is [usermgmt.Service.AuthenticateOperator] and a usermgmt
//     operator session ([usermgmt.OperatorSession]); its token lives in the
//     cookie "userdesk_admin": HttpOnly, SameSite=Lax, Path=BasePath/, Secure
//     when the request came over TLS (behind a TLS-terminating proxy the
//     host should serve the handler with r.TLS set or terminate TLS in Go).
//     The cookie is a browser-session cookie: the server-side session's
//     12-hour expiry decides. Logout ends the session, which also ends the
//     impersonation tokens issued from it.
//   - Every state change is a POST guarded by http.CrossOriginProtection
//     (Sec-Fetch-Site / Origin checks, Go 1.25); GETs change nothing.
//   - The Content-Security-Policy allows scripts, styles and connections
//     from this origin only (no inline script, no inline style), images
//     from this origin and https, and forms to this origin and the front
//     office (the impersonation hand-off). Pages cannot be framed.
//   - After login the browser goes back only to a path of the back office
//     (no open redirect).
//   - Errors are shown in sentences (the library's sentinels and typed
//     errors mapped in one place, [explain]); unexpected ones are logged
//     and shown as "Something went wrong on our side".
//
// # Decisions the issue left open
//
//   - The users list's "Created to" date is inclusive, as a person reads
//     it: the library's exclusive bound gets the next midnight (UTC).
//     Spoken languages are typed as codes separated by commas.
//   - Paging is keyset: "Next page" and "First page". There is no
//     "previous page": the library's cursors go forward only.
//   - The row count is asked with "Count matches" (CountUsers runs only
//     then).
//   - The status dropdown of a row and of the status card asks for the
//     reason that usermgmt requires.
//   - Exports download the current search (same filters and sort) as a
//     streamed attachment; the browser's own download progress is the
//     progress bar, and the page says that the file is being prepared.
//   - The eye opens the public profile (GetPublicProfile) as a back-office
//     page in a new tab; a status that hides the profile says so.
//   - Bank account: masked everywhere; operators who may read personal
//     data get a "Reveal" button (a POST, audited by the library). The
//     library's GetBankAccount takes no reason, so none is asked: a reason
//     that would not be recorded would mislead.
//   - The password an operator sets is always temporary (the library's
//     default): the user chooses a new one at the next login. Beside it,
//     "Send a reset link" (package verification, Config.Verification) is
//     the better path and says so: the user chooses the password, the link
//     works once for an hour and ends their other sessions.
//   - Verifications: the three checkboxes stay (usermgmt.SetVerifications,
//     no evidence); with Config.Verification an ID decision form below
//     them records verified or not with a required reason and an optional
//     KYC reference, and a table lists that evidence, newest first. The
//     decision form preselects the change (set when not verified, clear
//     when verified), so that a click on "Record" never repeats the state.
//   - Fees: the "Use standard platform fees" switch keeps the fields; an
//     empty field is the platform standard and 0 is no fee (fees.
//     ParseOverrideForm). The quote prices a sample price (100 in the
//     settings' currency, editable) with fees.Resolve and fees.Calculator
//     as the operator types (a small JSON answer of this package, not the
//     API), and server-side on every render, so it works without script.
//   - Guests: the pen of each invitation edits its email (empty keeps it)
//     and roles (UpdateGuest, version-guarded). A new token (the email of a
//     pending invitation changed) goes to Config.OnInvitationToken; without
//     one a warning is logged and nobody is told.
//   - Delete asks for a reason and a ticked confirmation box.
//   - Impersonation (the spy card and the Edit buttons of the presentation,
//     identity and bank account cards): reason, scope and landing page go
//     to impersonation.Service.Issue with the operator's session token as
//     OperatorSession. The token is handed to the front office in a POST
//     form to FrontOfficeURL + "/impersonate" (fields token and landing),
//     submitted by script at once or by a button, so that it never appears
//     in a URL, a log or a Referer header. The Edit buttons impersonate
//     with the full scope (they exist to edit) and ask for a reason inline.
//     The reference server's front office (package examples/server/front)
//     receives it: the landing page with a banner naming the user, the
//     scope and the reason, and a button that ends (revokes) it.
//   - Operators ("Administrators Management"): list, create with a
//     temporary password and roles, change roles, deactivate or reactivate
//     with a reason, through ListOperators, CreateOperatorAs,
//     ChangeOperatorRoles and SetOperatorActiveAs (PermManageOperators:
//     the host passes usermgmt.OperatorPermissions() in
//     Config.Permissions; the menu entry shows only to those who hold it).
//     Roles and deactivation are guarded by the version the page showed.
//   - The list's state is its URL (keyword, filters, sort, page size and
//     cursor are query parameters), so a search can be shared by link; the
//     library checks the permission of whoever opens it. A column chooser
//     (script only) hides columns of the users list, remembered in the
//     browser's localStorage.
//   - Saved views (the users list's "Views" menu, views.go): the current
//     search — filters, sort, page size, without the paging cursor — and
//     the hidden columns (put in the form by the column chooser's script,
//     kept as the query parameter hide=A,B that the script applies when
//     the view opens) are saved in the database under a name, for the
//     operator alone or shared with one role the operator holds
//     (usermgmt.SaveView). The menu lists the operator's views, then
//     those shared with their roles (usermgmt.ListViews). Opening one
//     (/views/{id}) asks usermgmt.OpenView, which refuses a view that is
//     neither the operator's nor shared with a role they hold now
//     (ErrViewNotShared, shown in words); the list then checks its own
//     permissions as for any link. Only the owner deletes a view.
//   - Third parties (thirdparty.go, templates/_thirdparty.html and
//     tab_thirdparty.html, static/thirdparty.{js,css}): a tab of the user
//     page (see below). The reconnect
//     pop-up is a server-rendered dialog (shown modal by script, an open
//     dialog without): the pasted link is previewed by a POST
//     (PreviewReconnect), the search is a GET (SearchCandidates); each
//     field is a pair of radio buttons whose labels hold the values, the
//     one not kept greyed by CSS (:has), so no script is needed to
//     choose. Only the fields whose choice differs from the resolver's
//     default are sent as decisions. A refused reconnect (a change since
//     the preview) re-opens the pop-up with a fresh preview and the
//     reason. Unlink and "create a profile" are in the JSON API only.
//   - Keyboard: "/" focuses the search box, j/k move through the list's
//     rows, Enter opens the selected row, "?" shows the shortcuts. Escape
//     closes a dropdown.
//
// # The user page's tabs (second document)
//
// The detail view is the Information tab; the others are pages of their
// own under /users/{id}/ (tabs.go, tabs_*.go, templates tab_*.html; the
// tab bar is templates/partial_tabs.html), backed by Config.Referral and
// Config.Activity (nil hides their tabs). Decisions:
//
//   - Counts: Reservations counts the tab's rows (a "+" when the library
//     truncated at 100), Referral the people referred, Events the rows of
//     the timeline (events and operators' actions, "+" when truncated),
//     Devices the devices. Every page of the user computes them in two
//     statements (activity.UserCounts for the three activity tabs,
//     referral.RefereeCount), not by reading the tabs' cards; a count the
//     library refuses is left out and logged. A tab whose read permission the operator lacks is hidden.
//   - Reservations: the library's default card (App or Bot, the last 100
//     by booking date, deleted ones hidden), upcoming soonest first and
//     past latest first, visit times in the venue's time zone.
//   - Referral: "Save" sets the credits to the number typed, guarded by
//     the balance's version the page showed (a change meanwhile is
//     refused with the current balance, never overwritten); the arrows
//     add or take one credit. Each form carries a fresh idempotency key,
//     so a form sent twice counts once. The reason is optional (the
//     library's rule). The ledger shows the newest 100 entries, the
//     referees the newest 200. "Change the referrer" (shown to
//     those holding referral.change_referrer) takes the new referrer's
//     UID — what referral.ChangeReferrer takes; a referral code is not
//     resolved to its owner, the library having no such lookup — and a
//     required reason; "Remove the referrer" passes none. The library
//     refuses oneself, cycles and unknown users, and audits the change.
//   - Events: filters by types and channels (checkboxes, several at once:
//     the library's EventFilter takes lists; none ticked means all, and
//     the query repeats type= and channel=, so a one-type link of before
//     still opens), a date range ("To" is inclusive, as on the users list)
//     and "hide operators' actions"; the state is in the URL. Operators'
//     actions are the "Back office" channel and their audit action is
//     their type, so ticking types or other channels leaves them out (the
//     library's rule). The tab's count is the unfiltered timeline.
//   - Devices: revoke asks for a reason (the library requires it) and is
//     offered only to those holding activity.revoke_devices; revoked and
//     previous devices are greyed.
//   - Third parties (Config.Links and Config.SevenRooms; nil hides it)
//     sits between Referral and Events and is shown to those holding
//     thirdparty.read_links. Its count is the user's third-party links
//     that are not "unlinked" (linked, broken or ambiguous: a link an
//     operator may have to look at), one ListLinks call — today 0 or 1,
//     SevenRooms being the only provider. Reconnects are not counted: they
//     are history, listed in the tab. After a check, a reconnect or an
//     undo the browser comes back to the tab; the ambiguous-link queue
//     opens it.
//
// # Files
//
// templates/ holds one template per page plus layout.html; static/ holds
// app.css and app.js (plain script, no framework, no build step: every page
// works without it).
package ui
