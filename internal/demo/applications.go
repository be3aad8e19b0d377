package demo

import (
	"time"

	"constellate/internal/application"
)

// appSeed is one demo application: the group (index into groups), when it was started and
// submitted (before the real time; 0: never submitted), what it says, and what the manager
// did with it.
type appSeed struct {
	round     string // "sbs" (Side by Side, open), "spk" (Small Sparks, closed) or "spk-last" (last year's, decided)
	org       int
	started   time.Duration
	submitted time.Duration
	title     string
	summary   string
	amount    int64 // pence
	answers   map[string]any
	// startsIn, when set, answers start_date: this long after the real time.
	startsIn time.Duration
	// screen is the status the manager moved it to (more_info_requested or ineligible),
	// screenedAgo when, screenMessage what the group was told.
	screen        application.Status
	screenedAgo   time.Duration
	screenMessage string
}

// demoApplications are the applications, in the order they were started within a round.
var demoApplications = []appSeed{
	// Small Sparks last year: decided, its awards offered, accepted, paid and withdrawn
	// (awards.go).
	{round: "spk-last", org: 11, started: 470 * day, submitted: 462 * day, amount: 150_000,
		title:   "Taster walks for people losing their sight",
		summary: "Short, gentle walks for people newly diagnosed with sight loss, led by members who have been there.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea": "A season of short taster walks around Truro for people who have just been told they are losing their sight. " +
				"Members who have lived with sight loss for years will walk with them, share what helped, and show that getting out is still possible.",
			"who":         "People newly diagnosed with sight loss in mid Cornwall, referred by the eye clinic or finding us themselves.",
			"spend":       "Sighted guide training, taxis for walkers who cannot get to the start, and large-print and audio route guides.",
			"first_grant": true,
		}},
	{round: "spk-last", org: 5, started: 455 * day, submitted: 440 * day, amount: 60_000,
		title:   "Seed swap and growing days",
		summary: "A spring seed swap and four growing days open to every neighbour, not just plot holders.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea":        "A seed swap in the allotment shed each spring and four open growing days, so neighbours without a plot can learn, share seeds and take seedlings home.",
			"who":         "Plot holders and neighbours on the Hillside estate, many of them older people living alone.",
			"spend":       "Seed envelopes and labels, compost and pots, a gazebo, and tea for the open days.",
			"first_grant": true,
		}},
	{round: "spk-last", org: 9, started: 445 * day, submitted: 430 * day, amount: 120_000,
		title:   "Shed open days",
		summary: "Monthly open days at the shed for men who live alone, with a tea urn and something to make.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "Northern Ireland",
			"idea":        "An open day at the shed on the last Saturday of each month, with a simple project anyone can finish in an afternoon, so men who would never walk in on a normal day have a reason to.",
			"who":         "Men in East Belfast who live alone, many recently retired or bereaved.",
			"spend":       "Timber and materials for the projects, a tea urn, leaflets for the GP surgeries, and marquee hire for a summer open day.",
			"first_grant": true,
		}},
	{round: "spk-last", org: 8, started: 425 * day, submitted: 410 * day, amount: 200_000,
		title:   "Soldering and electronics club",
		summary: "A fortnightly club where neurodivergent adults learn to solder and build small electronics kits.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea":  "A fortnightly electronics club in our quiet room: members learn to solder, build kits and mend each other's gadgets at their own pace.",
			"who":   "Autistic and ADHD adults in Birmingham who find busy makerspaces overwhelming.",
			"spend": "Soldering stations, fume extractors, kits for the first six months and safety training.",
		}},

	// Small Sparks: the closed round.
	{round: "spk", org: 11, started: 100 * day, submitted: 95 * day, amount: 120_000,
		title:   "Audio-described coastal walks",
		summary: "Six guided walks on the coast path with audio description and sighted guides.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea": "We want to try six longer walks on the coast path. Our members will record an audio description of each route " +
				"beforehand, so everyone knows what to expect underfoot, and trained sighted guides will walk alongside anyone who wants one.",
			"who":         "Blind and partially sighted walkers from around Truro, with friends and family.",
			"spend":       "Sighted guide training for eight volunteers, minibus hire for three walks, and a good recorder for the route descriptions.",
			"first_grant": false,
		}},
	{round: "spk", org: 2, started: 92 * day, submitted: 80 * day, amount: 80_000,
		title:   "Queer zine nights",
		summary: "Monthly zine-making evenings where young LGBTQ+ people write, draw and print their stories.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea": "Monthly zine nights in our usual room. Young people have asked for a way to tell their own stories without having to " +
				"stand up and speak. At the end of the year we will print a collected zine and hold a small launch.",
			"who":         "LGBTQ+ young people aged 16 to 25 in Newcastle and Gateshead.",
			"spend":       "Paper, printing, a second-hand risograph service, art materials and bus fares so nobody misses out for money.",
			"first_grant": true,
			"video":       "https://example.org/media/northern-lights-zines",
		}},
	{round: "spk", org: 7, started: 75 * day, submitted: 60 * day, amount: 150_000,
		title:   "Sewing circle and stories",
		summary: "A weekly sewing circle where Roma women share skills and record family stories.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea": "A sewing circle every Thursday. Older women teach traditional embroidery; younger women help record the stories " +
				"that go with the patterns, in Romani and English, so they are kept for our children.",
			"who":   "Roma women of all ages in Page Hall and Darnall.",
			"spend": "Two second-hand sewing machines, fabric and thread, room hire, and childcare so mothers of young children can come.",
		}},
	{round: "spk", org: 10, started: 70 * day, submitted: 50 * day, amount: 200_000,
		title:   "Cooking on a budget sessions",
		summary: "Cooking sessions using the co-op's surplus food.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea":  "Twelve cooking sessions in the co-op's shop after hours, using surplus food, with recipes members can afford to repeat at home.",
			"who":   "Tenants on the estate, especially families using the co-op's pay-what-you-can shelf.",
			"spend": "Induction hobs, pans, food hygiene training and ingredients to top up the surplus.",
		},
		screen: application.StatusIneligible, screenedAgo: 28 * day,
		screenMessage: "Thank you for applying. Small Sparks is only for groups run entirely by volunteers, and your application " +
			"says the shop is run by two paid coordinators, so we cannot fund it from this round. Our Community Food Fund opens in " +
			"the spring and may suit you: we would be glad to talk it through."},
	{round: "spk", org: 9, started: 60 * day, submitted: 40 * day, amount: 190_000,
		title:   "Tools for a repair café",
		summary: "Tools and safety kit to start a monthly repair café run by the shed's members.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "Northern Ireland",
			"idea":        "A repair café on the first Saturday of each month. Neighbours bring broken lamps, chairs and bikes; our members fix them with them, not for them.",
			"who":         "Shed members, most of them retired men, and anyone in East Belfast with something to mend.",
			"spend":       "Hand tools, a PAT tester and training, safety glasses, and tea and biscuits for the first six months.",
			"first_grant": false,
		}},
	{round: "spk", org: 5, started: 50 * day, submitted: 33 * day, amount: 60_000,
		title:   "Raised beds everyone can reach",
		summary: "Three raised beds at wheelchair height so more neighbours can grow food.",
		answers: map[string]any{
			"volunteer_run": true, "nation": "England",
			"idea":  "Three raised beds at wheelchair height by the allotment gate, with a wide firm path to reach them.",
			"who":   "Neighbours who can no longer kneel or bend, including two members who use wheelchairs.",
			"spend": "Timber, soil, path membrane and gravel. Members will build the beds over two weekends.",
		}},
	{round: "spk", org: 6, started: 45 * day, amount: 100_000,
		title: "Mad Pride picnic",
		answers: map[string]any{
			"volunteer_run": true, "nation": "Scotland",
			"idea": "A summer picnic on Glasgow Green celebrating survivors' culture, with music and a speakers' corner.",
		}},

	// Side by Side: the open round.
	{round: "sbs", org: 1, started: 13 * day, submitted: 10 * day, amount: 650_000,
		title:   "Deaf-led peer support in BSL",
		summary: "Fortnightly peer support for Deaf adults in Bristol, in BSL, run by Deaf facilitators.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "We are a group of Deaf people in Bristol. Most mental health and wellbeing support here is in English, through " +
				"interpreters if you are lucky. We meet in BSL, as equals, to talk about the things that isolate us and to share what helps.",
			"activity": "Run peer support every other week for a year, train four more Deaf facilitators, and hold two open days for " +
				"Deaf people who have never been to a group. We will film short BSL summaries of each session's theme for members who cannot come.",
			"difference":       "Members tell us they feel less alone and more able to ask services for what they need. We will ask them, in BSL, at the start and end of the year.",
			"budget_breakdown": "Room hire £1,800; facilitator training £2,000; filming and captioning £1,200; travel for members £1,500.",
			"activities":       []any{"Peer support", "Social activities"},
			"volunteers":       float64(7), "contact_preference": "Video call with a BSL interpreter",
			"video": "https://example.org/media/deaf-futures-application-bsl",
		}},
	{round: "sbs", org: 2, started: 12 * day, submitted: 9 * day, amount: 480_000,
		title:   "Trans and non-binary youth space",
		summary: "A weekly safer space for trans and non-binary young people, planned by the youth committee.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "Northern Lights is run by a committee of LGBTQ+ young people. Many of our members are trans or non-binary and " +
				"tell us they have nowhere else to simply be themselves with others who understand.",
			"activity":         "Open a second weekly evening, just for trans and non-binary young people, with peer mentors and a quiet room.",
			"difference":       "Fewer young people feeling alone. We will keep a simple count of who comes back and ask members what has changed for them.",
			"budget_breakdown": "Room hire £2,200; peer mentor expenses £1,200; food £800; bus fares £600.",
			"activities":       []any{"Peer support", "Arts and creativity", "Social activities"},
			"volunteers":       float64(11), "contact_preference": "Email", "other_funding": float64(150_000),
		},
		screen: application.StatusMoreInfoRequested, screenedAgo: 2 * day,
		screenMessage: "Thank you, this is a lovely application. Could you tell us a little more about how the youth committee " +
			"will decide how the money is spent, and whether the venue is step-free? A short voice note is fine."},
	{round: "sbs", org: 3, started: 11 * day, submitted: 6 * day, amount: 900_000,
		title:   "English and friendship circle",
		summary: "Weekly English conversation and friendship circle with a crèche, run by refugee women for refugee women.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "Sisters Together was started by five women who came to Cardiff as refugees. We now have sixty members from " +
				"twelve countries. We help each other with English, forms, schools and the loneliness of starting again.",
			"activity": "Keep our weekly circle going for a year with a crèche, so mothers can come, and add a monthly trip so members " +
				"can get to know Wales beyond the city.",
			"difference":       "Women gain confidence in English and friends they can call. We will ask members each term and count how many move on to college courses.",
			"budget_breakdown": "Crèche workers £4,000; room hire £2,000; trips £2,000; interpreting and translation £1,000.",
			"activities":       []any{"Peer support", "Advice and information", "Social activities"},
			"volunteers":       float64(9), "contact_preference": "Phone call",
		},
		startsIn: 75 * day},
	{round: "sbs", org: 4, started: 10 * day, submitted: 3 * day, amount: 1_000_000,
		title:   "Disabled people's access auditors",
		summary: "Training disabled members to audit the accessibility of local venues and campaign for changes.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "£10,000 to £50,000",
			"about": "Access All Areas is a disabled people's organisation in Leeds. Our members are disabled people and our trustees " +
				"are elected by them. We campaign for a city everyone can use.",
			"activity": "Train twenty disabled members as access auditors, audit forty community venues with them, and publish " +
				"a free, plain-language guide, with an easy read and an audio version.",
			"difference":       "Venues make changes they would not otherwise know to make, and members are paid for their expertise. We will track changes made within six months.",
			"budget_breakdown": "Auditor fees £4,000; training £2,500; easy read and audio guide £2,000; access costs £1,500.",
			"activities":       []any{"Self-advocacy or campaigning", "Advice and information"},
			"volunteers":       float64(24), "contact_preference": "Email", "other_funding": float64(1_200_000),
		}},
	{round: "sbs", org: 6, started: 8 * day, submitted: 1 * day, amount: 300_000,
		title:   "Survivor-led crisis café",
		summary: "An evening drop-in run by people who have used mental health services, as an alternative to A&E.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "Glasgow Mad Pride is run by people who use or have used mental health services. We organise, celebrate survivors' " +
				"culture and support each other.",
			"activity":         "Pilot a Friday evening crisis café for three months: a warm room, peer supporters and a quiet space.",
			"difference":       "People in distress have somewhere to go that is not A&E or a cell. We will count visits and ask people, gently, what helped.",
			"budget_breakdown": "Venue £1,200; peer supporter expenses £1,000; training £500; food and drinks £300.",
			"activities":       []any{"Peer support", "Self-advocacy or campaigning"},
			"volunteers":       float64(6), "contact_preference": "Text message",
		}},
	{round: "sbs", org: 8, started: 4 * day, amount: 250_000,
		title: "A quieter making space",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "We are autistic and ADHD adults who meet every week to make things: sewing, woodwork, electronics. " +
				"The room is quiet and nobody has to explain themselves.",
			"activities": []any{"Peer support", "Arts and creativity"},
		}},
	{round: "sbs", org: 0, started: 3 * day, amount: 500_000,
		title:   "Peer support for the first weeks after hospital",
		summary: "Peer supporters meeting people in their first weeks home after a mental health admission.",
		answers: map[string]any{
			"user_led": true, "uk_based": true, "income_band": "Under £10,000",
			"about": "Riverside Peer Support Circle has met every Tuesday for six years. All of us have been in hospital or " +
				"crisis care ourselves, and we know how lonely the first weeks home can be.",
			"activity":           "Train six members as peer supporters who can meet people in their first weeks home, for a walk or a coffee.",
			"volunteers":         float64(14),
			"contact_preference": "Email",
		}},
	{round: "sbs", org: 9, started: 1 * day, amount: 0,
		title:   "Shed on wheels",
		answers: map[string]any{"user_led": true}},
}
