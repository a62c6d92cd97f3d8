package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/api/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

// quotaInput is the composer's test input with team quota and pricing.
func quotaInput() *fnv1alpha1.Composer {
	in := composeInput()
	in.Quota = &fnv1alpha1.QuotaSpec{MatchLabels: map[string]string{"platform.cloudspace.dev/config": "team-quota"}, TTL: "1m"}
	in.Pricing = quotaPricing()
	return in
}

func quotaPolicy(t testing.TB) *Policy {
	t.Helper()
	pol, errs := NewPolicy(quotaInput())
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	return pol
}

// quotaTeam is the payments team's quota of the tests.
func quotaTeam(t testing.TB, fn ...func(d *teamQuotaData)) *TeamQuota {
	t.Helper()
	d := teamQuotaData{
		Namespaces:    []string{"team-payments"},
		Hard:          v1alpha1.QuotaAmounts{CPU: "32", Memory: "128Gi", Storage: "1Ti", GPU: "0", Pods: "2000", LoadBalancers: "20"},
		MonthlyBudget: "5000.00",
	}
	for _, f := range fn {
		f(&d)
	}
	tq, errs := ParseTeamQuota("EnvironmentConfig team-payments-quota", d)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	return tq
}

var epoch = time.Date(2026, time.November, 1, 9, 0, 0, 0, time.UTC)

// candidate is a payments space created minute minutes after epoch,
// requesting cpu cores, 8Gi, 10Gi and a 1000.00 USD budget.
func candidate(pol *Policy, name string, minute int, tier v1alpha1.Tier, cpu string, opts ...func(c *Candidate)) *Candidate {
	c := &Candidate{
		Name: name, Created: epoch.Add(time.Duration(minute) * time.Minute), Team: "payments",
		ClaimNamespace: "team-payments", Tier: tier,
		Request: Request{Amounts: amounts(cpu, "8Gi", "10Gi", ""), AvailabilityZones: 2, Budget: decimal.RequireFromString("1000.00"), Currency: "USD"},
	}
	c.Request.Amounts[quantity.Pods] = pol.Tiers[tier].Max[quantity.Pods]
	c.Request.Amounts[quantity.LoadBalancers] = pol.Tiers[tier].Max[quantity.LoadBalancers]
	for _, o := range opts {
		o(c)
	}
	return c
}

// holding makes a space hold its request, with cpu cores instead of the
// requested cpu.
func holding(cpu string) func(c *Candidate) {
	return func(c *Candidate) {
		c.Held = c.Request.Amounts.Add(quantity.Amounts{})
		c.Held[quantity.CPU] = resource.MustParse(cpu)
		c.HeldBudget = c.Request.Budget
	}
}

func TestAdmitTeam(t *testing.T) {
	pol := quotaPolicy(t)
	type want struct {
		problems  []Problem
		othersCPU string
		spaces    int
	}
	medium, large := v1alpha1.TierMedium, v1alpha1.TierLarge
	cases := map[string]struct {
		reason string
		tq     *TeamQuota
		self   *Candidate
		others []*Candidate
		want   want
	}{
		"Fits": {
			reason: "A new space fits beside an admitted one.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "8"),
			others: []*Candidate{candidate(pol, "old", 1, medium, "8", holding("8"))},
			want:   want{othersCPU: "8", spaces: 1},
		},
		"FitsExactly": {
			reason: "Requests that add up to the team limit exactly fit.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "16"),
			others: []*Candidate{candidate(pol, "old", 1, medium, "16", holding("16"))},
			want:   want{othersCPU: "16", spaces: 1},
		},
		"TeamExceeded": {
			reason: "A space that takes the team past its cpu limit is rejected with the request, the others' use and the limit.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "8"),
			others: []*Candidate{
				candidate(pol, "a", 1, medium, "14", holding("14")),
				candidate(pol, "b", 2, medium, "14", holding("14")),
			},
			want: want{othersCPU: "28", spaces: 2, problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: cpu requested 8, the team's other spaces use 28, team limit 32"}}},
		},
		"SimultaneousFirstByName": {
			reason: "Of two spaces created at the same moment, the first by name is admitted.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "alpha", 5, large, "20"),
			others: []*Candidate{candidate(pol, "beta", 5, large, "20")},
			want:   want{othersCPU: "0", spaces: 0},
		},
		"SimultaneousSecondByName": {
			reason: "Of two spaces created at the same moment, the second by name counts the first and is rejected.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "beta", 5, large, "20"),
			others: []*Candidate{candidate(pol, "alpha", 5, large, "20")},
			want: want{othersCPU: "20", spaces: 1, problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: cpu requested 20, the team's other spaces use 20, team limit 32"}}},
		},
		"OlderCannotGrowIntoYounger": {
			reason: "An older space may not grow into capacity a younger space already holds.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "old", 1, large, "24", holding("8")),
			others: []*Candidate{candidate(pol, "young", 5, large, "16", holding("16"))},
			want: want{othersCPU: "16", spaces: 1, problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: cpu requested 24, the team's other spaces use 16, team limit 32"}}},
		},
		"YoungerCountsOlderRequest": {
			reason: "A younger space counts an admitted older space at its request, not what it holds yet.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "young", 5, large, "16"),
			others: []*Candidate{candidate(pol, "old", 1, large, "24", holding("8"))},
			want: want{othersCPU: "24", spaces: 1, problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: cpu requested 16, the team's other spaces use 24, team limit 32"}}},
		},
		"RejectedOlderCountsWhatItHolds": {
			reason: "An older space over its tier is not admitted and counts only what it holds.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "16"),
			others: []*Candidate{candidate(pol, "greedy", 1, medium, "30", holding("4"))},
			want:   want{othersCPU: "4", spaces: 1},
		},
		"RejectedNewOlderCountsNothing": {
			reason: "An older space rejected before it held anything counts nothing.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "16"),
			others: []*Candidate{candidate(pol, "greedy", 1, medium, "30")},
			want:   want{othersCPU: "0", spaces: 0},
		},
		"DeletingCountsWhatItHolds": {
			reason: "A space being deleted counts what it holds until it is gone.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "16"),
			others: []*Candidate{candidate(pol, "leaving", 1, medium, "16", holding("16"), func(c *Candidate) { c.Deleting = true })},
			want:   want{othersCPU: "16", spaces: 1},
		},
		"InvalidOtherCountsWhatItHolds": {
			reason: "A space whose request cannot be read counts what it holds.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "16"),
			others: []*Candidate{candidate(pol, "broken", 1, medium, "16", holding("6"), func(c *Candidate) { c.Invalid = "space broken is invalid" })},
			want:   want{othersCPU: "6", spaces: 1},
		},
		"TeamBudgetExceeded": {
			reason: "The team's monthly budget bounds the sum of its spaces' budgets.",
			tq:     quotaTeam(t, func(d *teamQuotaData) { d.MonthlyBudget = "2500.00" }),
			self:   candidate(pol, "new", 5, medium, "4"),
			others: []*Candidate{candidate(pol, "a", 1, medium, "4", holding("4")), candidate(pol, "b", 2, medium, "4", holding("4"))},
			want: want{othersCPU: "8", spaces: 2, problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: monthly budget requested 1000.00 USD, the team's other spaces use 2000.00 USD, team limit 2500.00 USD"}}},
		},
		"ZeroGPUQuota": {
			reason: "A team with a zero GPU quota may not have a single GPU.",
			tq:     quotaTeam(t),
			self: candidate(pol, "new", 5, large, "4", func(c *Candidate) {
				c.Request.Amounts[quantity.GPU] = resource.MustParse("1")
				c.Request.Budget = decimal.RequireFromString("2000.00")
			}),
			want: want{othersCPU: "0", problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: gpu requested 1, the team's other spaces use 0, team limit 0"}}},
		},
		"EveryDimensionReported": {
			reason: "Every exceeded dimension is named, in report order.",
			tq:     quotaTeam(t, func(d *teamQuotaData) { d.Hard.Memory, d.Hard.LoadBalancers = "4Gi", "4" }),
			self:   candidate(pol, "new", 5, large, "4"),
			want: want{othersCPU: "0", problems: []Problem{{ReasonTeamQuotaExceeded,
				"team payments quota exceeded: memory requested 8Gi, the team's other spaces use 0, team limit 4Gi; loadBalancers requested 5, the team's other spaces use 0, team limit 4"}}},
		},
		"TeamBudgetCurrency": {
			reason: "A budget in another currency than the team's cannot count against the team's budget.",
			tq:     quotaTeam(t, func(d *teamQuotaData) { d.Currency = "EUR" }),
			self:   candidate(pol, "new", 5, medium, "4"),
			want: want{othersCPU: "0", problems: []Problem{{ReasonCurrencyMismatch,
				"budget currency USD is not the currency EUR of team payments's monthly budget"}}},
		},
		"NamespaceNotOwned": {
			reason: "A claim in a namespace the team does not own is rejected.",
			tq:     quotaTeam(t),
			self:   candidate(pol, "new", 5, medium, "4", func(c *Candidate) { c.ClaimNamespace = "team-search" }),
			want: want{othersCPU: "0", problems: []Problem{{ReasonNamespaceNotOwned,
				"namespace team-search is not one of team payments's namespaces (team-payments in EnvironmentConfig team-payments-quota)"}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := pol.AdmitTeam(tc.tq, tc.self, tc.others)
			if diff := cmp.Diff(tc.want.problems, got.Problems); diff != "" {
				t.Errorf("%s\nAdmitTeam(...): -want +got problems:\n%s", tc.reason, diff)
			}
			if got := got.Others.Amounts[quantity.CPU].String(); got != tc.want.othersCPU {
				t.Errorf("%s\nAdmitTeam(...): others use cpu %s, want %s", tc.reason, got, tc.want.othersCPU)
			}
			if got.Others.Spaces != tc.want.spaces {
				t.Errorf("%s\nAdmitTeam(...): %d spaces counted, want %d", tc.reason, got.Others.Spaces, tc.want.spaces)
			}
		})
	}
}

// TestAdmitTeamAgrees checks the property deterministic order gives: every
// space of a team, deciding for itself from the same data, reaches a
// verdict that together with the others' fits the team's quota.
func TestAdmitTeamAgrees(t *testing.T) {
	pol := quotaPolicy(t)
	tq := quotaTeam(t)
	spaces := []*Candidate{
		candidate(pol, "a", 1, v1alpha1.TierLarge, "12"),
		candidate(pol, "b", 1, v1alpha1.TierLarge, "12"),
		candidate(pol, "c", 1, v1alpha1.TierLarge, "12"),
		candidate(pol, "d", 2, v1alpha1.TierMedium, "6"),
		candidate(pol, "e", 3, v1alpha1.TierMedium, "40"),
		candidate(pol, "f", 4, v1alpha1.TierMedium, "2"),
	}
	var total quantity.Amounts
	var admitted []string
	for i, self := range spaces {
		others := append(append([]*Candidate{}, spaces[:i]...), spaces[i+1:]...)
		if d := pol.AdmitTeam(tq, self, others); len(d.Problems) == 0 {
			admitted = append(admitted, self.Name)
			total.AddTo(self.Request.Amounts)
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "d", "f"}, admitted); diff != "" {
		t.Errorf("AdmitTeam(...) of each space: -want +got admitted:\n%s", diff)
	}
	if over := total.Exceeding(tq.Hard); len(over) > 0 {
		t.Errorf("AdmitTeam(...): admitted spaces exceed the team quota in %v", over)
	}
}

func TestParseTeamQuota(t *testing.T) {
	cases := map[string]struct {
		reason string
		data   teamQuotaData
		want   []string
	}{
		"Valid": {
			reason: "Namespaces are sorted and deduplicated; omitted dimensions are zero.",
			data:   teamQuotaData{Namespaces: []string{"b", "a", "b"}, Hard: v1alpha1.QuotaAmounts{CPU: "4"}},
		},
		"EveryProblemNamed": {
			reason: "Bad quantities, budget, currency and namespaces are each reported with their field.",
			data:   teamQuotaData{Namespaces: []string{"Team_A"}, Hard: v1alpha1.QuotaAmounts{CPU: "lots"}, MonthlyBudget: "1,000", Currency: "dollars"},
			want: []string{
				`data.hard: Invalid value: {"cpu":"lots"}: cpu "lots": must be non-negative Kubernetes quantities such as 500m, 4 or 8Gi`,
				`data.monthlyBudget: Invalid value: "1,000": must be a decimal amount with at most two fraction digits, such as 5000.00`,
				`data.currency: Invalid value: "dollars": must be an ISO 4217 code such as USD`,
				`data.namespaces[0]: Invalid value: "Team_A": must be a lower-case DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit`,
			},
		},
		"NoNamespaces": {
			reason: "A team must own at least one namespace.",
			data:   teamQuotaData{Hard: v1alpha1.QuotaAmounts{CPU: "4"}},
			want:   []string{`data.namespaces: Required value: must list the namespaces the team owns`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tq, errs := ParseTeamQuota("EnvironmentConfig q", tc.data)
			if diff := cmp.Diff(tc.want, errStrings(errs)); diff != "" {
				t.Errorf("%s\nParseTeamQuota(...): -want +got errors:\n%s", tc.reason, diff)
			}
			if len(tc.want) == 0 {
				if diff := cmp.Diff([]string{"a", "b"}, tq.Namespaces); diff != "" {
					t.Errorf("%s\nParseTeamQuota(...): -want +got namespaces:\n%s", tc.reason, diff)
				}
				if !tq.Hard[quantity.Memory].IsZero() {
					t.Errorf("%s\nParseTeamQuota(...): omitted memory is %s, want zero", tc.reason, tq.Hard[quantity.Memory].String())
				}
			}
		})
	}
}

func TestNewPolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *fnv1alpha1.Composer
		want   []string
	}{
		"Valid": {
			reason: "The test input is valid.",
			in:     quotaInput(),
		},
		"MatchLabelsNameTheTeamLabel": {
			reason: "The team label's value is the space's team; match labels may not fix it.",
			in:     withQuotaInput(func(in *fnv1alpha1.Composer) { in.Quota.MatchLabels[fnv1alpha1.DefaultTeamLabel] = "payments" }),
			want:   []string{`quota.matchLabels[platform.cloudspace.dev/team]: Invalid value: "payments": must not name the team label; its value is the space's team`},
		},
		"EveryProblemNamed": {
			reason: "Bad tier limits, ttl, source and labels are each reported with their field.",
			in: withQuotaInput(func(in *fnv1alpha1.Composer) {
				in.Tiers[0].Max.GPU = "500m"
				in.Quota.TTL = "-1m"
				in.Quota.Source = &fnv1alpha1.QuotaSource{Kind: "ConfigMap"}
				in.Quota.MatchLabels[fnv1alpha1.DefaultTeamLabel] = "payments"
				in.Quota.MatchLabels["config"] = "team quota"
				in.Quota.TeamLabel = "team label"
			}),
			want: []string{
				`tiers[0].max.gpu: Invalid value: "500m": must be a whole number of GPUs`,
				`quota.source.apiVersion: Required value: must name the API version of the quota data`,
				`quota.ttl: Invalid value: "-1m": must be positive`,
				`quota.teamLabel: Invalid value: "team label": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
				`quota.matchLabels[config]: Invalid value: "team quota": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, errs := NewPolicy(tc.in)
			if diff := cmp.Diff(tc.want, errStrings(errs)); diff != "" {
				t.Errorf("%s\nNewPolicy(...): -want +got errors:\n%s", tc.reason, diff)
			}
		})
	}
}

func withQuotaInput(fn func(in *fnv1alpha1.Composer)) *fnv1alpha1.Composer {
	in := quotaInput()
	fn(in)
	return in
}

// FuzzStructCandidate feeds arbitrary XCloudSpaces, as Crossplane would
// send them as required resources, through reading and admission: neither
// may panic, whatever another space of the team holds.
func FuzzStructCandidate(f *testing.F) {
	f.Add(`{"metadata":{"name":"a","creationTimestamp":"2026-11-01T09:00:00Z","labels":{"crossplane.io/claim-namespace":"team-payments"}},"spec":{"team":"payments","tier":"medium","resources":{"cpu":"8","memory":"16Gi"},"budget":{"monthlyLimit":"1200.00"}},"status":{"quota":{"cpu":"8","memory":"16Gi","pods":"150"}}}`)
	f.Add(`{"metadata":{"name":"b","deletionTimestamp":"x"},"spec":{"team":"payments","tier":"large","resources":{"cpu":4,"gpu":"1"},"network":{"availabilityZones":3,"public":true},"budget":{"monthlyLimit":"1e9","currency":"EUR"}}}`)
	f.Add(`{"spec":{"team":"payments","tier":"huge","resources":{"cpu":"-1","memory":"999999999999999999999Ei"}},"status":{"quota":{"cpu":[]}}}`)
	f.Add(`{}`)
	pol := quotaPolicy(f)
	tq := quotaTeam(f)
	f.Fuzz(func(t *testing.T, js string) {
		s := &structpb.Struct{}
		if err := s.UnmarshalJSON([]byte(js)); err != nil {
			return
		}
		c := StructCandidate(pol, s)
		c.Team = "payments"
		self := candidate(pol, "self", 5, v1alpha1.TierMedium, "4")
		_ = pol.AdmitTeam(tq, self, []*Candidate{c})
	})
}
