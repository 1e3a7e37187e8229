package usermgmt

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// pwTinyParams keep argon2 fast in tests; only one test and the benchmark
// use the defaults.
var pwTinyParams = Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// pwPHC matches an encoded argon2id hash: version 19, the three cost
// parameters, then unpadded standard base64 salt and key.
var pwPHC = regexp.MustCompile(`^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func pwNewTestHasher(tb testing.TB, p Argon2Params, maxConcurrent int) *PasswordHasher {
	tb.Helper()
	h, err := NewPasswordHasher(p, maxConcurrent)
	if err != nil {
		tb.Fatalf("NewPasswordHasher(%+v, %d): %v", p, maxConcurrent, err)
	}
	return h
}

func pwMustHash(tb testing.TB, h *PasswordHasher, password string) string {
	tb.Helper()
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return encoded
}

func TestDefaultArgon2Params(t *testing.T) {
	want := Argon2Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	if got := DefaultArgon2Params(); got != want {
		t.Fatalf("DefaultArgon2Params() = %+v, want %+v", got, want)
	}
}

func TestNewPasswordHasher(t *testing.T) {
	tests := []struct {
		name    string
		params  Argon2Params
		want    Argon2Params // when wantErr is false
		wantErr bool
	}{
		{name: "tiny", params: pwTinyParams, want: pwTinyParams},
		{
			name:   "zero fields take defaults",
			params: Argon2Params{Memory: 64},
			want:   Argon2Params{Memory: 64, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		},
		{name: "memory below 8 KiB per lane", params: Argon2Params{Memory: 31, Iterations: 1, Parallelism: 4}, wantErr: true},
		{name: "memory exactly 8 KiB per lane", params: Argon2Params{Memory: 32, Iterations: 1, Parallelism: 4}, want: Argon2Params{Memory: 32, Iterations: 1, Parallelism: 4, SaltLength: 16, KeyLength: 32}},
		{name: "memory above 4 GiB", params: Argon2Params{Memory: 4<<20 + 1}, wantErr: true},
		{name: "too many iterations", params: Argon2Params{Memory: 64, Iterations: 101}, wantErr: true},
		{name: "salt too short", params: Argon2Params{Memory: 64, SaltLength: 7}, wantErr: true},
		{name: "salt too long", params: Argon2Params{Memory: 64, SaltLength: 1025}, wantErr: true},
		{name: "key too short", params: Argon2Params{Memory: 64, KeyLength: 15}, wantErr: true},
		{name: "key too long", params: Argon2Params{Memory: 64, KeyLength: 1025}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewPasswordHasher(tt.params, 1)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewPasswordHasher(%+v) succeeded, want error", tt.params)
				}
				if !strings.HasPrefix(err.Error(), "usermgmt: ") {
					t.Errorf("error %q lacks the usermgmt: prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewPasswordHasher(%+v): %v", tt.params, err)
			}
			if h.params != tt.want {
				t.Errorf("params = %+v, want %+v", h.params, tt.want)
			}
		})
	}

	t.Run("maxConcurrent", func(t *testing.T) {
		for _, n := range []int{-1, 0, 1, 7} {
			want := n
			if n <= 0 {
				want = runtime.GOMAXPROCS(0)
			}
			h := pwNewTestHasher(t, pwTinyParams, n)
			if got := cap(h.sem); got != want {
				t.Errorf("maxConcurrent %d: semaphore size %d, want %d", n, got, want)
			}
		}
	})
}

func TestPasswordHasherHashVerify(t *testing.T) {
	h := pwNewTestHasher(t, pwTinyParams, 0)
	tests := []struct {
		name     string
		password string
	}{
		{name: "ascii", password: "correct horse battery staple"},
		{name: "empty", password: ""},
		{name: "unicode", password: "pässwörd 🔑 パスワード"},
		{name: "long", password: strings.Repeat("x", 4096)},
		{name: "contains dollar signs", password: "$argon2id$v=19$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			encoded := pwMustHash(t, h, tt.password)
			if !pwPHC.MatchString(encoded) {
				t.Errorf("Hash = %q, not in PHC format", encoded)
			}

			needsRehash, err := h.Verify(ctx, tt.password, encoded)
			if err != nil {
				t.Fatalf("Verify(right password): %v", err)
			}
			if needsRehash {
				t.Error("Verify(right password) needsRehash = true, want false")
			}

			needsRehash, err = h.Verify(ctx, tt.password+"!", encoded)
			if !errors.Is(err, ErrPasswordMismatch) {
				t.Fatalf("Verify(wrong password) error = %v, want ErrPasswordMismatch", err)
			}
			if needsRehash {
				t.Error("Verify(wrong password) needsRehash = true, want false")
			}

			if again := pwMustHash(t, h, tt.password); again == encoded {
				t.Errorf("two hashes of the same password are equal (%q): salt not random", encoded)
			}
		})
	}
}

func TestPasswordHasherHashFormat(t *testing.T) {
	h := pwNewTestHasher(t, Argon2Params{Memory: 64, Iterations: 3, Parallelism: 2, SaltLength: 12, KeyLength: 24}, 1)
	encoded := pwMustHash(t, h, "secret")
	if !pwPHC.MatchString(encoded) {
		t.Fatalf("Hash = %q, not in PHC format", encoded)
	}
	if want := "$argon2id$v=19$m=64,t=3,p=2$"; !strings.HasPrefix(encoded, want) {
		t.Errorf("Hash = %q, want prefix %q", encoded, want)
	}
	p, salt, key, err := pwDecode(encoded)
	if err != nil {
		t.Fatalf("pwDecode(%q): %v", encoded, err)
	}
	if p != h.params || len(salt) != 12 || len(key) != 24 {
		t.Errorf("pwDecode = %+v, %d-byte salt, %d-byte key; want %+v, 12, 24", p, len(salt), len(key), h.params)
	}
	if got := pwEncode(p, salt, key); got != encoded {
		t.Errorf("pwEncode(pwDecode(%q)) = %q", encoded, got)
	}
}

func TestPasswordHasherDefaultParams(t *testing.T) {
	h := pwNewTestHasher(t, Argon2Params{}, 0)
	encoded := pwMustHash(t, h, "secret")
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(encoded, want) || !pwPHC.MatchString(encoded) {
		t.Fatalf("Hash = %q, want PHC format with prefix %q", encoded, want)
	}
	if _, err := h.Verify(context.Background(), "secret", encoded); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestPasswordHasherVerifyMalformed(t *testing.T) {
	const password = "hunter2-secret"
	h := pwNewTestHasher(t, pwTinyParams, 0)
	good := pwMustHash(t, h, password)
	fields := strings.Split(good, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, key
	join := func(f ...string) string { return strings.Join(f, "$") }

	tests := []struct {
		name    string
		encoded string
	}{
		{name: "empty", encoded: ""},
		{name: "plaintext password stored by mistake", encoded: password},
		{name: "truncated", encoded: good[:len(good)/2]},
		{name: "missing key", encoded: join(fields[:5]...)},
		{name: "extra field", encoded: good + "$AAAA"},
		{name: "no leading dollar", encoded: good[1:]},
		{name: "wrong algorithm argon2i", encoded: join("", "argon2i", fields[2], fields[3], fields[4], fields[5])},
		{name: "wrong algorithm argon2d", encoded: join("", "argon2d", fields[2], fields[3], fields[4], fields[5])},
		{name: "bcrypt", encoded: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "bad version", encoded: join("", "argon2id", "v=16", fields[3], fields[4], fields[5])},
		{name: "version not a number", encoded: join("", "argon2id", "v=19x", fields[3], fields[4], fields[5])},
		{name: "missing version", encoded: join("", "argon2id", fields[3], fields[4], fields[5])},
		{name: "parameters out of order", encoded: join("", "argon2id", "v=19", "t=1,m=64,p=1", fields[4], fields[5])},
		{name: "parameter not a number", encoded: join("", "argon2id", "v=19", "m=64k,t=1,p=1", fields[4], fields[5])},
		{name: "parameter overflows", encoded: join("", "argon2id", "v=19", "m=64,t=1,p=256", fields[4], fields[5])},
		{name: "zero iterations", encoded: join("", "argon2id", "v=19", "m=64,t=0,p=1", fields[4], fields[5])},
		{name: "zero parallelism", encoded: join("", "argon2id", "v=19", "m=64,t=1,p=0", fields[4], fields[5])},
		{name: "memory below 8 KiB per lane", encoded: join("", "argon2id", "v=19", "m=15,t=1,p=2", fields[4], fields[5])},
		{name: "absurd memory", encoded: join("", "argon2id", "v=19", "m=4294967295,t=1,p=1", fields[4], fields[5])},
		{name: "bad base64 salt", encoded: join(fields[0], fields[1], fields[2], fields[3], "!!notbase64!!", fields[5])},
		{name: "bad base64 key", encoded: join(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5][:len(fields[5])-1]+"*")},
		{name: "padded base64", encoded: good + "="},
		{name: "salt too short", encoded: join(fields[0], fields[1], fields[2], fields[3], "AAAA", fields[5])},
		{name: "key too short", encoded: join(fields[0], fields[1], fields[2], fields[3], fields[4], "AAAA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			needsRehash, err := h.Verify(context.Background(), password, tt.encoded)
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify(%q) error = %v, want ErrMalformedHash", tt.encoded, err)
			}
			if needsRehash {
				t.Error("needsRehash = true on error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "usermgmt: ") {
				t.Errorf("error %q lacks the usermgmt: prefix", msg)
			}
			if strings.Contains(msg, password) {
				t.Errorf("error %q contains the password", msg)
			}
		})
	}

	// A well-formed hash whose key was altered is a mismatch, not malformed.
	t.Run("altered key byte", func(t *testing.T) {
		key := []byte(fields[5])
		if key[0] == 'A' {
			key[0] = 'B'
		} else {
			key[0] = 'A'
		}
		_, err := h.Verify(context.Background(), password, join(fields[0], fields[1], fields[2], fields[3], fields[4], string(key)))
		if !errors.Is(err, ErrPasswordMismatch) {
			t.Fatalf("error = %v, want ErrPasswordMismatch", err)
		}
	})
}

func TestPasswordHasherNeedsRehash(t *testing.T) {
	current := Argon2Params{Memory: 128, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}
	tests := []struct {
		name   string
		stored Argon2Params
		want   bool
	}{
		{name: "same parameters", stored: current, want: false},
		{name: "lower memory", stored: Argon2Params{Memory: 64, Iterations: 2, Parallelism: 2, KeyLength: 32}, want: true},
		{name: "lower iterations", stored: Argon2Params{Memory: 128, Iterations: 1, Parallelism: 2, KeyLength: 32}, want: true},
		{name: "shorter key", stored: Argon2Params{Memory: 128, Iterations: 2, Parallelism: 2, KeyLength: 16}, want: true},
		{name: "higher memory and iterations", stored: Argon2Params{Memory: 256, Iterations: 3, Parallelism: 2, KeyLength: 32}, want: false},
		{name: "other parallelism", stored: Argon2Params{Memory: 128, Iterations: 2, Parallelism: 1, KeyLength: 32}, want: false},
		{name: "shorter salt", stored: Argon2Params{Memory: 128, Iterations: 2, Parallelism: 2, SaltLength: 8, KeyLength: 32}, want: false},
	}
	h := pwNewTestHasher(t, current, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := pwNewTestHasher(t, tt.stored, 0)
			encoded := pwMustHash(t, old, "secret")
			needsRehash, err := h.Verify(context.Background(), "secret", encoded)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if needsRehash != tt.want {
				t.Errorf("needsRehash = %v, want %v (stored %+v, current %+v)", needsRehash, tt.want, old.params, h.params)
			}
		})
	}
}

func TestPasswordHasherConcurrencyBound(t *testing.T) {
	const maxConcurrent, workers = 2, 16
	// 1 MiB so that each computation lasts long enough to overlap.
	h := pwNewTestHasher(t, Argon2Params{Memory: 1024, Iterations: 1}, maxConcurrent)
	h.pwPeak.Store(0)

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), fmt.Sprintf("password-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Hash: %v", err)
	}

	if peak := h.pwPeak.Load(); peak < 1 || peak > maxConcurrent {
		t.Errorf("peak concurrent computations = %d, want 1..%d", peak, maxConcurrent)
	}
	if active := h.pwActive.Load(); active != 0 {
		t.Errorf("%d computations still counted active", active)
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("%d semaphore slots still held", n)
	}
}

func TestPasswordHasherContextDone(t *testing.T) {
	h := pwNewTestHasher(t, pwTinyParams, 2)
	encoded := pwMustHash(t, h, "secret")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		// full fills the semaphore first, so the call must wait.
		full bool
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{
			name: "cancelled while semaphore full",
			full: true,
			ctx:  func() (context.Context, context.CancelFunc) { return cancelled, func() {} },
			want: context.Canceled,
		},
		{
			name: "deadline passes while waiting",
			full: true,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 20*time.Millisecond)
			},
			want: context.DeadlineExceeded,
		},
		{
			name: "cancelled with free slots",
			ctx:  func() (context.Context, context.CancelFunc) { return cancelled, func() {} },
			want: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.full {
				for range cap(h.sem) {
					h.sem <- struct{}{}
				}
				t.Cleanup(func() {
					for range cap(h.sem) {
						<-h.sem
					}
				})
			}
			h.pwPeak.Store(0)

			ctx, cancel := tt.ctx()
			defer cancel()
			if _, err := h.Hash(ctx, "secret"); !errors.Is(err, tt.want) {
				t.Errorf("Hash error = %v, want %v", err, tt.want)
			}

			ctx, cancel = tt.ctx()
			defer cancel()
			if _, err := h.Verify(ctx, "secret", encoded); !errors.Is(err, tt.want) {
				t.Errorf("Verify error = %v, want %v", err, tt.want)
			}

			if peak := h.pwPeak.Load(); peak != 0 {
				t.Errorf("%d computations ran despite the done context", peak)
			}
		})
	}
}

func TestPasswordHasherVerifyDummy(t *testing.T) {
	tests := []struct {
		name   string
		params Argon2Params
	}{
		{name: "tiny", params: pwTinyParams},
		{name: "custom", params: Argon2Params{Memory: 256, Iterations: 3, Parallelism: 2, SaltLength: 24, KeyLength: 48}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := pwNewTestHasher(t, tt.params, 1)

			// The dummy must cost what a real hash costs: same algorithm,
			// same parameters, same salt and key lengths.
			p, _, _, err := pwDecode(h.dummy)
			if err != nil {
				t.Fatalf("dummy hash %q is malformed: %v", h.dummy, err)
			}
			if p != h.params {
				t.Errorf("dummy hash parameters = %+v, want the hasher's %+v", p, h.params)
			}

			h.pwPeak.Store(0)
			h.VerifyDummy(context.Background(), "any password")
			if peak := h.pwPeak.Load(); peak != 1 {
				t.Errorf("VerifyDummy ran %d argon2 computations at peak, want 1", peak)
			}
			if n := len(h.sem); n != 0 {
				t.Errorf("VerifyDummy left %d semaphore slots held", n)
			}
		})
	}
}

func BenchmarkPasswordHashDefault(b *testing.B) {
	h := pwNewTestHasher(b, DefaultArgon2Params(), 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExamplePasswordHasher() {
	h, err := NewPasswordHasher(Argon2Params{}, 0) // OWASP defaults
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$"))

	needsRehash, err := h.Verify(ctx, "correct horse battery staple", encoded)
	fmt.Println(needsRehash, err)

	_, err = h.Verify(ctx, "wrong", encoded)
	fmt.Println(errors.Is(err, ErrPasswordMismatch))

	// Output:
	// true
	// false <nil>
	// true
}
