package organisation

// LegalForm is how a group is constituted (SPEC §4). Unregistered forms are first-class.
type LegalForm string

// The legal forms.
const (
	LegalFormUnincorporatedAssociation LegalForm = "unincorporated_association"
	LegalFormCharity                   LegalForm = "charity"
	LegalFormCIO                       LegalForm = "cio"
	LegalFormCompanyLimitedByGuarantee LegalForm = "company_limited_by_guarantee"
	LegalFormCIC                       LegalForm = "cic"
	LegalFormCommunityBenefitSociety   LegalForm = "community_benefit_society"
	LegalFormCooperative               LegalForm = "cooperative"
	LegalFormInformalGroup             LegalForm = "informal_group"
	LegalFormOther                     LegalForm = "other"
)

// LegalForms lists every legal form in a stable order.
var LegalForms = []LegalForm{LegalFormUnincorporatedAssociation, LegalFormCharity, LegalFormCIO,
	LegalFormCompanyLimitedByGuarantee, LegalFormCIC, LegalFormCommunityBenefitSociety,
	LegalFormCooperative, LegalFormInformalGroup, LegalFormOther}

// Valid reports whether f is one of LegalForms.
func (f LegalForm) Valid() bool { return contains(LegalForms, f) }

// LedBy is a self-identified description of who leads a group, from a fixed vocabulary
// aligned with the 360Giving DEI Data Standard's taxonomy (its leadership application area).
type LedBy string

// LedByTerm is one term of the led_by vocabulary and the DEI taxonomy codes it maps to in
// a 360Giving export (deiDetails.leadership.response.taxonomyCodes).
type LedByTerm struct {
	Term     LedBy
	DEICodes []string
}

// LedByVocabulary is the fixed led_by vocabulary. The DEI codes come from the DEI
// extension's taxonomyCodes codelist (ThreeSixtyGiving/360-dei, codelists/taxonomyCodes.csv).
var LedByVocabulary = []LedByTerm{
	{"black_and_minoritised_communities", []string{"DEI010000"}}, // communities experiencing racial inequity
	{"gypsy_roma_and_traveller_communities", []string{"DEI019930"}},
	{"disabled_people", []string{"DEI020000"}},
	{"deaf_people", []string{"DEI020130"}},
	{"blind_and_partially_sighted_people", []string{"DEI020120"}},
	{"people_with_lived_experience_of_mental_ill_health", []string{"DEI020200"}},
	{"people_with_learning_disabilities", []string{"DEI020310"}},
	{"neurodivergent_people", []string{"DEI020330"}},
	{"people_with_long_term_health_conditions", []string{"DEI020400"}},
	{"faith_communities", []string{"DEI030000"}},
	{"lgbtq_people", []string{"DEI040000"}},
	{"trans_and_non_binary_people", []string{"DEI040400", "DEI040500"}},
	{"migrants", []string{"DEI050000"}},
	{"refugees_and_asylum_seekers", []string{"DEI050100", "DEI050200"}},
	{"older_people", []string{"DEI060000"}},
	{"young_people", []string{"DEI070000"}},
	{"people_experiencing_economic_disadvantage", []string{"DEI080000"}},
	{"people_with_experience_of_homelessness", []string{"DEI080000"}},
	{"working_class_people", []string{"DEI080000"}},
	{"women_and_girls", []string{"DEI090000"}},
	{"welsh_speakers", []string{"DEI700000"}},
}

// Valid reports whether l is a term of LedByVocabulary.
func (l LedBy) Valid() bool {
	_, ok := l.term()
	return ok
}

// DEICodes returns the DEI taxonomy codes of l (nil for an unknown term).
func (l LedBy) DEICodes() []string {
	t, _ := l.term()
	return t.DEICodes
}

func (l LedBy) term() (LedByTerm, bool) {
	for _, t := range LedByVocabulary {
		if t.Term == l {
			return t, true
		}
	}
	return LedByTerm{}, false
}

// Region is a UK nation or English region (ITL1), used for reach statistics and
// 360Giving beneficiaryLocation.
type Region string

// Regions lists every region.
var Regions = []Region{"north_east", "north_west", "yorkshire_and_the_humber", "east_midlands",
	"west_midlands", "east_of_england", "london", "south_east", "south_west", "wales", "scotland",
	"northern_ireland"}

// Valid reports whether r is one of Regions.
func (r Region) Valid() bool { return contains(Regions, r) }

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
