package sevenrooms

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// Environment is a SevenRooms environment.
type Environment string

// The environments.
const (
	Production Environment = "production"
	Demo       Environment = "demo"
)

// Defaults of LinkConfig. The profile path and the client kind are
// assumptions (API-NOTES.md grade "?"): configure them once confirmed.
var (
	// DefaultHosts: manager host names and their environment (A/B).
	DefaultHosts = map[string]Environment{"www.sevenrooms.com": Production, "sevenrooms.com": Production, "demo.sevenrooms.com": Demo}
	// DefaultApps: the decoded ids' application and its environment (A).
	DefaultApps = map[string]Environment{"s~sevenrooms-secure": Production, "s~sevenrooms-secure-demo": Demo}
	// DefaultProfilePaths: ASSUMED manager client-profile paths (?).
	DefaultProfilePaths = []string{"/manager/{venue}/clients/profile/{client_id}", "/manager2/{venue}/clients/profile/{client_id}"}
	// DefaultClientKinds: ASSUMED datastore kind of a guest profile (?).
	DefaultClientKinds = []string{"nightloop_VenueGroupClient"}
	// DefaultGuestPathPrefixes: guest-facing pages (booking widgets,
	// event pages) that are not profiles (B).
	DefaultGuestPathPrefixes = []string{"/reservations/", "/explore/", "/events/", "/experiences/", "/waitlist/", "/direct/", "/landing/"}
)

// LinkConfig says what a pasted link or id may look like. Every field's
// zero value is the documented default.
type LinkConfig struct {
	// Environment is the environment this installation talks to; an id of
	// another environment is refused. Zero means Production.
	Environment Environment
	// Hosts maps the manager's host names to their environment. Nil means
	// DefaultHosts.
	Hosts map[string]Environment
	// Apps maps a decoded id's application to its environment. Nil means
	// DefaultApps.
	Apps map[string]Environment
	// ProfilePaths are the accepted URL paths of a client profile in the
	// manager: literal segments and placeholders in braces, one of which
	// must be {client_id}; other placeholders match any one segment. Nil
	// means DefaultProfilePaths.
	ProfilePaths []string
	// ClientKinds are the datastore kinds of a guest profile id. Nil means
	// DefaultClientKinds.
	ClientKinds []string
	// GuestPathPrefixes are the path prefixes of guest-facing pages, which
	// are refused with a message of their own. Nil means
	// DefaultGuestPathPrefixes.
	GuestPathPrefixes []string
}

func (c LinkConfig) withDefaults() LinkConfig {
	if c.Environment == "" {
		c.Environment = Production
	}
	if c.Hosts == nil {
		c.Hosts = DefaultHosts
	}
	if c.Apps == nil {
		c.Apps = DefaultApps
	}
	if c.ProfilePaths == nil {
		c.ProfilePaths = DefaultProfilePaths
	}
	if c.ClientKinds == nil {
		c.ClientKinds = DefaultClientKinds
	}
	if c.GuestPathPrefixes == nil {
		c.GuestPathPrefixes = DefaultGuestPathPrefixes
	}
	return c
}

// ParsedLink is what a pasted link or id was understood to be, shown to
// the operator before anything is fetched.
type ParsedLink struct {
	// Input is "url" or "id": what the operator pasted.
	Input string `json:"input"`
	// ClientID is the guest profile's id.
	ClientID string `json:"client_id"`
	// Environment is the id's environment.
	Environment Environment `json:"environment"`
	// Kind is the id's datastore kind.
	Kind string `json:"kind"`
	// Host and Venue are the manager host and venue of a pasted URL.
	Host  string `json:"host,omitempty"`
	Venue string `json:"venue,omitempty"`
}

// LinkParser parses pasted manager links and ids. It never fetches
// anything: a pasted URL is only read as text, so it cannot be used to
// make the server call an address of the pasting operator's choice. A
// LinkParser is safe for concurrent use.
type LinkParser struct {
	cfg      LinkConfig
	patterns [][]string
}

var placeholder = regexp.MustCompile(`^\{[a-z_]+\}$`)

// NewLinkParser returns a parser for cfg. It returns an error when a
// profile path has no {client_id} placeholder.
func NewLinkParser(cfg LinkConfig) (*LinkParser, error) {
	cfg = cfg.withDefaults()
	p := &LinkParser{cfg: cfg}
	for _, pat := range cfg.ProfilePaths {
		segs := strings.Split(strings.Trim(pat, "/"), "/")
		if !slices.Contains(segs, "{client_id}") {
			return nil, errorf("link config: profile path %q has no {client_id}", pat)
		}
		for _, s := range segs {
			if s == "" || (strings.ContainsAny(s, "{}") && !placeholder.MatchString(s)) {
				return nil, errorf("link config: bad segment %q in profile path %q", s, pat)
			}
		}
		p.patterns = append(p.patterns, segs)
	}
	return p, nil
}

// field is the snake_case input name that parse errors name.
const linkField = "link"

// The rules a refused link breaks (the FieldError's Rule).
const (
	RuleRequired         = "required"
	RuleHost             = "host"
	RuleGuestURL         = "guest_url"
	RuleNotProfileURL    = "profile_url"
	RuleMalformedID      = "client_id"
	RuleWrongEnvironment = string(thirdparty.ReasonWrongEnvironment)
	RuleWrongKind        = string(thirdparty.ReasonWrongKind)
)

func refuse(rule, msg string) error {
	return &usermgmt.ValidationError{Fields: []usermgmt.FieldError{{Field: linkField, Rule: rule, Message: msg}}}
}

// Parse reads a pasted manager profile URL or a bare client id. The query
// string and fragment of a URL are ignored. The id is decoded to check its
// environment against the configured one and its kind against the
// accepted client kinds.
//
// Returns a *usermgmt.ValidationError (usermgmt.ErrInvalid) on field
// "link" whose Rule says what was wrong (RuleHost, RuleGuestURL,
// RuleNotProfileURL, RuleMalformedID, RuleWrongEnvironment, RuleWrongKind,
// RuleRequired) and whose message says what was expected.
func (p *LinkParser) Parse(input string) (ParsedLink, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return ParsedLink{}, refuse(RuleRequired, "paste a SevenRooms client profile link or a client id")
	}
	if len(s) > 4096 {
		return ParsedLink{}, refuse(RuleMalformedID, "is too long for a SevenRooms link or client id")
	}
	if !strings.ContainsAny(s, "/:.?#") {
		out, err := p.checkID(s)
		out.Input = "id"
		return out, err
	}
	return p.parseURL(s)
}

func (p *LinkParser) expected() string {
	return "a SevenRooms client profile link such as https://www.sevenrooms.com" +
		strings.ReplaceAll(strings.ReplaceAll(p.cfg.ProfilePaths[0], "{client_id}", "<client id>"), "{venue}", "<venue>") +
		", or the client id alone"
}

func (p *LinkParser) parseURL(s string) (ParsedLink, error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s // a link pasted without its scheme
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ParsedLink{}, refuse(RuleNotProfileURL, "is not a link; expected "+p.expected())
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return ParsedLink{}, refuse(RuleNotProfileURL, "is not a web link; expected "+p.expected())
	}
	if u.User != nil || u.Port() != "" {
		return ParsedLink{}, refuse(RuleHost, "must not carry credentials or a port; expected "+p.expected())
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	hostEnv, ok := p.cfg.Hosts[host]
	if !ok {
		return ParsedLink{}, refuse(RuleHost, "is not a SevenRooms manager link (host "+quoteShort(host)+"); expected "+p.expected())
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	for _, g := range p.cfg.GuestPathPrefixes {
		if strings.HasPrefix(strings.ToLower(path)+"/", g) {
			return ParsedLink{}, refuse(RuleGuestURL, "is a guest-facing booking page, not a client profile; open the client in the SevenRooms manager (Clients, then the profile) and paste that link: "+p.expected())
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, pat := range p.patterns {
		vals, ok := match(pat, segs)
		if !ok {
			continue
		}
		id, err := url.PathUnescape(vals["client_id"])
		if err != nil {
			return ParsedLink{}, refuse(RuleMalformedID, "has a client id that is not valid; expected "+p.expected())
		}
		venue, _ := url.PathUnescape(vals["venue"])
		out, err := p.checkID(id)
		if err != nil {
			return ParsedLink{}, err
		}
		if out.Environment != hostEnv {
			return ParsedLink{}, refuse(RuleWrongEnvironment, "links to the "+string(hostEnv)+" manager but holds a "+string(out.Environment)+" client id; the link looks edited, paste it again from SevenRooms")
		}
		out.Input, out.Host, out.Venue = "url", host, venue
		return out, nil
	}
	return ParsedLink{}, refuse(RuleNotProfileURL, "is a SevenRooms page but not a client profile; expected "+p.expected())
}

// match matches path segments against a pattern; placeholders take any
// one non-empty segment.
func match(pat, segs []string) (map[string]string, bool) {
	if len(pat) != len(segs) {
		return nil, false
	}
	vals := map[string]string{}
	for i, ps := range pat {
		if placeholder.MatchString(ps) {
			if segs[i] == "" {
				return nil, false
			}
			vals[strings.Trim(ps, "{}")] = segs[i]
			continue
		}
		if !strings.EqualFold(ps, segs[i]) {
			return nil, false
		}
	}
	return vals, true
}

func (p *LinkParser) checkID(id string) (ParsedLink, error) {
	k, err := DecodeKey(id)
	if err != nil {
		return ParsedLink{}, refuse(RuleMalformedID, "is not a SevenRooms client id (the sequence of characters after \"profile\" in the client's link); expected "+p.expected())
	}
	env, ok := p.cfg.Apps[k.App]
	if !ok {
		return ParsedLink{}, refuse(RuleWrongEnvironment, "is an id of an application this installation does not know ("+quoteShort(k.App)+"); expected a "+string(p.cfg.Environment)+" SevenRooms client id")
	}
	if env != p.cfg.Environment {
		return ParsedLink{}, refuse(RuleWrongEnvironment, "is a "+string(env)+" SevenRooms id; this installation uses "+string(p.cfg.Environment)+": paste the client's link from the "+string(p.cfg.Environment)+" manager")
	}
	if !slices.Contains(p.cfg.ClientKinds, k.Kind()) {
		return ParsedLink{}, refuse(RuleWrongKind, "is the id of a "+quoteShort(k.Kind())+", not of a client profile; expected "+p.expected())
	}
	return ParsedLink{ClientID: id, Environment: env, Kind: k.Kind()}, nil
}

// quoteShort quotes s for a message, cut to a readable length.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s) + `"`
}
