package sevenrooms

import "fmt"

func errorf(format string, args ...any) error {
	return fmt.Errorf("sevenrooms: "+format, args...)
}
