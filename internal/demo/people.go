package demo

import (
	"constellate/internal/auth"
	"constellate/internal/organisation"
)

// person is a demo account. Every address is at example.org (reserved for examples), and
// every person and group in the demo is invented.
type person struct {
	role  auth.Role
	name  string
	email string
	note  string
}

// staff are the funder's people: the grants manager first (its account marks the demo).
var staff = []person{
	{auth.RoleGrantsManager, "Amara Okafor", ManagerEmail, "runs both programmes: rounds, screening, stats, decisions, awards, payment approvals, audit log"},
	{auth.RoleFinance, "Tomasz Nowak", "finance@example.org", "finance: payments to make and mark paid, the finance sync, bank details needed to pay"},
	{auth.RolePanelMember, "Bethan Hughes", "panel1@example.org", "Small Sparks panel: assessments submitted (last year's and this year's) and one draft"},
	{auth.RolePanelMember, "Kwame Mensah", "panel2@example.org", "Small Sparks panel: declared a conflict of interest"},
}

// applicants are the groups' volunteers.
var applicants = []person{
	{auth.RoleApplicant, "Jo Reyes", "applicant@example.org", "owns Riverside Peer Support Circle (a draft) and Northern Lights (asked for more information)"},
	{auth.RoleApplicant, "Priya Shah", "priya@example.org", "owns Access All Areas and Neurodivergent Makers (declined last year, with feedback)"},
	{auth.RoleApplicant, "Amina Yusuf", "amina@example.org", "owns Sisters Together and Tower Hamlets Tenants' Food Co-op"},
	{auth.RoleApplicant, "Rhys Morgan", "rhys@example.org", "owns Deaf Futures Collective and Cornwall Sight Loss Walking Group (last year's award accepted, first instalment paid)"},
	{auth.RoleApplicant, "Lucia Ionescu", "lucia@example.org", "owns Roma Women's Voice and Hillside Allotment Friends (an award offered, waiting for a bank account)"},
	{auth.RoleApplicant, "Callum Fraser", "callum@example.org", "owns Glasgow Mad Pride and Belfast Men's Shed (last year's award withdrawn at its request)"},
}

// group is a demo organisation: its owner, extra members and details.
type group struct {
	owner   string
	members []string
	details organisation.Details
	bank    *organisation.BankDetails
}

func income(pounds int64) *int64 {
	v := pounds * 100
	return &v
}

func ledBy(terms ...organisation.LedBy) []organisation.LedBy { return terms }

// groups are the twelve applicant groups; applications refer to them by index. Most are
// unregistered: no charity or company number is ever required.
var groups = []group{
	0: {owner: "applicant@example.org", members: []string{"priya@example.org"}, details: organisation.Details{
		Name: "Riverside Peer Support Circle", LegalForm: organisation.LegalFormUnincorporatedAssociation,
		UserLed: true, UserLedDescription: "Everyone who runs the circle has lived experience of mental distress; decisions are made at a monthly members' meeting.",
		LedBy: ledBy("people_with_lived_experience_of_mental_ill_health"), PublishLedBy: true,
		AnnualIncome: income(4200), Postcode: "M14 5RG", Region: "north_west", ContactEmail: "riverside.circle@example.org"},
		bank: &organisation.BankDetails{AccountName: "Riverside Peer Support Circle", SortCode: "12-34-56", AccountNumber: "12345678", HeldBy: organisation.HeldByOrganisation}},
	1: {owner: "rhys@example.org", details: organisation.Details{
		Name: "Deaf Futures Collective", LegalForm: organisation.LegalFormInformalGroup,
		UserLed: true, UserLedDescription: "Run by Deaf people, in BSL.",
		LedBy: ledBy("deaf_people"), PublishLedBy: true, AnnualIncome: income(1500), Postcode: "BS5 6XX", Region: "south_west"}},
	2: {owner: "applicant@example.org", details: organisation.Details{
		Name: "Northern Lights Queer Youth", LegalForm: organisation.LegalFormUnincorporatedAssociation,
		UserLed: true, UserLedDescription: "A youth committee of LGBTQ+ young people aged 16 to 25 leads the group, with two volunteer youth workers.",
		LedBy: ledBy("lgbtq_people", "trans_and_non_binary_people", "young_people"), PublishLedBy: false,
		AnnualIncome: income(8900), Postcode: "NE1 4LP", Region: "north_east", Website: "https://example.org/northern-lights"}},
	3: {owner: "amina@example.org", details: organisation.Details{
		Name: "Sisters Together Refugee Women's Group", LegalForm: organisation.LegalFormUnincorporatedAssociation,
		UserLed: true, UserLedDescription: "Founded and run by women who came to Wales as refugees.",
		LedBy: ledBy("refugees_and_asylum_seekers", "women_and_girls"), PublishLedBy: true,
		AnnualIncome: income(6300), Postcode: "CF24 2EJ", Region: "wales"},
		bank: &organisation.BankDetails{AccountName: "Cardiff Community Hub re Sisters Together", SortCode: "65-43-21", AccountNumber: "87654321",
			HeldBy: organisation.HeldByHostOrganisation, HostName: "Cardiff Community Hub", HostCharityNumber: "1100001"}},
	4: {owner: "priya@example.org", details: organisation.Details{
		Name: "Access All Areas Disabled People's Organisation", LegalForm: organisation.LegalFormCIO, CharityNumber: "1190001",
		UserLed: true, UserLedDescription: "A disabled people's organisation: at least three quarters of trustees and members are disabled people.",
		LedBy: ledBy("disabled_people"), PublishLedBy: true, AnnualIncome: income(48000), Postcode: "LS9 8AB", Region: "yorkshire_and_the_humber",
		Website: "https://example.org/access-all-areas", ContactEmail: "hello.aaa@example.org"}},
	5: {owner: "lucia@example.org", details: organisation.Details{
		Name: "Hillside Allotment Friends", LegalForm: organisation.LegalFormInformalGroup,
		AnnualIncome: income(900), Postcode: "NR3 1HF", Region: "east_of_england"}},
	6: {owner: "callum@example.org", details: organisation.Details{
		Name: "Glasgow Mad Pride", LegalForm: organisation.LegalFormUnincorporatedAssociation,
		UserLed: true, UserLedDescription: "Run by and for people who use or have used mental health services.",
		LedBy: ledBy("people_with_lived_experience_of_mental_ill_health"), PublishLedBy: true,
		AnnualIncome: income(3100), Postcode: "G40 1AT", Region: "scotland"}},
	7: {owner: "lucia@example.org", details: organisation.Details{
		Name: "Roma Women's Voice", LegalForm: organisation.LegalFormCIC, CompanyNumber: "12000001",
		UserLed: true, UserLedDescription: "Led by Roma women living in Sheffield.",
		LedBy: ledBy("gypsy_roma_and_traveller_communities", "women_and_girls"), PublishLedBy: false,
		AnnualIncome: income(22000), Postcode: "S4 7QE", Region: "yorkshire_and_the_humber"}},
	8: {owner: "priya@example.org", details: organisation.Details{
		Name: "Neurodivergent Makers", LegalForm: organisation.LegalFormInformalGroup,
		UserLed: true, UserLedDescription: "Autistic and ADHD adults running a weekly making space.",
		LedBy: ledBy("neurodivergent_people"), PublishLedBy: true, AnnualIncome: income(0), Postcode: "B12 9QS", Region: "west_midlands"}},
	9: {owner: "callum@example.org", details: organisation.Details{
		Name: "Belfast Men's Shed", LegalForm: organisation.LegalFormCommunityBenefitSociety,
		UserLed: true, UserLedDescription: "Older men, many living alone, run the shed together.",
		LedBy: ledBy("older_people"), PublishLedBy: true, AnnualIncome: income(12500), Postcode: "BT5 4GX", Region: "northern_ireland"}},
	10: {owner: "amina@example.org", details: organisation.Details{
		Name: "Tower Hamlets Tenants' Food Co-op", LegalForm: organisation.LegalFormCooperative,
		LedBy: ledBy("people_experiencing_economic_disadvantage"), AnnualIncome: income(31000), Postcode: "E1 0AA", Region: "london"}},
	11: {owner: "rhys@example.org", details: organisation.Details{
		Name: "Cornwall Sight Loss Walking Group", LegalForm: organisation.LegalFormUnincorporatedAssociation,
		UserLed: true, UserLedDescription: "Blind and partially sighted walkers plan every route.",
		LedBy: ledBy("blind_and_partially_sighted_people"), PublishLedBy: true, AnnualIncome: income(2400), Postcode: "TR1 2HE", Region: "south_west"},
		bank: &organisation.BankDetails{AccountName: "Cornwall Sight Loss Walking Group", SortCode: "30-90-12", AccountNumber: "24681357", HeldBy: organisation.HeldByOrganisation}},
}
