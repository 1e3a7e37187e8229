package front_test

import (
	"errors"
	"strconv"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
