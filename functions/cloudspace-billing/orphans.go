package main

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"

	"github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// MaxOrphanIDs is how many orphan resource IDs the status lists.
const MaxOrphanIDs = 20

// ComposedIDs returns the external identifiers of the observed composed
// resources, each mapped to the name of the resource it identifies: the
// provider's status.atProvider.id and status.atProvider.arn and the
// crossplane.io/external-name annotation. Billing exports name a resource
// by one of these (an instance or VPC ID, a bucket name, a key ARN).
func ComposedIDs(observed Observed) map[string]resource.Name {
	ids := map[string]resource.Name{}
	for _, name := range slices.Sorted(maps.Keys(observed)) {
		for _, id := range externalIDs(observed[name]) {
			if _, ok := ids[id]; !ok {
				ids[id] = name
			}
		}
	}
	return ids
}

func externalIDs(o resource.ObservedComposed) []string {
	if o.Resource == nil {
		return nil
	}
	var ids []string
	for _, p := range []string{"status.atProvider.id", "status.atProvider.arn"} {
		if v, err := o.Resource.GetString(p); err == nil && v != "" {
			ids = append(ids, v)
		}
	}
	if v := meta.GetExternalName(o.Resource); v != "" {
		ids = append(ids, v)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Orphans returns the billed resource IDs of s that are not among the
// composed resources' IDs, sorted: spend attributed to the space by its
// tag on resources the space does not compose. Only the IDs the record
// lists are judged. ok is false when no composed resource has reported an
// ID yet, so that nothing can be judged.
func Orphans(s *Spend, composed map[string]resource.Name) (orphans []string, ok bool) {
	if len(composed) == 0 {
		return nil, false
	}
	for _, id := range s.ResourceIDs {
		if _, ok := composed[id]; !ok && id != "" {
			orphans = append(orphans, id)
		}
	}
	return slices.Compact(orphans), true
}

// OrphanSpend is the billed cost of the orphan resources. ok is false when
// the record does not carry the cost of every one of them (records written
// before costByResource existed).
func OrphanSpend(s *Spend, orphans []string) (sum decimal.Decimal, ok bool) {
	for _, id := range orphans {
		d, found := s.ResourceBilled[id]
		if !found {
			return decimal.Zero, false
		}
		sum = sum.Add(d)
	}
	return sum, true
}

// Unbilled is a composed resource of a billed kind that the billing data
// does not show.
type Unbilled struct {
	// Name of the composed resource in the Composition.
	Name resource.Name
	// ID is its external ID.
	ID string
}

// FindUnbilled returns the composed resources of a billed kind, created
// at least grace before the end of the billing data, whose IDs the record
// does not list, sorted by name. The record lists the lexically smallest
// IDs, so when it is truncated an ID past the last listed one may yet be
// billed and is not reported. A resource without a creation time or an ID
// is not judged.
func FindUnbilled(observed Observed, s *Spend, kinds []fnv1alpha1.BilledKind, grace time.Duration) []Unbilled {
	if s.Through.IsZero() {
		return nil
	}
	billed := make(map[string]bool, len(s.ResourceIDs))
	for _, id := range s.ResourceIDs {
		billed[id] = true
	}
	last := ""
	if len(s.ResourceIDs) > 0 {
		last = s.ResourceIDs[len(s.ResourceIDs)-1]
	}
	var out []Unbilled
	for _, name := range slices.Sorted(maps.Keys(observed)) {
		o := observed[name]
		if o.Resource == nil || !billedKind(o, kinds) {
			continue
		}
		created := o.Resource.GetCreationTimestamp().Time
		if created.IsZero() || created.Add(grace).After(s.Through) {
			continue
		}
		ids := externalIDs(o)
		if len(ids) == 0 {
			continue
		}
		seen := false
		for _, id := range ids {
			if billed[id] || (s.Truncated > 0 && id > last) {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, Unbilled{Name: name, ID: ids[0]})
		}
	}
	return out
}

func billedKind(o resource.ObservedComposed, kinds []fnv1alpha1.BilledKind) bool {
	gvk := o.Resource.GetObjectKind().GroupVersionKind()
	for _, k := range kinds {
		if k.Kind == gvk.Kind && strings.EqualFold(k.APIGroup, gvk.Group) {
			return true
		}
	}
	return false
}
