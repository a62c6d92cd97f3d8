package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

const keyARN = "arn:aws:kms:eu-west-1:123456789012:key/k1"

func TestComposedIDs(t *testing.T) {
	observed := observedOf(t, map[resource.Name]runtime.Object{
		"kms-key": kmsKey("2026-10-14T09:00:00Z", keyARN),
		"bucket":  bucket("2026-10-14T09:00:00Z", "cloudspace-payments-checkout"),
		"vpc":     vpc("vpc-0a1"),
		"pending": kmsKey("2026-11-19T09:00:00Z", ""),
	})
	want := map[string]resource.Name{
		keyARN:                         "kms-key",
		"k1":                           "kms-key",
		"cloudspace-payments-checkout": "bucket",
		"vpc-0a1":                      "vpc",
	}
	if diff := cmp.Diff(want, ComposedIDs(observed)); diff != "" {
		t.Errorf("ComposedIDs(...): IDs, ARNs and external names of every composed resource that has one: -want +got:\n%s", diff)
	}
}

func TestOrphans(t *testing.T) {
	composed := map[string]resource.Name{keyARN: "kms-key", "bucket-1": "bucket"}
	type want struct {
		orphans []string
		ok      bool
	}
	cases := map[string]struct {
		reason   string
		ids      []string
		composed map[string]resource.Name
		want     want
	}{
		"AllComposed": {
			reason:   "billed resources the space composes are not orphans",
			ids:      []string{keyARN, "bucket-1"},
			composed: composed,
			want:     want{ok: true},
		},
		"Orphans": {
			reason:   "billed resources the space does not compose are orphans, sorted",
			ids:      []string{keyARN, "bucket-1", "i-0abc", "vol-0def"},
			composed: composed,
			want:     want{orphans: []string{"i-0abc", "vol-0def"}, ok: true},
		},
		"NothingObservedYet": {
			reason: "before any composed resource reports an ID nothing can be judged",
			ids:    []string{"i-0abc"},
			want:   want{ok: false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &Spend{ResourceIDs: tc.ids}
			orphans, ok := Orphans(s, tc.composed)
			if diff := cmp.Diff(tc.want, want{orphans: orphans, ok: ok}, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nOrphans(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFindUnbilled(t *testing.T) {
	kinds := fnv1alpha1.DefaultBilledKinds()
	const grace = 72 * time.Hour
	cases := map[string]struct {
		reason    string
		objs      map[resource.Name]runtime.Object
		ids       []string
		truncated int64
		want      []Unbilled
	}{
		"Billed": {
			reason: "a key the billing data lists is billed",
			objs:   map[resource.Name]runtime.Object{"kms-key": kmsKey("2026-10-14T09:00:00Z", keyARN)},
			ids:    []string{keyARN},
		},
		"NotBilled": {
			reason: "a key and a NAT gateway created long ago that the data does not list are reported, by name",
			objs: map[resource.Name]runtime.Object{
				"nat-a":   natGateway("2026-10-14T09:00:00Z", "nat-0aa"),
				"kms-key": kmsKey("2026-10-14T09:00:00Z", keyARN),
			},
			ids:  []string{"bucket-1"},
			want: []Unbilled{{Name: "kms-key", ID: keyARN}, {Name: "nat-a", ID: "nat-0aa"}},
		},
		"WithinGrace": {
			reason: "a key created less than the grace period before the data ends is not judged",
			objs:   map[resource.Name]runtime.Object{"kms-key": kmsKey("2026-11-18T00:00:01Z", keyARN)},
			ids:    []string{"bucket-1"},
		},
		"ExactlyGrace": {
			reason: "a key created exactly the grace period before the data ends is judged",
			objs:   map[resource.Name]runtime.Object{"kms-key": kmsKey("2026-11-17T00:00:00Z", keyARN)},
			ids:    []string{"bucket-1"},
			want:   []Unbilled{{Name: "kms-key", ID: keyARN}},
		},
		"FreeKind": {
			reason: "a VPC costs nothing and is never expected in billing",
			objs:   map[resource.Name]runtime.Object{"vpc": vpc("vpc-0a1")},
			ids:    []string{"bucket-1"},
		},
		"NoIDYet": {
			reason: "a key that has not reported an ID is not judged",
			objs:   map[resource.Name]runtime.Object{"kms-key": kmsKey("2026-10-14T09:00:00Z", "")},
		},
		"TruncatedPastLast": {
			reason:    "a truncated record lists the smallest IDs: one past the last listed may be billed",
			objs:      map[resource.Name]runtime.Object{"nat-a": natGateway("2026-10-14T09:00:00Z", "nat-0zz")},
			ids:       []string{"arn:aws:kms:x", "bucket-1"},
			truncated: 3,
		},
		"TruncatedBeforeLast": {
			reason:    "an ID before the last listed one of a truncated record would have been listed",
			objs:      map[resource.Name]runtime.Object{"nat-a": natGateway("2026-10-14T09:00:00Z", "nat-0aa")},
			ids:       []string{"arn:aws:kms:x", "vol-1"},
			truncated: 3,
			want:      []Unbilled{{Name: "nat-a", ID: "nat-0aa"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := spendOf(t, "2026-11", "10", "2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z")
			s.ResourceIDs, s.Truncated = tc.ids, tc.truncated
			got := FindUnbilled(observedOf(t, tc.objs), s, kinds, grace)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nFindUnbilled(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestOrphanSpend(t *testing.T) {
	d := decimal.RequireFromString
	s := &Spend{ResourceBilled: map[string]decimal.Decimal{"i-1": d("412.50"), "vol-1": d("37.6234567891"), "key-1": d("0.70")}}
	cases := map[string]struct {
		reason  string
		orphans []string
		want    string
		wantOK  bool
	}{
		"Sum":     {reason: "the billed cost of every orphan, exactly", orphans: []string{"i-1", "vol-1"}, want: "450.1234567891", wantOK: true},
		"Unknown": {reason: "a record without the cost of an orphan gives no amount rather than too small a one", orphans: []string{"i-1", "i-2"}, want: "0", wantOK: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := OrphanSpend(s, tc.orphans)
			if got.String() != tc.want || ok != tc.wantOK {
				t.Errorf("%s\nOrphanSpend(...) = %s, %t; want %s, %t", tc.reason, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
