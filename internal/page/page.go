// Package page is keyset pagination shared by every list: a limit and the id to continue
// after. Ids are UUIDv7, so ordering by id is ordering by creation, stable under inserts.
package page

// Limits on page sizes (SPEC §2).
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Params asks for one page: at most Limit items whose key comes after After (descending
// lists: before it). The HTTP layer turns the opaque cursor into After.
type Params struct {
	Limit int
	After string
}

// Fetch is how many rows a store should read: one more than the limit, to learn whether
// there is a next page without counting.
func (p Params) Fetch() int { return p.limit() + 1 }

func (p Params) limit() int {
	if p.Limit <= 0 {
		return DefaultLimit
	}
	if p.Limit > MaxLimit {
		return MaxLimit
	}
	return p.Limit
}

// Trim cuts a fetched slice to the limit and returns the key to continue after, or "" on the
// last page.
func Trim[T any](p Params, items []T, key func(T) string) ([]T, string) {
	n := p.limit()
	if len(items) <= n {
		return items, ""
	}
	items = items[:n]
	return items, key(items[n-1])
}

// Cut is Trim applied to a store's answer, passing its error through: the one way a
// service turns a fetched page into (items, next key, error).
func Cut[T any](p Params, items []T, err error, key func(T) string) ([]T, string, error) {
	if err != nil {
		return nil, "", err
	}
	items, next := Trim(p, items, key)
	return items, next, nil
}
