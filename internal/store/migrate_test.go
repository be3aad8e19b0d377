package store_test

import (
	"context"
	"sync"
	"testing"

	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// TestConcurrentMigrate is Postgres replicas starting together against one fresh database
// (serve migrates at start): every one migrates without error and they agree on the
// version. (Embedded SQLite has one process by construction.)
func TestConcurrentMigrate(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		if d != store.Postgres {
			continue
		}
		t.Run(string(d), func(t *testing.T) {
			cfg := store.Config{URL: storetest.EmptyPostgres(t), MaxOpenConns: 2}
			const replicas = 4
			var wg sync.WaitGroup
			errc := make(chan error, replicas)
			versions := make(chan int64, replicas)
			for i := 0; i < replicas; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := store.Open(context.Background(), cfg)
					if err != nil {
						errc <- err
						return
					}
					defer db.Close()
					if err := db.Migrate(context.Background()); err != nil {
						errc <- err
						return
					}
					v, err := db.MigrationVersion(context.Background())
					if err != nil {
						errc <- err
						return
					}
					versions <- v
				}()
			}
			wg.Wait()
			close(errc)
			close(versions)
			for err := range errc {
				t.Errorf("replica: %v", err)
			}
			var first int64 = -1
			for v := range versions {
				if first == -1 {
					first = v
				}
				if v != first || v < 1 {
					t.Errorf("versions differ or are empty: %d vs %d", v, first)
				}
			}
		})
	}
}
