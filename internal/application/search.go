package application

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxQueryLength bounds the q filter (characters).
const MaxQueryLength = 200

// MaxQueryWords bounds how many words of a query are searched for.
const MaxQueryWords = 8

// folded are letters that carry no combining mark to strip but are read as plain ones.
var folded = map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i"}

// SearchText folds text for search, the same way on both databases: decomposed (NFD) with
// the accents dropped, lower case, a few letters read as plain ones (ß → ss, ø → o …),
// anything but letters and digits a space, words single-spaced. "Café  Ünïcode!" →
// "cafe unicode". The store keeps an application's title, reference and organisation's name
// folded in its search text, and a query is folded alike, so the search is a LIKE with no
// database extension.
func SearchText(parts ...string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.Join(parts, " ")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			r = unicode.ToLower(r)
			if s, ok := folded[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(r)
			}
		default:
			space = true
		}
	}
	return b.String()
}

// SearchWords are the words of a query, folded by SearchText, each once, at most
// MaxQueryWords: an application matches when its search text holds every one.
func SearchWords(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(SearchText(q)) {
		if !seen[w] && len(out) < MaxQueryWords {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
