package store

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"constellate/migrations"
)

// Migrate applies every pending migration for the database's dialect.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationVersion reports the version the database is at.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

func (db *DB) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, string(db.dialect))
	if err != nil {
		return nil, err
	}
	if db.dialect == SQLite {
		return goose.NewProvider(goose.DialectSQLite3, db.SQL(), sub)
	}
	// Replicas starting together all run migrations: a session advisory lock makes them
	// take turns, so each migration is applied once.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // retry each second, up to 5 min
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db.SQL(), sub, goose.WithSessionLocker(locker))
}
