package organisation

import (
	"context"
	"strings"
	"unicode"

	"constellate/internal/auth"
)

// NameKey folds an organisation's name for comparison: lower case, letters and digits
// only, words separated by single spaces ("St. Mary's  Group" → "st marys group").
func NameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '-' || r == '_' || r == '/' || r == '&' || r == '+':
			space = true
		}
	}
	return b.String()
}

// Warning is advice about a change that was made anyway: the request succeeded.
type Warning struct {
	Field   string
	Message string
}

// NameWarnings warns when another organisation already has o's name (NameKey), so a
// group that already exists is joined by invitation rather than made twice, and two
// groups are not confused. The warning never says which organisation it is: only that the
// name is taken. actor must be able to see o (the caller has just created or changed it).
func (s *Service) NameWarnings(ctx context.Context, actor auth.Actor, o Organisation) ([]Warning, error) {
	if _, _, err := s.load(ctx, actor, o.ID, false); err != nil {
		return nil, err
	}
	taken, err := s.store.NameInUse(ctx, NameKey(o.Name), o.ID)
	if err != nil || !taken {
		return nil, err
	}
	return []Warning{{Field: "name", Message: "another group is already called this (or something very like it). " +
		"If it is your group, ask one of its owners to invite you instead of starting a second one; " +
		"if not, a name that tells you apart (a place, say) helps funders and panels"}}, nil
}
