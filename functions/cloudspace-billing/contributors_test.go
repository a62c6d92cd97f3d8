package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestTopContributors(t *testing.T) {
	costs := func(kv ...string) []Cost {
		var cs []Cost
		for i := 0; i < len(kv); i += 2 {
			cs = append(cs, Cost{Name: kv[i], Billed: dec(kv[i+1])})
		}
		return cs
	}
	type want struct {
		status  *v1alpha1.CostContributors
		message string
	}
	cases := map[string]struct {
		reason   string
		spend    *Spend
		composed map[string]resource.Name
		want     want
	}{
		"LargestFirstThenByName": {
			reason: "each list is the three largest positive costs, largest first, ties by name; zero and credits are left out; amounts keep every digit in status and are rounded to the cent in the message",
			spend: &Spend{
				Services: costs("Amazon S3", "40", "AWS KMS", "60.125", "Amazon EC2", "300", "Amazon VPC", "60.125", "Tax", "0", "Credits", "-50"),
				Days:     costs("2026-11-01", "10", "2026-11-02", "90.5", "2026-11-03", "90.5", "2026-11-04", "12"),
				ResourceBilled: map[string]decimal.Decimal{
					"arn:aws:kms:eu-west-1:123456789012:key/k1": dec("60.125"),
					"bucket-1": dec("40"),
					"i-0abc":   dec("300"),
					"vol-0def": dec("1"),
				},
			},
			composed: map[string]resource.Name{"arn:aws:kms:eu-west-1:123456789012:key/k1": "kms-key", "bucket-1": "bucket"},
			want: want{
				status: &v1alpha1.CostContributors{
					Services: []v1alpha1.CostContributor{
						{Name: "Amazon EC2", BilledToDate: "300.00"}, {Name: "AWS KMS", BilledToDate: "60.125"}, {Name: "Amazon VPC", BilledToDate: "60.125"},
					},
					Resources: []v1alpha1.CostContributor{
						{Name: "i-0abc", BilledToDate: "300.00"},
						{Name: "arn:aws:kms:eu-west-1:123456789012:key/k1", Resource: "kms-key", BilledToDate: "60.125"},
						{Name: "bucket-1", Resource: "bucket", BilledToDate: "40.00"},
					},
					Days: []v1alpha1.CostContributor{
						{Name: "2026-11-02", BilledToDate: "90.50"}, {Name: "2026-11-03", BilledToDate: "90.50"}, {Name: "2026-11-04", BilledToDate: "12.00"},
					},
				},
				message: "top services: Amazon EC2 300.00 USD, AWS KMS 60.13 USD, Amazon VPC 60.13 USD; " +
					"top resources: i-0abc 300.00 USD, kms-key 60.13 USD, bucket 40.00 USD; " +
					"top days: 2026-11-02 90.50 USD, 2026-11-03 90.50 USD, 2026-11-04 12.00 USD",
			},
		},
		"OnlyServices": {
			reason: "a record that breaks its spend down by service only names services",
			spend:  &Spend{Services: costs("Amazon EC2", "12.5")},
			want: want{
				status:  &v1alpha1.CostContributors{Services: []v1alpha1.CostContributor{{Name: "Amazon EC2", BilledToDate: "12.50"}}},
				message: "top services: Amazon EC2 12.50 USD",
			},
		},
		"NoBreakdown": {
			reason: "a record without cost by service, resource or day names nothing",
			spend:  &Spend{},
			want:   want{},
		},
		"OnlyCredits": {
			reason: "credits and zero costs contribute nothing",
			spend:  &Spend{Services: costs("Credits", "-5", "Tax", "0")},
			want:   want{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := TopContributors(tc.spend, tc.composed)
			got := want{status: c.Status(), message: c.Describe("USD")}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nTopContributors(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
