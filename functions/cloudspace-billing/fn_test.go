package main

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// space is the example XCloudSpace with the composer's estimate in status
// and the given conditions, as a previous reconcile left it.
func space(conds ...xpv1.Condition) map[string]any {
	xr := &v1alpha1.XCloudSpace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "platform.cloudspace.dev/v1alpha1", Kind: "XCloudSpace"},
		ObjectMeta: metav1.ObjectMeta{Name: "checkout-7x9kq"},
		Spec: v1alpha1.XCloudSpaceSpec{
			Team: "payments", Environment: v1alpha1.EnvironmentDev, Tier: v1alpha1.TierMedium, Region: "eu-west-1",
			Budget: v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "USD"},
		},
		Status: v1alpha1.XCloudSpaceStatus{Estimate: &v1alpha1.CostEstimate{Monthly: "900.00", Currency: "USD"}},
	}
	b, err := json.Marshal(xr)
	if err != nil {
		panic(err) // A typed XR always marshals.
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	if len(conds) > 0 {
		cs := make([]any, len(conds))
		for i, c := range conds {
			cs[i] = map[string]any{"type": string(c.Type), "status": string(c.Status), "reason": string(c.Reason), "lastTransitionTime": "2026-11-01T00:00:00Z"}
		}
		m["status"].(map[string]any)["conditions"] = cs
	}
	return m
}

// billingRequest is a request of the billing step after the composer's step:
// the composer desired a VPC and wrote the desired XR's namespace. With
// records (even none) Crossplane has sent the space's spend records.
func billingRequest(in map[string]any, xr map[string]any, records ...*billingv1alpha1.SpendRecord) *fnv1.RunFunctionRequest {
	opts := []xfntest.Option{
		xfntest.WithInput(in),
		xfntest.WithObservedComposite(xr),
		xfntest.WithDesiredComposite(map[string]any{"status": map[string]any{"namespace": "team-payments-checkout"}}, fnv1.Ready_READY_FALSE),
		xfntest.WithDesired("vpc", map[string]any{
			"apiVersion": "ec2.aws.upbound.io/v1beta1", "kind": "VPC", "spec": map[string]any{"forProvider": map[string]any{"region": "eu-west-1"}},
		}),
	}
	if records != nil {
		objs := make([]any, 0, len(records))
		for _, r := range records {
			objs = append(objs, storedObject(r))
		}
		opts = append(opts, xfntest.WithRequired(RequirementSpend, objs...))
	}
	return xfntest.Request(opts...)
}

func input(fields map[string]any) map[string]any {
	m := map[string]any{"apiVersion": "fn.cloudspace.dev/v1alpha1", "kind": fnv1alpha1.BillingKind}
	maps.Copy(m, fields)
	return m
}

func TestRunFunction(t *testing.T) {
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	claim := fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()
	healthy := []xpv1.Condition{
		{Type: TypeBudget, Status: "True", Reason: ReasonBudgetHealthy},
		{Type: TypeCostDrift, Status: "False", Reason: ReasonWithinTolerance},
		{Type: TypeBillingDataMissing, Status: "False", Reason: ReasonSpendRecordFound},
		{Type: TypeBillingDataStale, Status: "False", Reason: ReasonFresh},
		{Type: TypeCostAttribution, Status: "Unknown", Reason: ReasonNoComposedIDs},
	}
	type want struct {
		ttl        time.Duration
		asked      bool
		billing    map[string]any
		conditions map[string]string
		results    []*fnv1.Result
	}
	cases := map[string]struct {
		reason string
		req    *fnv1.RunFunctionRequest
		now    time.Time
		want   want
	}{
		"AsksForRecordsFirst": {
			reason: "the first call of a reconcile asks for the space's spend records and judges nothing",
			req:    billingRequest(input(nil), space()),
			want:   want{ttl: 15 * time.Minute, asked: true},
		},
		"SteadyHealthy": {
			reason: "a healthy space whose conditions have not changed: figures and conditions, no results",
			req:    billingRequest(input(map[string]any{"ttl": "5m"}), space(healthy...), record(), record(func(r *billingv1alpha1.SpendRecord) { r.Period = "2026-10" })),
			now:    now,
			want: want{
				ttl: 5 * time.Minute, asked: true,
				billing: map[string]any{
					"period": "2026-11", "currency": "USD", "billedToDate": "570.1234567891", "effectiveToDate": "541.62",
					"forecast": "900.19", "budgetUsedPercent": "47.5", "forecastPercent": "75.0", "driftPercent": "0.0",
					"dataThrough": "2026-11-20T00:00:00Z",
				},
				conditions: map[string]string{
					TypeBudget: ReasonBudgetHealthy, TypeCostDrift: ReasonWithinTolerance, TypeBillingDataMissing: ReasonSpendRecordFound,
					TypeBillingDataStale: ReasonFresh, TypeCostAttribution: ReasonNoComposedIDs,
				},
			},
		},
		"TurnsStale": {
			reason: "the clock moves past the staleness limit: one Warning, for the one condition that changed",
			req:    billingRequest(input(map[string]any{"stalenessLimit": "24h"}), space(healthy...), record()),
			now:    now.Add(24 * time.Hour),
			want: want{
				ttl: 15 * time.Minute, asked: true,
				conditions: map[string]string{
					TypeBudget: ReasonBudgetHealthy, TypeCostDrift: ReasonWithinTolerance, TypeBillingDataMissing: ReasonSpendRecordFound,
					TypeBillingDataStale: ReasonStale, TypeCostAttribution: ReasonNoComposedIDs,
				},
				results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_WARNING, Reason: new(ReasonStale), Target: claim,
					Message: "The billing data runs through 2026-11-20T00:00:00Z, more than 24h ago; check the billing ingester and the billing export",
				}},
			},
		},
		"NoRecordsYet": {
			reason: "no records is a plain state: BillingDataMissing is True with a Normal result, the rest Unknown",
			req:    billingRequest(input(nil), space(), []*billingv1alpha1.SpendRecord{}...),
			now:    now,
			want: want{
				ttl: 15 * time.Minute, asked: true,
				conditions: map[string]string{
					TypeBudget: ReasonNoBillingData, TypeCostDrift: ReasonNoBillingData, TypeBillingDataMissing: ReasonNoSpendRecords,
					TypeBillingDataStale: ReasonNoBillingData, TypeCostAttribution: ReasonNoBillingData,
				},
				results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_NORMAL, Reason: new(ReasonNoSpendRecords), Target: claim,
					Message: `No spend records of "checkout-7x9kq" yet; the billing ingester writes them once the space's charges are exported`,
				}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &Function{log: logging.NewNopLogger(), clock: func() time.Time { return tc.now }}
			desiredBefore := proto.CloneOf(tc.req.GetDesired().GetResources()["vpc"].GetResource())
			rsp, err := f.RunFunction(t.Context(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			got := want{ttl: rsp.GetMeta().GetTtl().AsDuration(), results: rsp.GetResults()}
			_, got.asked = rsp.GetRequirements().GetResources()[RequirementSpend]
			if b := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().GetFields()["billing"]; b != nil && tc.want.billing != nil {
				got.billing = b.GetStructValue().AsMap()
			}
			for _, c := range rsp.GetConditions() {
				if got.conditions == nil {
					got.conditions = map[string]string{}
				}
				got.conditions[c.GetType()] = c.GetReason()
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want +got:\n%s", tc.reason, diff)
			}

			// Earlier steps' desired state passes through untouched.
			if diff := cmp.Diff(desiredBefore, rsp.GetDesired().GetResources()["vpc"].GetResource(), protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...) changed a desired composed resource: -want +got:\n%s", tc.reason, diff)
			}
			if rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
				t.Errorf("%s\nRunFunction(...) changed the desired XR's readiness to %s", tc.reason, rsp.GetDesired().GetComposite().GetReady())
			}
			if ns := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().GetFields()["namespace"].GetStringValue(); ns != "team-payments-checkout" {
				t.Errorf("%s\nRunFunction(...) dropped status.namespace of the desired XR, got %q", tc.reason, ns)
			}
		})
	}
}

func TestRunFunctionRejectsInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     map[string]any
		want   string
	}{
		"UnknownField": {
			reason: "a misspelt field is named",
			in:     input(map[string]any{"stalenesLimit": "1h"}),
			want:   `cannot decode function input: unknown field "stalenesLimit"`,
		},
		"EveryInvalidField": {
			reason: "every invalid field is named with its value and rule",
			in:     input(map[string]any{"ttl": "0s", "atRiskPercent": "ninety", "billedKinds": []any{map[string]any{"apiGroup": "kms.aws.upbound.io", "kind": ""}}}),
			want: `invalid function input: [atRiskPercent: Invalid value: "ninety": must be a non-negative decimal percentage such as 25 or 12.5, ` +
				`atRiskPercent: Invalid value: "ninety": must be greater than zero, ` +
				`ttl: Invalid value: "0s": must be greater than zero: spend records are not watched, ` +
				`billedKinds[0].kind: Required value: must name a kind, such as Key]`,
		},
		"CostBasisNotAnInputField": {
			reason: "The cost basis is the composer's policy, read from the XR's status: the billing input has no such field, and says so",
			in:     input(map[string]any{"costBasis": "Effective"}),
			want:   `cannot decode function input: unknown field "costBasis"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := NewFunction(logging.NewNopLogger())
			rsp, err := f.RunFunction(t.Context(), billingRequest(tc.in, space()))
			if err != nil {
				t.Fatal(err)
			}
			want := []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_FATAL, Message: tc.want, Target: fnv1.Target_TARGET_COMPOSITE.Enum()}}
			if diff := cmp.Diff(want, rsp.GetResults(), protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRunFunctionPrefersDesiredEstimate(t *testing.T) {
	req := billingRequest(input(map[string]any{"stalenessLimit": "0"}), space(), record())
	// The composer, earlier in this reconcile, estimated 570.00 a month:
	// what the record bills over 19 of 30 days is 57.9% more than that
	// prorated. The observed XR still holds last reconcile's 900.00.
	req.Desired.Composite.Resource = xfntest.MustStruct(map[string]any{"status": map[string]any{
		"namespace": "team-payments-checkout",
		"estimate":  map[string]any{"monthly": "570.00", "currency": "USD"},
	}})
	f := &Function{log: logging.NewNopLogger(), clock: time.Now}
	rsp, err := f.RunFunction(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	status := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue()
	if got := status.GetFields()["billing"].GetStructValue().GetFields()["driftPercent"].GetStringValue(); got != "57.9" {
		t.Errorf("RunFunction(...): drift must be judged against this reconcile's estimate: want driftPercent 57.9, got %q", got)
	}
	if got := status.GetFields()["estimate"].GetStructValue().GetFields()["monthly"].GetStringValue(); got != "570.00" {
		t.Errorf("RunFunction(...): the composer's desired estimate must pass through, got %q", got)
	}
}
