package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// samplePrice is the price the fee card quotes by default.
const samplePrice = "100"

// cardError is an error shown inside one card of the detail view.
type cardError struct {
	Message  string
	Problems []string
}

// feesForm refills the fee card: the stored override, or what the
// operator just sent when it was refused. Empty and "0" stay apart.
type feesForm struct {
	UseStandard                                            bool
	AskerPercent, AskerFixed, OfferorPercent, OfferorFixed string
	Price                                                  string
}

// quoteView is a quote of the fee card, as text.
type quoteView struct {
	Currency, Price                            string
	AskerFee, OfferorFee                       string
	CustomerTotal, VendorPayout, PlatformTotal string
	Mode                                       string
	Error                                      string
}

type detailData struct {
	User           *usermgmt.UserDetail
	Bank           *usermgmt.BankAccount
	Categories     []usermgmt.Category
	InCategory     map[uuid.UUID]bool
	Audit          []usermgmt.AuditRecord
	AuditNext      string
	Fees           feesForm
	Quote          quoteView
	Currency       string
	Errors         map[string]cardError
	Self           string
	CanImpersonate bool
	ReasonValue    string
	// Verification is set when the server has package verification: the
	// reset-link button and the ID evidence form show, with the evidence
	// (IDEvidence, newest first). IDForm refills a refused ID decision.
	Verification bool
	IDEvidence   []verification.IDVerificationRecord
	IDForm       verification.IDEvidence
	// Tabs is the user page's tab bar (tabs.go).
	Tabs []tabLink
}

// userDetail shows the detail view.
func (s *server) userDetail(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	s.showDetail(w, r, id, http.StatusOK, nil)
}

// showDetail renders the detail view; edit, when not nil, puts a refused
// form's error (and the fee card's values) in place.
func (s *server) showDetail(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, edit func(*detailData)) {
	oc := fromContext(r.Context())
	ctx := r.Context()
	ud, err := s.users.GetUserDetail(ctx, s.db, oc.op.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, ud.FullName)
	p.Flash = flashes[r.URL.Query().Get("done")]
	d := &detailData{User: ud, Bank: ud.BankAccount, InCategory: map[uuid.UUID]bool{}, Errors: map[string]cardError{},
		Self: s.base + "/users/" + id.String(), CanImpersonate: s.imp != nil}
	if d.Categories, err = s.users.ListCategories(ctx, s.db); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range ud.Categories {
		d.InCategory[c.ID] = true
	}
	settings, err := usermgmt.GetSettings(ctx, s.db)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Currency = settings.Currency
	if ud.Fees != nil {
		o := ud.Fees.Override
		d.Fees = feesForm{UseStandard: o.UseStandard, AskerPercent: o.AskerPercent.String(), AskerFixed: o.AskerFixed.String(),
			OfferorPercent: o.OfferorPercent.String(), OfferorFixed: o.OfferorFixed.String()}
	}
	d.Fees.Price = samplePrice
	recs, next, err := s.users.AuditTrail(ctx, s.db, oc.op.ID, id, usermgmt.AuditPage{Limit: 20, Cursor: r.URL.Query().Get("audit")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Audit = recs
	if next != "" {
		d.AuditNext = d.Self + "?audit=" + url.QueryEscape(next) + "#audit"
	}
	if s.verify != nil {
		d.Verification = true
		d.IDForm.Verified = !ud.Verifications.ID.Verified
		if d.IDEvidence, err = s.verify.IDVerificationHistory(ctx, s.db, oc.op.ID, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if edit != nil {
		edit(d)
	}
	d.Tabs = s.tabBar(r, p, id, "information")
	d.Quote = s.quote(ctx, d.Fees, settings)
	p.Data = d
	s.render(w, r, "user", status, p)
}

// cardFail re-renders the detail view with err shown in the named card.
func (s *server) cardFail(w http.ResponseWriter, r *http.Request, id uuid.UUID, card string, err error, edit func(*detailData)) {
	status, msg, problems := s.explain(r, err)
	if status == http.StatusNotFound {
		s.fail(w, r, err)
		return
	}
	s.showDetail(w, r, id, status, func(d *detailData) {
		d.Errors[card] = cardError{Message: msg, Problems: problems}
		if edit != nil {
			edit(d)
		}
	})
}

// quote prices the sample price under the fee card's values through
// package fees, against settings (nil: read them); a bad value is
// reported in words in the quote itself.
func (s *server) quote(ctx context.Context, f feesForm, settings *usermgmt.Settings) quoteView {
	values := url.Values{"asker_percent": {f.AskerPercent}, "asker_fixed": {f.AskerFixed},
		"offeror_percent": {f.OfferorPercent}, "offeror_fixed": {f.OfferorFixed}}
	if f.UseStandard {
		values.Set("use_standard", "on")
	}
	o, err := fees.ParseOverrideForm(values.Get)
	if err != nil {
		return quoteView{Error: quoteProblem(err)}
	}
	if settings == nil {
		if settings, err = usermgmt.GetSettings(ctx, s.db); err != nil {
			return quoteView{Error: "The platform settings could not be read."}
		}
	}
	sched, mode, err := fees.Resolve(settings.StandardFees(), o)
	if err != nil {
		return quoteView{Error: quoteProblem(err)}
	}
	price, err := fees.ParsePrice(f.Price, settings.Currency)
	if err != nil {
		return quoteView{Error: quoteProblem(err)}
	}
	q, err := fees.Calculator{}.Quote(sched, price)
	if err != nil {
		return quoteView{Error: quoteProblem(err)}
	}
	places, _ := fees.MinorUnits(q.Currency)
	f2 := func(d decimal.Decimal) string { return d.StringFixed(places) }
	return quoteView{Currency: q.Currency, Price: f2(q.Price), AskerFee: f2(q.AskerFee), OfferorFee: f2(q.OfferorFee),
		CustomerTotal: f2(q.CustomerTotal), VendorPayout: f2(q.VendorPayout), PlatformTotal: f2(q.PlatformTotal), Mode: string(mode)}
}

func quoteProblem(err error) string {
	if fe, ok := err.(*fees.ValidationError); ok && len(fe.Errors) > 0 {
		f := fe.Errors[0]
		return "No quote: " + fieldLabel(f.Field) + ": " + trimPkg(f.Err.Error()) + "."
	}
	return "No quote: " + trimPkg(err.Error()) + "."
}

func trimPkg(s string) string {
	if len(s) > 6 && s[:6] == "fees: " {
		return s[6:]
	}
	return s
}

// feesQuote answers the fee card's live quote as it is typed.
func (s *server) feesQuote(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := s.quote(r.Context(), feesForm{UseStandard: v.Get("use_standard") != "", AskerPercent: v.Get("asker_percent"),
		AskerFixed: v.Get("asker_fixed"), OfferorPercent: v.Get("offeror_percent"), OfferorFixed: v.Get("offeror_fixed"), Price: v.Get("price")}, nil)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(q)
}

func (s *server) userFees(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	sent := feesForm{UseStandard: r.PostFormValue("use_standard") != "", AskerPercent: r.PostFormValue("asker_percent"),
		AskerFixed: r.PostFormValue("asker_fixed"), OfferorPercent: r.PostFormValue("offeror_percent"),
		OfferorFixed: r.PostFormValue("offeror_fixed"), Price: r.PostFormValue("price")}
	keep := func(d *detailData) { d.Fees = sent }
	o, err := fees.ParseOverrideForm(r.PostFormValue)
	if err == nil {
		_, err = s.users.SetUserFees(r.Context(), s.db, oc.op.ID, id, o)
	}
	if err != nil {
		s.cardFail(w, r, id, "fees", err, keep)
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=fees#fees", http.StatusSeeOther)
}

func (s *server) userPassword(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	err := s.users.SetPassword(r.Context(), s.db, oc.op.ID, id, usermgmt.PasswordChange{
		Password: r.PostFormValue("password"), Confirmation: r.PostFormValue("confirmation")})
	if err != nil {
		s.cardFail(w, r, id, "password", err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=password#password", http.StatusSeeOther)
}

// userResetLink sends the user a password-reset link: what the password
// card offers before typing a password for the user.
func (s *server) userResetLink(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	if s.verify == nil {
		s.renderError(w, r, nil, http.StatusNotFound, "There is no page at this address.")
		return
	}
	if err := s.verify.SendPasswordReset(r.Context(), s.db, oc.op.ID, id); err != nil {
		s.cardFail(w, r, id, "password", err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=reset_link#password", http.StatusSeeOther)
}

// userIDVerification records an ID verification decision with its
// evidence: verified or not, a reason, an optional KYC reference.
func (s *server) userIDVerification(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	if s.verify == nil {
		s.renderError(w, r, nil, http.StatusNotFound, "There is no page at this address.")
		return
	}
	ev := verification.IDEvidence{Verified: r.PostFormValue("id_decision") == "verified", Reason: r.PostFormValue("id_reason"), Reference: r.PostFormValue("id_reference")}
	if _, err := s.verify.SetIDVerification(r.Context(), s.db, oc.op.ID, id, ev); err != nil {
		s.cardFail(w, r, id, "verifications", err, func(d *detailData) { d.IDForm = ev })
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=id_verification#verifications", http.StatusSeeOther)
}

func (s *server) userCategories(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.cardFail(w, r, id, "categories", err, nil)
		return
	}
	var ids []uuid.UUID
	for _, v := range r.PostForm["category"] {
		cid, err := uuid.Parse(v)
		if err != nil {
			s.cardFail(w, r, id, "categories", usermgmt.Invalid("category_ids", "uuid", "choose categories from the list"), nil)
			return
		}
		ids = append(ids, cid)
	}
	if _, err := s.users.SetUserCategories(r.Context(), s.db, oc.op.ID, id, ids); err != nil {
		s.cardFail(w, r, id, "categories", err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=categories#categories", http.StatusSeeOther)
}

func (s *server) userVerifications(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	flag := func(name string) *bool { b := r.PostFormValue(name) != ""; return &b }
	upd := usermgmt.VerificationUpdate{ID: flag("id_verified"), Email: flag("email_verified"), Phone: flag("phone_verified")}
	if _, err := s.users.SetVerifications(r.Context(), s.db, oc.op.ID, id, upd); err != nil {
		s.cardFail(w, r, id, "verifications", err, nil)
		return
	}
	http.Redirect(w, r, s.base+"/users/"+id.String()+"?done=verifications#verifications", http.StatusSeeOther)
}

// bankReveal shows the bank account in clear, for operators the library
// lets read personal data; it audits the reveal.
func (s *server) bankReveal(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	acct, err := s.users.GetBankAccount(r.Context(), s.db, oc.op.ID, id, true)
	if err != nil {
		s.cardFail(w, r, id, "bank", err, nil)
		return
	}
	s.showDetail(w, r, id, http.StatusOK, func(d *detailData) { d.Bank = acct })
}

func (s *server) userDelete(w http.ResponseWriter, r *http.Request) {
	oc := fromContext(r.Context())
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	if r.PostFormValue("confirm") == "" {
		s.cardFail(w, r, id, "delete", usermgmt.Invalid("confirm", "required", "tick the box to confirm that this user's personal data is to be erased"),
			func(d *detailData) { d.ReasonValue = reason })
		return
	}
	if err := s.users.EraseUser(r.Context(), s.db, oc.op.ID, id, reason); err != nil {
		s.cardFail(w, r, id, "delete", err, func(d *detailData) { d.ReasonValue = reason })
		return
	}
	http.Redirect(w, r, s.base+"/users?done=deleted", http.StatusSeeOther)
}

func (s *server) publicProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	pp, err := s.users.GetPublicProfile(r.Context(), s.db, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "Public profile of "+pp.DisplayName)
	p.Data = pp
	s.render(w, r, "public", http.StatusOK, p)
}
