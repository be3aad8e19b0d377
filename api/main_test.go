package api_test

import (
	"testing"

	"constellate/internal/store/storetest"
)

// TestMain waits, after the tests, for their Postgres databases to be dropped (storetest
// drops them in the background so a parallel test does not hold its slot through a drop).
func TestMain(m *testing.M) { storetest.Main(m) }
