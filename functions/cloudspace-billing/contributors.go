package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Contributors are the largest parts of a space's billed spend.
type Contributors struct {
	Services, Resources, Days []Contributor
}

// Contributor is one of them.
type Contributor struct {
	Cost
	// Composed is the composed resource a billed resource is, when the
	// space composes it.
	Composed resource.Name
}

// TopContributors returns the largest parts of the billed spend of s: its
// services, listed resources and days with the largest positive billed
// cost, at most v1alpha1.MaxCostContributors of each, largest first and
// then by name, so that the same record always names the same ones. A
// billed resource is matched with the composed resource of that ID.
func TopContributors(s *Spend, composed map[string]resource.Name) Contributors {
	resources := make([]Cost, 0, len(s.ResourceBilled))
	for _, id := range slices.Sorted(maps.Keys(s.ResourceBilled)) {
		resources = append(resources, Cost{Name: id, Billed: s.ResourceBilled[id]})
	}
	return Contributors{
		Services:  top(s.Services, nil),
		Resources: top(resources, composed),
		Days:      top(s.Days, nil),
	}
}

func top(cs []Cost, composed map[string]resource.Name) []Contributor {
	cs = slices.DeleteFunc(slices.Clone(cs), func(c Cost) bool { return !c.Billed.IsPositive() })
	slices.SortFunc(cs, func(a, b Cost) int {
		if c := b.Billed.Cmp(a.Billed); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	if len(cs) == 0 {
		return nil
	}
	cs = cs[:min(len(cs), v1alpha1.MaxCostContributors)]
	out := make([]Contributor, 0, len(cs))
	for _, c := range cs {
		out = append(out, Contributor{Cost: c, Composed: composed[c.Name]})
	}
	return out
}

// Empty reports whether c names no contributor.
func (c Contributors) Empty() bool {
	return len(c.Services) == 0 && len(c.Resources) == 0 && len(c.Days) == 0
}

// Status returns c for status.billing.driftContributors, nil when empty.
func (c Contributors) Status() *v1alpha1.CostContributors {
	if c.Empty() {
		return nil
	}
	list := func(cs []Contributor) []v1alpha1.CostContributor {
		if len(cs) == 0 {
			return nil
		}
		out := make([]v1alpha1.CostContributor, 0, len(cs))
		for _, x := range cs {
			out = append(out, v1alpha1.CostContributor{Name: x.Name, Resource: string(x.Composed), BilledToDate: Exact(x.Billed)})
		}
		return out
	}
	return &v1alpha1.CostContributors{Services: list(c.Services), Resources: list(c.Resources), Days: list(c.Days)}
}

// Describe says what c names, for a condition message: "top services: A
// 1.00 USD, B 0.50 USD; top resources: ...; top days: ...". A billed
// resource the space composes is named by its composed resource name, any
// other by its billed ID. "" when c is empty.
func (c Contributors) Describe(currency string) string {
	var parts []string
	for _, l := range []struct {
		what string
		cs   []Contributor
	}{{"services", c.Services}, {"resources", c.Resources}, {"days", c.Days}} {
		if len(l.cs) == 0 {
			continue
		}
		names := make([]string, len(l.cs))
		for i, x := range l.cs {
			names[i] = fmt.Sprintf("%s %s %s", cmp.Or(string(x.Composed), x.Name), Money(x.Billed), currency)
		}
		parts = append(parts, "top "+l.what+": "+strings.Join(names, ", "))
	}
	return strings.Join(parts, "; ")
}
