package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// RequirementUnattributed names the required resources holding the
// unattributed spend records of the space's AWS account.
const RequirementUnattributed = "unattributed-spend"

// ReasonTagNotInBillingData is the CostAttribution reason of a space that
// billing data has covered for longer than the grace period, in its
// account, without ever naming it: the attribution tag is most likely not
// activated as a cost allocation tag.
const ReasonTagNotInBillingData = "TagNotInBillingData"

// AccountOf returns the AWS account ID of an IAM role ARN
// (arn:<partition>:iam::<account>:role/<name>), or "" when arn is not one.
func AccountOf(roleARN string) string {
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" || len(a.AccountID) != 12 || !strings.HasPrefix(a.Resource, "role/") {
		return ""
	}
	for _, r := range a.AccountID {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return a.AccountID
}

// Untagged judges a space with no spend record: when the billing data of
// its account runs past the creation of its oldest billed composed
// resource by more than grace, the account's charges were exported while
// the space existed and none of them carried the space's tag. It returns
// the CostAttribution condition to report and true, or false when nothing
// can be said (no such records, or none late enough).
func Untagged(observed Observed, unattributed []resource.Required, account string, kinds []fnv1alpha1.BilledKind, grace time.Duration) (xfn.Condition, bool) {
	var first time.Time
	for _, name := range slices.Sorted(maps.Keys(observed)) {
		o := observed[name]
		if o.Resource == nil || !billedKind(o, kinds) || len(externalIDs(o)) == 0 {
			continue
		}
		if c := o.Resource.GetCreationTimestamp().Time; !c.IsZero() && (first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	if first.IsZero() {
		return xfn.Condition{}, false
	}
	var through time.Time
	var periods []string
	for _, r := range unattributed {
		if r.Resource == nil {
			continue
		}
		data, _ := r.Resource.Object["data"].(map[string]any)
		rec, err := billingv1alpha1.FromData(data)
		if err != nil || rec.Account != account {
			continue
		}
		end, err := time.Parse(time.RFC3339, rec.LastChargePeriodEnd)
		if err != nil {
			continue
		}
		if end.After(through) {
			through = end
		}
		periods = append(periods, rec.Period)
	}
	if through.IsZero() || !first.Add(grace).Before(through) {
		return xfn.Condition{}, false
	}
	slices.Sort(periods)
	periods = slices.Compact(periods)
	return xfn.Condition{
		Type: TypeCostAttribution, Status: xfn.False, Reason: ReasonTagNotInBillingData, Problem: true,
		Message: fmt.Sprintf("Billing data of account %s (%s) runs to %s, %s after the space's first billed resource was created, and names the space nowhere: activate %q as a cost allocation tag (AWS Billing console, Cost allocation tags)",
			account, strings.Join(periods, ", "), through.UTC().Format(time.DateOnly), days(through.Sub(first)), "user:"+billingv1alpha1.DefaultTagKey),
	}, true
}
