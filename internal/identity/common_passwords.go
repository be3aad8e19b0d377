package identity

import "strings"

// commonPasswords are frequently breached passwords of 12 or more characters (shorter ones
// fail the length rule anyway). A larger list is welcome; this one catches the worst.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`123456789012 1234567890123 12345678901234 password1234 password12345
		passwordpassword qwertyuiopas qwertyuiop123 qwerty123456 iloveyou1234 111111111111 000000000000
		123123123123 abcdefghijkl abc123abc123 letmein12345 welcome12345 administrator password123!
		Password1234 Password123! changeme1234 trustno1trustno1 football1234 baseball1234 superman1234
		princess1234 sunshine1234 monkey123456 dragon123456 1q2w3e4r5t6y 1qaz2wsx3edc qazwsxedcrfv
		zaq12wsxcde3 asdfghjkl123 zxcvbnm12345 correcthorsebatterystaple passw0rdpassw0rd constellate1
		constellate123 grantsgrants letmeinletmein`) {
		commonPasswords[strings.ToLower(p)] = true
	}
}

func isCommonPassword(p string) bool { return commonPasswords[strings.ToLower(p)] }

// dummyHashForTiming is an argon2id hash of a random string, checked against when an account
// does not exist so both answers take about as long.
const dummyHashForTiming = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3wGQ0c9L2y2b0fCu5tK7mJz8Q4mVhYw3o1l2QdQyH9k"
