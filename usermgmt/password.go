package usermgmt

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Bounds applied both to the parameters a hasher is built with and to the
// parameters read back from a stored hash: a corrupted or hostile row must
// not make Verify allocate terabytes or spin for minutes, and argon2.IDKey
// panics on zero iterations or parallelism.
const (
	pwMinSaltLength = 8          // RFC 9106 §3.1 minimum
	pwMaxSaltLength = 1024       // far beyond any real use
	pwMinKeyLength  = 16         // below this the tag is too short to trust
	pwMaxKeyLength  = 1024       // far beyond any real use
	pwMaxMemory     = 4 << 20    // KiB, i.e. 4 GiB (RFC 9106's first choice is 2 GiB)
	pwMaxIterations = 100        // t beyond ~10 is unheard of
	pwAlgorithm     = "argon2id" // PHC identifier
)

// Argon2Params are the argon2id cost parameters. They are stored in every
// encoded hash, so they can be raised later: hashes made with weaker
// parameters still verify, and [PasswordHasher.Verify] reports that they
// need rehashing. A zero field means the value from [DefaultArgon2Params].
type Argon2Params struct {
	// Memory is the memory cost in KiB; it must be at least 8 times
	// Parallelism and at most 4 GiB. Zero means 19456 (19 MiB).
	Memory uint32
	// Iterations is the number of passes over the memory (time cost),
	// at most 100. Zero means 2.
	Iterations uint32
	// Parallelism is the number of lanes computed in parallel. It is part
	// of the hash: changing it changes the output. Zero means 1.
	Parallelism uint8
	// SaltLength is the length in bytes of the random salt drawn for each
	// hash, from 8 to 1024. Zero means 16.
	SaltLength uint32
	// KeyLength is the length in bytes of the derived key stored in the
	// hash, from 16 to 1024. Zero means 32.
	KeyLength uint32
}

// DefaultArgon2Params returns OWASP's minimum recommendation for argon2id:
// 19 MiB of memory, 2 iterations, parallelism 1, a 16-byte salt and a
// 32-byte key.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{
		Memory:      19 * 1024,
		Iterations:  2,
		Parallelism: 1,
		SaltLength:  16,
		KeyLength:   32,
	}
}

// pwWithDefaults returns p with every zero field replaced by its default.
func pwWithDefaults(p Argon2Params) Argon2Params {
	d := DefaultArgon2Params()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Iterations == 0 {
		p.Iterations = d.Iterations
	}
	if p.Parallelism == 0 {
		p.Parallelism = d.Parallelism
	}
	if p.SaltLength == 0 {
		p.SaltLength = d.SaltLength
	}
	if p.KeyLength == 0 {
		p.KeyLength = d.KeyLength
	}
	return p
}

// pwCheckParams reports the first parameter outside the accepted bounds.
// It never mentions anything but the parameters themselves.
func pwCheckParams(p Argon2Params) error {
	switch {
	case p.Parallelism == 0:
		return errors.New("parallelism is 0")
	case p.Iterations == 0:
		return errors.New("iterations is 0")
	case p.Iterations > pwMaxIterations:
		return fmt.Errorf("iterations %d above %d", p.Iterations, pwMaxIterations)
	case uint64(p.Memory) < 8*uint64(p.Parallelism):
		return fmt.Errorf("memory %d KiB below 8 KiB per lane (parallelism %d)", p.Memory, p.Parallelism)
	case p.Memory > pwMaxMemory:
		return fmt.Errorf("memory %d KiB above %d KiB", p.Memory, pwMaxMemory)
	case p.SaltLength < pwMinSaltLength || p.SaltLength > pwMaxSaltLength:
		return fmt.Errorf("salt length %d outside %d..%d bytes", p.SaltLength, pwMinSaltLength, pwMaxSaltLength)
	case p.KeyLength < pwMinKeyLength || p.KeyLength > pwMaxKeyLength:
		return fmt.Errorf("key length %d outside %d..%d bytes", p.KeyLength, pwMinKeyLength, pwMaxKeyLength)
	}
	return nil
}

// PasswordHasher hashes and verifies passwords with argon2id. Each
// computation holds Memory KiB for its duration, so at most maxConcurrent
// of them run at once: a burst of logins waits instead of exhausting
// memory. A PasswordHasher is safe for concurrent use.
type PasswordHasher struct {
	params Argon2Params
	sem    chan struct{}
	// dummy is an encoded hash of a random password made with params at
	// construction, verified by VerifyDummy.
	dummy string

	// pwActive counts computations in progress and pwPeak records the
	// highest count seen, so tests can check the semaphore's bound.
	pwActive atomic.Int32
	pwPeak   atomic.Int32
}

// NewPasswordHasher returns a hasher that hashes with p (zero fields take
// their defaults, see [Argon2Params]) and runs at most maxConcurrent argon2
// computations at once; maxConcurrent ≤ 0 means runtime.GOMAXPROCS(0).
// Peak memory is about maxConcurrent × p.Memory KiB.
//
// It computes one hash, for [PasswordHasher.VerifyDummy], so it takes as
// long as one [PasswordHasher.Hash]. It returns an error if a parameter is
// out of bounds (memory below 8 KiB per lane or above 4 GiB, more than 100
// iterations, salt shorter than 8 bytes, key shorter than 16 bytes, …) or
// if the system's random source fails.
func NewPasswordHasher(p Argon2Params, maxConcurrent int) (*PasswordHasher, error) {
	p = pwWithDefaults(p)
	if err := pwCheckParams(p); err != nil {
		return nil, fmt.Errorf("usermgmt: invalid argon2 parameters: %w", err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	h := &PasswordHasher{params: p, sem: make(chan struct{}, maxConcurrent)}

	// The dummy password is random so that no one can log in with it even
	// if a caller mistakenly treated VerifyDummy as a real check.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("usermgmt: reading random dummy password: %w", err)
	}
	dummy, err := h.Hash(context.Background(), base64.RawStdEncoding.EncodeToString(secret))
	if err != nil {
		return nil, fmt.Errorf("usermgmt: making dummy hash: %w", err)
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns password hashed with a fresh random salt, encoded in the PHC
// string format with its parameters, e.g.
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// where salt and key are unpadded standard base64. It waits for a free
// slot in the concurrency limit first and returns ctx's error, wrapped, if
// ctx is done before one frees up. It returns an error if the system's
// random source fails. Limits on the password's length are the caller's
// policy.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("usermgmt: reading random salt: %w", err)
	}
	key, err := h.pwDerive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return pwEncode(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a hash made by
// [PasswordHasher.Hash] with these or any other in-bounds parameters. The
// comparison takes constant time.
//
// It returns ErrPasswordMismatch if the password is wrong, an error
// wrapping ErrMalformedHash if encoded cannot be parsed, is not argon2id
// version 19 or has parameters out of bounds, and ctx's error, wrapped, if
// ctx is done before a slot in the concurrency limit frees up. On success,
// needsRehash is true when encoded was made with less memory, fewer
// iterations or a shorter key than the hasher's, so the caller should store
// a fresh [PasswordHasher.Hash] of the password it now knows to be right.
func (h *PasswordHasher) Verify(ctx context.Context, password, encoded string) (needsRehash bool, err error) {
	p, salt, want, err := pwDecode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.pwDerive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, ErrPasswordMismatch
	}
	needsRehash = p.Memory < h.params.Memory ||
		p.Iterations < h.params.Iterations ||
		p.KeyLength < h.params.KeyLength
	return needsRehash, nil
}

// VerifyDummy verifies password against a hash of a random password made
// at construction with the hasher's parameters, and discards the result.
// Call it when a login names no known account, so that the answer takes as
// long as for a wrong password and does not reveal which accounts exist.
// It waits for the concurrency limit like [PasswordHasher.Verify], and
// returns early if ctx is done while waiting.
func (h *PasswordHasher) VerifyDummy(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, password, h.dummy)
}

// pwDerive runs argon2id once, holding a slot of the concurrency limit.
func (h *PasswordHasher) pwDerive(ctx context.Context, password string, salt []byte, p Argon2Params) ([]byte, error) {
	// Checked first so that an abandoned request never burns a slot, even
	// when one is free (select picks among ready cases at random).
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("usermgmt: waiting to hash password: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("usermgmt: waiting to hash password: %w", ctx.Err())
	}
	defer func() { <-h.sem }()

	n := h.pwActive.Add(1)
	defer h.pwActive.Add(-1)
	for {
		peak := h.pwPeak.Load()
		if n <= peak || h.pwPeak.CompareAndSwap(peak, n) {
			break
		}
	}

	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength), nil
}

// pwEncode formats a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func pwEncode(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		pwAlgorithm, argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// pwDecode parses a PHC string made by pwEncode. The parameters it returns
// carry the salt's and key's lengths. Its errors wrap ErrMalformedHash and
// never quote the input, which might be a plaintext password stored by
// mistake.
func pwDecode(encoded string) (p Argon2Params, salt, key []byte, err error) {
	malformed := func(what string) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}

	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return malformed("want 5 fields separated by $")
	}
	if fields[1] != pwAlgorithm {
		return malformed("algorithm is not " + pwAlgorithm)
	}
	v, ok := strings.CutPrefix(fields[2], "v=")
	if !ok {
		return malformed("missing version")
	}
	if version, err := strconv.ParseUint(v, 10, 32); err != nil || version != argon2.Version {
		return malformed(fmt.Sprintf("version is not %d", argon2.Version))
	}

	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return malformed("want parameters m, t and p")
	}
	var values [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		s, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return malformed("want parameters m, t and p")
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		if values[i], err = strconv.ParseUint(s, 10, bits); err != nil {
			return malformed("parameter " + name + " is not a number in range")
		}
	}

	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(fields[4]); err != nil {
		return malformed("salt is not unpadded base64")
	}
	if key, err = b64.DecodeString(fields[5]); err != nil {
		return malformed("key is not unpadded base64")
	}

	p = Argon2Params{
		Memory:      uint32(values[0]),
		Iterations:  uint32(values[1]),
		Parallelism: uint8(values[2]),
		SaltLength:  uint32(len(salt)),
		KeyLength:   uint32(len(key)),
	}
	if err := pwCheckParams(p); err != nil {
		return malformed(err.Error())
	}
	return p, salt, key, nil
}
