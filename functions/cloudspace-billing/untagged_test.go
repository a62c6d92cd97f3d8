package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestAccountOf(t *testing.T) {
	cases := map[string]string{
		"arn:aws:iam::123456789012:role/cloudspace-payments-checkout": "123456789012",
		"arn:aws-cn:iam::123456789012:role/path/r":                    "123456789012",
		"arn:aws:iam::12345678901:role/short":                         "",
		"arn:aws:iam::12345678901x:role/letter":                       "",
		"arn:aws:kms:eu-west-1:123456789012:key/k1":                   "",
		"arn:aws:iam::123456789012:user/u":                            "",
		"":                                                            "",
	}
	for arn, want := range cases {
		if got := AccountOf(arn); got != want {
			t.Errorf("AccountOf(%q): want %q, got %q", arn, want, got)
		}
	}
}

func unattributedRecord(t *testing.T, account, period, through string) resource.Required {
	t.Helper()
	return stored(t, &billingv1alpha1.SpendRecord{
		Account: account, Period: period, Currency: "USD", BilledCost: "10", EffectiveCost: "10", ListCost: "10", Rows: 1,
		FirstChargePeriodStart: period + "-01T00:00:00Z", LastChargePeriodEnd: through,
	})
}

func TestUntagged(t *testing.T) {
	const account = "123456789012"
	grace := 48 * time.Hour
	observed := observedOf(t, map[resource.Name]runtime.Object{
		"kms-key": kmsKey("2026-11-02T09:00:00Z", keyARN),
		"pending": kmsKey("2026-10-01T09:00:00Z", ""),
	})
	type want struct {
		ok      bool
		message []string // substrings of the message
	}
	cases := map[string]struct {
		reason       string
		observed     Observed
		unattributed []resource.Required
		want         want
	}{
		"NeverTagged": {
			reason: "Billing data of the account ran past the space's first billed resource by more than the grace period, and named the space nowhere.",
			unattributed: []resource.Required{
				unattributedRecord(t, account, "2026-11", "2026-11-20T00:00:00Z"),
				unattributedRecord(t, account, "2026-10", "2026-11-01T00:00:00Z"),
			},
			want: want{ok: true, message: []string{"account 123456789012 (2026-10, 2026-11)", "runs to 2026-11-20, 17d 15h after", `activate "user:cloudspace"`}},
		},
		"WithinGrace": {
			reason:       "Data that ends within the grace period of the first billed resource says nothing yet.",
			unattributed: []resource.Required{unattributedRecord(t, account, "2026-11", "2026-11-03T00:00:00Z")},
		},
		"OtherAccount": {
			reason:       "Another account's data says nothing of this space.",
			unattributed: []resource.Required{unattributedRecord(t, "999999999999", "2026-11", "2026-11-20T00:00:00Z")},
		},
		"NoRecords": {
			reason: "With no billing data of the account, the data may simply not be exported yet.",
		},
		"NothingBilledComposed": {
			reason:       "A space whose billed resources have no external ID yet is not judged: the resource that has none is not counted as created.",
			observed:     observedOf(t, map[resource.Name]runtime.Object{"pending": kmsKey("2026-10-01T09:00:00Z", "")}),
			unattributed: []resource.Required{unattributedRecord(t, account, "2026-11", "2026-11-20T00:00:00Z")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := observed
			if tc.observed != nil {
				obs = tc.observed
			}
			c, ok := Untagged(obs, tc.unattributed, account, fnv1alpha1.DefaultBilledKinds(), grace)
			if ok != tc.want.ok {
				t.Fatalf("\n%s\nUntagged(): want ok %t, got %t (%+v)", tc.reason, tc.want.ok, ok, c)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff([]any{TypeCostAttribution, xfn.False, ReasonTagNotInBillingData, true}, []any{c.Type, c.Status, c.Reason, c.Problem}); diff != "" {
				t.Errorf("\n%s\nUntagged(): -want condition, +got:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.message {
				if !strings.Contains(c.Message, m) {
					t.Errorf("\n%s\nUntagged(): want %q in the message, got %q", tc.reason, m, c.Message)
				}
			}
		})
	}
}
