package auth

import (
	"context"
	"runtime"

	"github.com/alexedwards/argon2id"

	"constellate/internal/errs"
)

// PasswordParams are argon2id's costs: the OWASP minimum (m=19 MiB, t=2, p=1).
var PasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// hashSlots bounds concurrent hashing: each hash holds 19 MiB and a core for tens of
// milliseconds, so a burst of logins must queue rather than exhaust memory.
var hashSlots = make(chan struct{}, 2*runtime.NumCPU())

func acquire(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.E(errs.Unavailable, "the server is busy; try again shortly")
	}
}

func release() { <-hashSlots }

// HashPassword returns the PHC string of password.
func HashPassword(ctx context.Context, password string) (string, error) {
	if err := acquire(ctx); err != nil {
		return "", err
	}
	defer release()
	h, err := argon2id.CreateHash(password, PasswordParams)
	if err != nil {
		return "", errs.Wrap(err, "hash password")
	}
	return h, nil
}

// CheckPassword compares password with a PHC hash in constant time. rehash reports that the
// hash used other parameters than PasswordParams and should be replaced.
func CheckPassword(ctx context.Context, password, hash string) (match, rehash bool, err error) {
	if err := acquire(ctx); err != nil {
		return false, false, err
	}
	defer release()
	match, params, err := argon2id.CheckHash(password, hash)
	if err != nil {
		return false, false, errs.Wrap(err, "check password")
	}
	rehash = match && (params.Memory != PasswordParams.Memory || params.Iterations != PasswordParams.Iterations ||
		params.Parallelism != PasswordParams.Parallelism || params.KeyLength != PasswordParams.KeyLength)
	return match, rehash, nil
}
