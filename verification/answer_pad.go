package verification

import (
	"context"
	"slices"
	"sync"
	"time"
)

// padWindow is how many recent durations of a call the pad learns from;
// a learnt wait is at most maxPadFactor times AnswerFloor (1 s by default).
const (
	padWindow    = 64
	maxPadFactor = 20
)

// pad learns how long one no-enumeration call takes (its work, before any
// wait) and says how long an answer should take: the 90th percentile of
// the last padWindow durations. Both paths (address with and without an
// account) feed the same pad, so answers of both leave at that time,
// except the slowest tenth, whatever the load of the machine.
type pad struct {
	mu   sync.Mutex
	ring [padWindow]time.Duration
	n    int // durations recorded, at most padWindow
	next int // where the next one goes
}

// target returns the 90th percentile of the recorded durations (zero
// before the first).
func (p *pad) target() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return 0
	}
	s := slices.Clone(p.ring[:p.n])
	slices.Sort(s)
	return s[(9*p.n-1)/10] // nearest rank: the ceil(0.9 n)-th smallest
}

func (p *pad) observe(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ring[p.next] = d
	p.next = (p.next + 1) % padWindow
	if p.n < padWindow {
		p.n++
	}
}

// The calls that must not tell whether an address has an account.
const (
	padRegister = iota
	padReset
	padResend
	padEmailChange
	padCount
)

// floor waits until the answer of call may leave: AnswerFloor after began,
// or the call's learnt duration when that is longer. Call it deferred at
// the top of the call, so that every answer (success, refusal, error)
// waits.
func (s *Service) floor(ctx context.Context, call int, began time.Time) {
	if s.cfg.AnswerFloor <= 0 {
		return
	}
	work := time.Since(began)
	// The learnt part is capped, so that slow requests cannot make every
	// answer slow for long.
	target := max(s.cfg.AnswerFloor, min(s.pads[call].target(), maxPadFactor*s.cfg.AnswerFloor))
	s.pads[call].observe(work)
	if d := target - work; d > 0 {
		_ = s.cfg.Sleep(ctx, d)
	}
}
