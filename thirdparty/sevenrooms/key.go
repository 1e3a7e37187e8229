package sevenrooms

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Key is a decoded SevenRooms id. SevenRooms ids are Google App Engine
// datastore keys in their urlsafe form: base64url (padding stripped) of a
// protocol-buffer Reference holding the application id (which tells
// production from demo), an optional namespace, and a path of (kind, id or
// name) elements, the last of which is the entity itself.
type Key struct {
	// App is the application id, such as "s~sevenrooms-secure".
	App string
	// Namespace is the datastore namespace; usually empty.
	Namespace string
	// Path runs from the root ancestor to the entity.
	Path []KeyElement
}

// KeyElement is one step of a key's path.
type KeyElement struct {
	// Kind is the entity kind, such as "nightloop_Venue".
	Kind string
	// ID is the numeric id, or zero when the element has a Name.
	ID int64
	// Name is the string id, or empty when the element has an ID.
	Name string
}

// Kind returns the kind of the entity the key names (its last element).
func (k Key) Kind() string {
	if len(k.Path) == 0 {
		return ""
	}
	return k.Path[len(k.Path)-1].Kind
}

// String formats the key for people: app, namespace and path.
func (k Key) String() string {
	var b strings.Builder
	b.WriteString(k.App)
	if k.Namespace != "" {
		b.WriteString("/" + k.Namespace)
	}
	for _, e := range k.Path {
		b.WriteString(":" + e.Kind + ",")
		if e.Name != "" {
			b.WriteString(strconv.Quote(e.Name))
		} else {
			b.WriteString(strconv.FormatInt(e.ID, 10))
		}
	}
	return b.String()
}

// errKey is wrapped by every decoding failure.
var errKey = errors.New("not a SevenRooms id")

// Protocol-buffer field numbers of the App Engine Reference message.
const (
	fieldApp       = 13
	fieldPath      = 14
	fieldNamespace = 20
	fieldElement   = 1 // a group inside Path
	fieldType      = 2
	fieldID        = 3
	fieldName      = 4
	wireVarint     = 0
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	maxKeyLength   = 1024
	maxPathDepth   = 32
)

// DecodeKey decodes a SevenRooms id. It refuses anything that is not a
// well-formed urlsafe key with an app and at least one path element.
func DecodeKey(s string) (Key, error) {
	if s == "" || len(s) > maxKeyLength {
		return Key{}, fmt.Errorf("%w: length %d", errKey, len(s))
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return Key{}, fmt.Errorf("%w: not urlsafe base64", errKey)
	}
	var k Key
	d := &decoder{b: raw}
	for !d.done() {
		field, wire, err := d.tag()
		if err != nil {
			return Key{}, err
		}
		switch {
		case field == fieldApp && wire == wireBytes:
			if k.App, err = d.str(); err != nil {
				return Key{}, err
			}
		case field == fieldNamespace && wire == wireBytes:
			if k.Namespace, err = d.str(); err != nil {
				return Key{}, err
			}
		case field == fieldPath && wire == wireBytes:
			b, err := d.bytes()
			if err != nil {
				return Key{}, err
			}
			if k.Path, err = decodePath(b); err != nil {
				return Key{}, err
			}
		default:
			if err := d.skip(wire); err != nil {
				return Key{}, err
			}
		}
	}
	if k.App == "" || len(k.Path) == 0 {
		return Key{}, fmt.Errorf("%w: no app or no path", errKey)
	}
	return k, nil
}

func decodePath(b []byte) ([]KeyElement, error) {
	var path []KeyElement
	d := &decoder{b: b}
	for !d.done() {
		field, wire, err := d.tag()
		if err != nil {
			return nil, err
		}
		if field != fieldElement || wire != wireStartGroup {
			return nil, fmt.Errorf("%w: unexpected field %d in path", errKey, field)
		}
		if len(path) == maxPathDepth {
			return nil, fmt.Errorf("%w: path too deep", errKey)
		}
		var e KeyElement
		hasID := false
	element:
		for {
			field, wire, err := d.tag()
			if err != nil {
				return nil, err
			}
			switch {
			case field == fieldElement && wire == wireEndGroup:
				break element
			case field == fieldType && wire == wireBytes:
				if e.Kind, err = d.str(); err != nil {
					return nil, err
				}
			case field == fieldID && wire == wireVarint:
				v, err := d.varint()
				if err != nil {
					return nil, err
				}
				e.ID, hasID = int64(v), true
			case field == fieldName && wire == wireBytes:
				if e.Name, err = d.str(); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("%w: unexpected field %d in path element", errKey, field)
			}
		}
		if e.Kind == "" || (hasID == (e.Name != "")) || (hasID && e.ID <= 0) {
			return nil, fmt.Errorf("%w: path element needs a kind and exactly one of id or name", errKey)
		}
		path = append(path, e)
	}
	return path, nil
}

// Encode returns the key's urlsafe form, the inverse of DecodeKey.
func (k Key) Encode() string {
	var path []byte
	for _, e := range k.Path {
		path = appendTag(path, fieldElement, wireStartGroup)
		path = appendString(path, fieldType, e.Kind)
		if e.Name != "" {
			path = appendString(path, fieldName, e.Name)
		} else {
			path = appendTag(path, fieldID, wireVarint)
			path = appendVarint(path, uint64(e.ID))
		}
		path = appendTag(path, fieldElement, wireEndGroup)
	}
	var b []byte
	b = appendString(b, fieldApp, k.App)
	b = appendTag(b, fieldPath, wireBytes)
	b = appendVarint(b, uint64(len(path)))
	b = append(b, path...)
	if k.Namespace != "" {
		b = appendString(b, fieldNamespace, k.Namespace)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func appendTag(b []byte, field, wire int) []byte {
	return appendVarint(b, uint64(field<<3|wire))
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendString(b []byte, field int, s string) []byte {
	b = appendTag(b, field, wireBytes)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads protocol-buffer wire format, refusing anything truncated.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) done() bool { return d.i >= len(d.b) }

func (d *decoder) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.i >= len(d.b) {
			return 0, fmt.Errorf("%w: truncated", errKey)
		}
		c := d.b[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: varint too long", errKey)
}

func (d *decoder) tag() (field, wire int, err error) {
	v, err := d.varint()
	if err != nil {
		return 0, 0, err
	}
	if v>>3 == 0 || v>>3 > 1<<20 {
		return 0, 0, fmt.Errorf("%w: bad field number", errKey)
	}
	return int(v >> 3), int(v & 7), nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)-d.i) {
		return nil, fmt.Errorf("%w: truncated", errKey)
	}
	b := d.b[d.i : d.i+int(n)]
	d.i += int(n)
	return b, nil
}

func (d *decoder) str() (string, error) {
	b, err := d.bytes()
	if err != nil {
		return "", err
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%w: non-printable text", errKey)
		}
	}
	return string(b), nil
}

// skip passes over an unknown top-level field of a scalar wire type.
func (d *decoder) skip(wire int) error {
	switch wire {
	case wireVarint:
		_, err := d.varint()
		return err
	case wireBytes:
		_, err := d.bytes()
		return err
	}
	return fmt.Errorf("%w: unexpected wire type %d", errKey, wire)
}
