package opendata

import "context"

// Source reads what an export publishes; internal/store implements it.
type Source interface {
	// Round reads the round with its programme's name (errs.NotFound when there is none).
	Round(ctx context.Context, id string) (Round, error)
	// EachGrant hands fn the round's awards that are not declined or withdrawn, one at a
	// time as they are read, in the order of their applications' references.
	EachGrant(ctx context.Context, roundID string, fn func(Row) error) error
}

// Export builds the round's grants and hands each to emit as it is read (constant memory
// however many). Before emit is first called it may refuse: ErrNoPrefix when prefix is
// empty, not_found for an unknown round, ErrNotPublished, ErrNoGrants. An error after that
// is a failure midway (emit's own, or reading).
func Export(ctx context.Context, src Source, prefix, roundID string, emit func(Grant) error) error {
	if prefix == "" {
		return ErrNoPrefix
	}
	r, err := src.Round(ctx, roundID)
	if err != nil {
		return err
	}
	if !r.Published() {
		return ErrNotPublished
	}
	n := 0
	err = src.EachGrant(ctx, roundID, func(row Row) error {
		n++
		return emit(BuildGrant(prefix, r, row))
	})
	if err == nil && n == 0 {
		return ErrNoGrants
	}
	return err
}
