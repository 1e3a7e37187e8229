package usermgmt

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// CheckText returns nil, or a *ValidationError naming field (rule "text")
// when s is not text the library stores or looks up: it holds a NUL byte
// (PostgreSQL refuses NUL in text, and no name, address, reason or email
// needs one) or it is not valid UTF-8. Every string of every input the
// library validates goes through it; a host checks its own strings with
// it before it passes them on.
func CheckText(field, s string) error {
	if msg := textProblem(s); msg != "" {
		return invalid(field, "text", msg)
	}
	return nil
}

func textProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain a NUL character (U+0000)"
	case !utf8.ValidString(s):
		return "must be valid UTF-8 text"
	}
	return ""
}

// checkTexts adds to verr a "text" error for every string field of v
// (nested structs, pointers, slices and maps included) that CheckText
// refuses, and a "not_blank" error for every required string field (a
// validate tag with required or min) that holds only white space, each
// under its JSON path.
func checkTexts(v any, verr *ValidationError) {
	walkTexts(reflect.ValueOf(v), "", "", verr)
}

func walkTexts(v reflect.Value, path, tag string, verr *ValidationError) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkTexts(v.Elem(), path, tag, verr)
		}
	case reflect.String:
		s := v.String()
		if msg := textProblem(s); msg != "" {
			verr.Fields = append(verr.Fields, FieldError{Field: path, Rule: "text", Message: msg})
		} else if s != "" && strings.TrimSpace(s) == "" && (strings.Contains(tag, "required") || strings.Contains(tag, "min=")) {
			verr.Fields = append(verr.Fields, FieldError{Field: path, Rule: "not_blank", Message: "must not be only white space"})
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := name
			if f.Anonymous && f.Tag.Get("json") == "" {
				sub = "" // embedded: its fields are the parent's
			}
			walkTexts(v.Field(i), join(path, sub), f.Tag.Get("validate"), verr)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes are not text
		}
		for i := range v.Len() {
			walkTexts(v.Index(i), fmt.Sprintf("%s[%d]", path, i), tag, verr)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := fmt.Sprint(iter.Key().Interface())
			if iter.Key().Kind() == reflect.String {
				if msg := textProblem(iter.Key().String()); msg != "" {
					verr.Fields = append(verr.Fields, FieldError{Field: path, Rule: "text", Message: "keys " + msg})
				}
			}
			walkTexts(iter.Value(), join(path, key), tag, verr)
		}
	}
}

func join(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}
