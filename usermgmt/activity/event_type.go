package activity

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
)

// AttrKind is the type of an event attribute.
type AttrKind string

// The attribute kinds.
const (
	// AttrString: text of at most MaxAttrStringLength bytes.
	AttrString AttrKind = "string"
	// AttrInt: a whole number (int, int64, or a float64 without a
	// fraction, as JSON decodes it).
	AttrInt AttrKind = "int"
	// AttrBool: true or false.
	AttrBool AttrKind = "bool"
	// AttrTime: an instant, stored as RFC 3339 in UTC.
	AttrTime AttrKind = "time"
	// AttrEmail: an email address. Stored masked (usermgmt.MaskEmail)
	// unless the type allows personal data.
	AttrEmail AttrKind = "email"
	// AttrPhone: a phone number. Stored masked (usermgmt.MaskPhone)
	// unless the type allows personal data.
	AttrPhone AttrKind = "phone"
)

// Limits of events.
const (
	// MaxAttributes bounds the attributes of one event type and event.
	MaxAttributes = 16
	// MaxAttrStringLength bounds a string, email or phone attribute, in
	// bytes.
	MaxAttrStringLength = 200
	// DefaultRetention is how long an event older than the user's newest
	// KeepEvents is kept, unless its type or Config.Retention says
	// otherwise.
	DefaultRetention = 90 * 24 * time.Hour
	// DefaultSecurityRetention is DefaultRetention for security event
	// types (EventType.Security): logins, password and email changes,
	// revocations.
	DefaultSecurityRetention = 400 * 24 * time.Hour
	// MinRetention is the shortest retention a type may have.
	MinRetention = time.Hour
)

// EventType declares a type of event: its name, its attributes and how
// long its events are kept. The registry is the built-in types
// (BuiltinEventTypes) and the host's (Config.EventTypes).
type EventType struct {
	// Name is "area.verb" in lowercase letters, digits, "_" and ".",
	// at most 64 bytes ("app.screen_view").
	Name string
	// Description says in one English sentence what happened.
	Description string
	// Security marks events that matter for account security: kept
	// DefaultSecurityRetention unless Retention says otherwise.
	Security bool
	// Retention is how long an event of this type is kept once it is not
	// among the user's newest KeepEvents. Zero means DefaultRetention (or
	// DefaultSecurityRetention for a security type); Config.Retention
	// overrides it. At least MinRetention.
	Retention time.Duration
	// Attributes are the attributes an event of this type may carry, and
	// their kinds; any other attribute is refused. Names follow the
	// snake_case of JSON and may not look like secrets ("password",
	// "token", "secret", "code", "otp", "pin", "cvv", "iban", "card").
	Attributes map[string]AttrKind
	// AllowPersonal lets the email and phone attributes of this type be
	// stored in clear (they are still masked on reads by operators
	// without usermgmt.PermReadPersonalData). False, the default, stores
	// them masked.
	AllowPersonal bool
}

var (
	typeNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	attrNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	// secretWords are refused in attribute names: the log never holds
	// codes, tokens or passwords, whatever a host declares.
	secretWords = []string{"password", "passwd", "token", "secret", "code", "otp", "pin", "cvv", "cvc", "iban", "card", "credential", "api_key", "apikey", "session_key"}
)

// BuiltinEventTypes returns the event types every Service knows.
func BuiltinEventTypes() []EventType {
	return []EventType{
		{Name: "app.open", Description: "The user opened the app.", Attributes: map[string]AttrKind{"cold_start": AttrBool}},
		{Name: "app.screen_view", Description: "The user viewed a screen.", Attributes: map[string]AttrKind{"screen": AttrString}},
		{Name: "app.tap", Description: "The user tapped an element.", Attributes: map[string]AttrKind{"screen": AttrString, "target": AttrString}},
		{Name: "search.performed", Description: "The user searched venues.", Attributes: map[string]AttrKind{"query": AttrString, "results": AttrInt, "city": AttrString}},
		{Name: "venue.viewed", Description: "The user viewed a venue.", Attributes: map[string]AttrKind{"venue_id": AttrString, "venue_name": AttrString}},
		{Name: "bot.message", Description: "The user wrote to the bot.", Attributes: map[string]AttrKind{"bot_kind": AttrString, "intent": AttrString}},
		{Name: "reservation.created", Description: "The user made a reservation.", Attributes: map[string]AttrKind{"reservation_id": AttrString, "venue_name": AttrString, "party_size": AttrInt, "visit_at": AttrTime}},
		{Name: "reservation.cancelled", Description: "The user cancelled a reservation.", Attributes: map[string]AttrKind{"reservation_id": AttrString, "venue_name": AttrString}},
		{Name: "auth.login", Description: "The user logged in.", Security: true, Attributes: map[string]AttrKind{"method": AttrString}},
		{Name: "auth.login_failed", Description: "A login to the account failed.", Security: true, Attributes: map[string]AttrKind{"method": AttrString, "reason": AttrString}},
		{Name: "auth.logout", Description: "The user logged out.", Security: true},
		{Name: "auth.password_changed", Description: "The account's password changed.", Security: true},
		{Name: "profile.email_changed", Description: "The account's email address changed.", Security: true, Attributes: map[string]AttrKind{"new_email": AttrEmail}},
		{Name: "profile.phone_changed", Description: "The account's phone number changed.", Security: true, Attributes: map[string]AttrKind{"new_phone": AttrPhone}},
		{Name: "verification.email_sent", Description: "A verification link was emailed.", Security: true, AllowPersonal: true, Attributes: map[string]AttrKind{"email": AttrEmail}},
		{Name: "verification.sms_sent", Description: "A verification code was texted (the code is never logged).", Security: true, AllowPersonal: true, Attributes: map[string]AttrKind{"phone": AttrPhone}},
		{Name: "device.revoked", Description: "A device of the account was revoked.", Security: true, Attributes: map[string]AttrKind{"device_id": AttrString, "by": AttrString}},
	}
}

// checkType validates one event type definition.
func checkType(t EventType) error {
	if len(t.Name) > 64 || !typeNameRe.MatchString(t.Name) {
		return fmt.Errorf("activity: config: event type %q: name must be area.verb in lowercase letters, digits and _", t.Name)
	}
	if t.Retention != 0 && t.Retention < MinRetention {
		return fmt.Errorf("activity: config: event type %q: retention below %v", t.Name, MinRetention)
	}
	if len(t.Attributes) > MaxAttributes {
		return fmt.Errorf("activity: config: event type %q: more than %d attributes", t.Name, MaxAttributes)
	}
	for name, kind := range t.Attributes {
		if !attrNameRe.MatchString(name) {
			return fmt.Errorf("activity: config: event type %q: attribute %q: name must be snake_case, at most 40 bytes", t.Name, name)
		}
		for _, w := range secretWords {
			if strings.Contains(name, w) {
				return fmt.Errorf("activity: config: event type %q: attribute %q looks like a secret (%q): events never hold secrets", t.Name, name, w)
			}
		}
		switch kind {
		case AttrString, AttrInt, AttrBool, AttrTime, AttrEmail, AttrPhone:
		default:
			return fmt.Errorf("activity: config: event type %q: attribute %q: unknown kind %q", t.Name, name, kind)
		}
	}
	return nil
}

// buildRegistry merges the built-in and the host's event types and
// resolves each one's retention.
func buildRegistry(extra []EventType, retention map[string]time.Duration) (map[string]EventType, []string, error) {
	reg := map[string]EventType{}
	for _, t := range append(BuiltinEventTypes(), extra...) {
		if err := checkType(t); err != nil {
			return nil, nil, err
		}
		if _, dup := reg[t.Name]; dup {
			return nil, nil, fmt.Errorf("activity: config: event type %q registered twice", t.Name)
		}
		reg[t.Name] = t
	}
	for name, d := range retention {
		t, ok := reg[name]
		if !ok {
			return nil, nil, fmt.Errorf("activity: config: retention for unknown event type %q", name)
		}
		if d < MinRetention {
			return nil, nil, fmt.Errorf("activity: config: retention of %q below %v", name, MinRetention)
		}
		t.Retention = d
		reg[name] = t
	}
	names := make([]string, 0, len(reg))
	for name, t := range reg {
		if t.Retention == 0 {
			t.Retention = DefaultRetention
			if t.Security {
				t.Retention = DefaultSecurityRetention
			}
			reg[name] = t
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return reg, names, nil
}

// EventTypes returns the registry, sorted by name, with each type's
// effective retention.
func (s *Service) EventTypes() []EventType {
	out := make([]EventType, 0, len(s.typeNames))
	for _, n := range s.typeNames {
		out = append(out, s.types[n])
	}
	return out
}

// cleanAttributes checks attrs against the type, and returns them as
// stored: times in UTC RFC 3339, whole numbers as int64, email and phone
// masked unless the type allows them. field returns the prefix of error
// names ("events[3].attributes", for "events[3].attributes.screen"); it is
// called only on an error.
func cleanAttributes(t EventType, attrs map[string]any, field func() string, v *usermgmt.ValidationError) map[string]any {
	if len(attrs) == 0 {
		return map[string]any{}
	}
	if len(attrs) > MaxAttributes {
		v.Add(field(), "max", fmt.Sprintf("must have at most %d attributes", MaxAttributes))
		return nil
	}
	out := make(map[string]any, len(attrs))
	for name, val := range attrs {
		kind, ok := t.Attributes[name]
		if !ok {
			v.Add(field()+"."+name, "unknown_attribute", fmt.Sprintf("is not an attribute of %s", t.Name))
			continue
		}
		if val == nil {
			continue
		}
		switch kind {
		case AttrString, AttrEmail, AttrPhone:
			s, ok := val.(string)
			if !ok {
				v.Add(field()+"."+name, "type", "must be a string")
				continue
			}
			if len(s) > MaxAttrStringLength {
				v.Add(field()+"."+name, "max", fmt.Sprintf("must be at most %d bytes", MaxAttrStringLength))
				continue
			}
			switch {
			case kind == AttrEmail && !t.AllowPersonal:
				s = usermgmt.MaskEmail(s)
			case kind == AttrPhone && !t.AllowPersonal:
				s = usermgmt.MaskPhone(s)
			}
			out[name] = s
		case AttrInt:
			n, ok := toInt(val)
			if !ok {
				v.Add(field()+"."+name, "type", "must be a whole number")
				continue
			}
			out[name] = n
		case AttrBool:
			b, ok := val.(bool)
			if !ok {
				v.Add(field()+"."+name, "type", "must be true or false")
				continue
			}
			out[name] = b
		case AttrTime:
			var tm time.Time
			switch x := val.(type) {
			case time.Time:
				tm = x
			case string:
				var err error
				if tm, err = time.Parse(time.RFC3339Nano, x); err != nil {
					v.Add(field()+"."+name, "type", "must be an RFC 3339 time")
					continue
				}
			default:
				v.Add(field()+"."+name, "type", "must be a time")
				continue
			}
			out[name] = stamp(tm).Format(time.RFC3339Nano)
		}
	}
	return out
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// readAttributes prepares stored attributes for a reader: whole numbers
// back to int64 (JSON decodes them as float64), and email and phone masked
// when the reader may not see personal data.
func (s *Service) readAttributes(typ string, attrs map[string]any, personal bool) map[string]any {
	t, known := s.types[typ]
	for name, val := range attrs {
		kind := t.Attributes[name]
		switch {
		case kind == AttrInt:
			if f, ok := val.(float64); ok {
				attrs[name] = int64(f)
			}
		case personal || (known && !t.AllowPersonal):
			// In clear for this reader, or stored masked already.
		case kind == AttrEmail || !known:
			if str, ok := val.(string); ok && strings.Contains(str, "@") {
				attrs[name] = usermgmt.MaskEmail(str)
			}
		case kind == AttrPhone:
			if str, ok := val.(string); ok {
				attrs[name] = usermgmt.MaskPhone(str)
			}
		}
	}
	return attrs
}
