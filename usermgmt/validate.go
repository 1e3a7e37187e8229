package usermgmt

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// oldestBirthDate bounds a plausible date of birth.
var oldestBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// newValidator builds the struct validator: rules come from `validate`
// tags, field names in errors from `json` tags.
func (s *Service) newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	// plausible_birth_date: a calendar date in the past, not before 1900.
	_ = v.RegisterValidation("plausible_birth_date", func(fl validator.FieldLevel) bool {
		t, ok := fl.Field().Interface().(time.Time)
		if !ok {
			return false
		}
		return !t.Before(oldestBirthDate) && t.Before(s.clock())
	})
	return v
}

// check validates a struct and turns validator's errors into a
// *ValidationError with the JSON field names.
//
// Before the tags' rules, every string of v must be text (CheckText) and
// every required string must not be only white space: those problems are
// reported first, with the tags' problems after them.
func (s *Service) check(v any) error {
	out := &ValidationError{}
	checkTexts(v, out)
	err := s.validate.Struct(v)
	if err == nil {
		if len(out.Fields) > 0 {
			return out
		}
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("usermgmt: validate: %w", err)
	}
	for _, fe := range verrs {
		// Namespace is "Type.field.sub"; drop the type name.
		_, path, _ := strings.Cut(fe.Namespace(), ".")
		out.Fields = append(out.Fields, FieldError{Field: path, Rule: fe.Tag(), Message: ruleMessage(fe)})
	}
	return out
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_if":
		return "is required"
	case "excluded_unless":
		return "must be empty unless " + strings.ReplaceAll(fe.Param(), " ", " is ")
	case "email":
		return "must be an email address"
	case "e164":
		return "must be a phone number in E.164 form, such as +33612345678"
	case "bcp47_language_tag":
		return "must be a BCP 47 language tag, such as fr or en-GB"
	case "timezone":
		return "must be an IANA time zone, such as Europe/Paris"
	case "iso3166_1_alpha2":
		return "must be an ISO 3166-1 alpha-2 country code, such as FR"
	case "oneof":
		return "must be one of: " + fe.Param()
	case "max":
		return "must be at most " + fe.Param() + " long"
	case "min":
		return "must be at least " + fe.Param() + " long"
	case "url", "http_url":
		return "must be an http(s) URL"
	case "unique":
		return "must not repeat a value"
	case "plausible_birth_date":
		return "must be a date in the past, not before 1900-01-01"
	case "gt":
		return "must be greater than " + fe.Param()
	}
	return "breaks rule " + fe.Tag()
}
