package verification

import (
	"testing"
	"time"
)

func TestPadTarget(t *testing.T) {
	t.Parallel()
	var p pad
	if got := p.target(); got != 0 {
		t.Fatalf("empty pad = %s", got)
	}
	p.observe(7 * time.Millisecond)
	if got := p.target(); got != 7*time.Millisecond {
		t.Fatalf("one duration: %s", got)
	}
	// 1..10 ms: the 90th percentile is the 9th.
	p = pad{}
	for i := 10; i >= 1; i-- {
		p.observe(time.Duration(i) * time.Millisecond)
	}
	if got := p.target(); got != 9*time.Millisecond {
		t.Fatalf("1..10 ms: %s", got)
	}
	// Only the last padWindow durations count: after 100 ms then 64 times
	// 1..64 ms, the 100 ms is forgotten and the answer is the 58th.
	p = pad{}
	p.observe(100 * time.Millisecond)
	for i := 1; i <= padWindow; i++ {
		p.observe(time.Duration(i) * time.Millisecond)
	}
	if got := p.target(); got != 58*time.Millisecond {
		t.Fatalf("window: %s", got)
	}
}
