package data

import (
	"math/rand/v2"
	"strings"
)

// Realistic text: sentences a small community group might write in an application, made
// from slots, so answers have the length and the look of the real thing.

var (
	subjects = []string{"We", "Our group", "Our members", "The volunteers", "Everyone who comes", "Our steering group",
		"The people we work with", "Parents in our group", "Young people in the group", "Our peer mentors"}
	verbs  = []string{"run", "organise", "host", "lead", "support", "share", "plan", "co-produce", "deliver", "grow"}
	things = []string{"a weekly peer support group", "drop-in sessions at the community centre", "a monthly walking group",
		"a warm space with hot food", "art workshops", "advice sessions on benefits and housing", "a community allotment",
		"a café where people can talk without being judged", "training for new volunteers", "a telephone befriending line",
		"a youth forum that speaks to the council", "trips for families who rarely get a break", "a lending library of kit",
		"sessions in British Sign Language", "a men's shed", "a choir for people living with dementia"}
	forWhom = []string{"for disabled people in the town", "for carers who feel alone", "for refugees who have just arrived",
		"for older people living on their own", "for parents of autistic children", "for people in recovery",
		"for young carers", "for people with long-term health conditions", "for the estate's residents",
		"for Deaf people and their families", "for people leaving hospital", "for women escaping abuse"}
	places = []string{"in Rotherham", "in north Leeds", "across Cornwall", "in the valleys", "in east Belfast",
		"in Govan", "on the Isle of Wight", "in Tower Hamlets", "in rural Powys", "in Hull", "in Barrow", "in Luton"}
	because = []string{"because nothing like it exists nearby", "because people told us they wanted it",
		"because the council service closed last year", "because isolation makes everything harder",
		"because people trust a group run by people like them", "because waiting lists are over a year long",
		"because it gives people the confidence to speak up", "because it costs nothing to take part"}
	outcomes = []string{"People will feel less alone.", "More people will know their rights.",
		"Members will gain skills and confidence.", "Families will have somewhere safe to go.",
		"We will keep a simple record of who comes and ask them what changed.",
		"We will ask members each term what difference it made and write it down.",
		"Two new volunteers will be trained to lead sessions.", "Fewer people will reach crisis point.",
		"Local services will hear directly from the people who use them."}
	costs = []string{"room hire", "travel for members", "volunteer expenses", "refreshments", "an interpreter",
		"art materials", "insurance", "a part-time coordinator", "childcare", "printing", "tools and seeds", "phone credit"}
	titleHeads = []string{"Peer support", "Warm welcome", "Walk and talk", "Open doors", "Side by side", "Community kitchen",
		"Speak up", "Grow together", "Safe space", "Friendly faces", "Hands on", "Stronger together", "Bridge"}
	groupHeads = []string{"Friends of", "Together in", "Community Hub", "Neighbours of", "Voices of", "The", "Open Arms",
		"Circle of", "Hope in", "Unity"}
	groupTails = []string{"Peer Support", "Carers Network", "Community Group", "Action Group", "Collective", "Forum",
		"Project", "Club", "Alliance", "Café"}
	towns = []string{"Rotherham", "Leeds", "Truro", "Merthyr", "Belfast", "Govan", "Ryde", "Bow", "Llandrindod", "Hull",
		"Barrow", "Luton", "Hastings", "Wigan", "Oban", "Newry", "Bangor", "Grimsby", "Stroud", "Whitby"}
	firstNames = []string{"Amina", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Grace", "Hamza", "Isla", "Jon", "Kofi", "Lena",
		"Mo", "Nia", "Owen", "Priya", "Rhys", "Sana", "Tom", "Una", "Vik", "Wen", "Yusuf", "Zoe"}
	lastNames = []string{"Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
		"Khan", "Lewis", "Murphy", "Nowak", "O'Neill", "Patel", "Quinn", "Roberts", "Singh", "Taylor", "Walsh", "Young"}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// sentence is one sentence of an application.
func sentence(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return pick(r, subjects) + " " + pick(r, verbs) + " " + pick(r, things) + " " + pick(r, forWhom) + " " + pick(r, places) + "."
	case 1:
		return "We want to " + pick(r, verbs) + " " + pick(r, things) + " " + pick(r, because) + "."
	case 2:
		return pick(r, outcomes)
	default:
		return strings.ToUpper(pick(r, things)[:1]) + pick(r, things)[1:] + " matters " + pick(r, because) + "."
	}
}

// words writes sentences until about n words (never more than n).
func words(r *rand.Rand, n int) string {
	var b strings.Builder
	count := 0
	for {
		s := sentence(r)
		w := len(strings.Fields(s))
		if count+w > n {
			if count == 0 { // a first sentence longer than n: cut it
				f := strings.Fields(s)
				return strings.Join(f[:max(1, n)], " ")
			}
			return b.String()
		}
		if count > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		count += w
	}
}

// budgetLines is a short spending breakdown.
func budgetLines(r *rand.Rand, n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, pick(r, costs)+" £"+itoa(100*(2+r.IntN(40))))
	}
	return "Roughly: " + strings.Join(parts, ", ") + "."
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
