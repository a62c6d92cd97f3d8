package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// capabilities Crossplane v2.2 advertises.
var capabilities = []fnv1.Capability{
	fnv1.Capability_CAPABILITY_CAPABILITIES,
	fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES,
	fnv1.Capability_CAPABILITY_CONDITIONS,
	fnv1.Capability_CAPABILITY_REQUIRED_SCHEMAS,
}

// crossplane runs f as Crossplane does within one reconcile: it sends the
// required resources f asks for, chosen from pool, and calls f again until
// its requirements stop changing. It returns the last response and the
// number of calls.
func crossplane(t testing.TB, f *Function, req *fnv1.RunFunctionRequest, pool []*structpb.Struct) (*fnv1.RunFunctionResponse, int) {
	t.Helper()
	req = proto.CloneOf(req)
	var last *fnv1.Requirements
	for i := 1; i <= 6; i++ {
		rsp, err := f.RunFunction(t.Context(), proto.CloneOf(req))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				return rsp, i
			}
		}
		if proto.Equal(rsp.GetRequirements(), last) {
			return rsp, i
		}
		last = rsp.GetRequirements()
		answer(req, last, pool)
	}
	t.Fatal("requirements did not stabilise after 6 calls")
	return nil, 0
}

// answer sets req's required resources to the objects of pool that rq
// selects, as Crossplane does.
func answer(req *fnv1.RunFunctionRequest, rq *fnv1.Requirements, pool []*structpb.Struct) {
	req.RequiredResources = map[string]*fnv1.Resources{}
	for k, sel := range rq.GetResources() {
		rs := &fnv1.Resources{}
		for _, o := range pool {
			if matches(sel, o) {
				rs.Items = append(rs.Items, &fnv1.Resource{Resource: o})
			}
		}
		req.RequiredResources[k] = rs
	}
}

func matches(sel *fnv1.ResourceSelector, o *structpb.Struct) bool {
	if str(o, "apiVersion") != sel.GetApiVersion() || str(o, "kind") != sel.GetKind() {
		return false
	}
	if n := sel.GetMatchName(); n != "" {
		return str(sub(o, "metadata"), "name") == n
	}
	l := map[string]string{}
	for k, v := range sub(sub(o, "metadata"), "labels").GetFields() {
		l[k] = v.GetStringValue()
	}
	return labels.SelectorFromSet(sel.GetMatchLabels().GetLabels()).Matches(labels.Set(l))
}

// teamQuotaObject is the payments team's quota data: 32 cores.
func teamQuotaObject(t testing.TB) *structpb.Struct {
	t.Helper()
	return xfntest.MustStruct(map[string]any{
		"apiVersion": fnv1alpha1.DefaultQuotaSourceAPIVersion,
		"kind":       fnv1alpha1.DefaultQuotaSourceKind,
		"metadata": map[string]any{"name": "team-payments-quota", "labels": map[string]any{
			fnv1alpha1.DefaultTeamLabel: "payments", "platform.cloudspace.dev/config": "team-quota",
		}},
		"data": map[string]any{
			"namespaces":    []any{"team-payments"},
			"hard":          map[string]any{"cpu": "32", "memory": "128Gi", "storage": "1Ti", "gpu": "0", "pods": "2000", "loadBalancers": "20"},
			"monthlyBudget": "5000.00",
		},
	})
}

// spaceXR is a payments space of tier medium created minute minutes after
// epoch, requesting cpu cores. When held is not empty the space has been
// admitted before and holds held cores.
func spaceXR(name string, minute int, cpu, held string) *v1alpha1.XCloudSpace {
	xr := composeXR()
	xr.APIVersion, xr.Kind = v1alpha1.SchemeGroupVersion.String(), v1alpha1.CompositeKind
	xr.Name = name
	xr.Labels = map[string]string{LabelClaimName: name, LabelClaimNamespace: "team-payments"}
	xr.CreationTimestamp = metav1.NewTime(epoch.Add(time.Duration(minute) * time.Minute))
	xr.Spec.Resources.CPU = v1alpha1.Quantity(cpu)
	xr.Spec.Budget.Currency = "USD"
	if held != "" {
		xr.Status.Quota = &v1alpha1.QuotaAmounts{CPU: v1alpha1.Quantity(held), Memory: "16Gi", Storage: "100Gi", GPU: "0", Pods: "150", LoadBalancers: "2"}
	}
	return xr
}

var admissionReasons = map[string]bool{
	ReasonAvailable: true, ReasonTierLimitExceeded: true, ReasonBudgetTooLow: true, ReasonCurrencyMismatch: true,
	ReasonTeamQuotaExceeded: true, ReasonTeamQuotaMissing: true, ReasonTeamQuotaInvalid: true, ReasonNamespaceNotOwned: true,
	ReasonRequiredResourcesUnsupported: true, ReasonWaitingForQuotaData: true, ReasonWaitingForTeamSpaces: true,
}

// outcome is what the admission tests compare.
type outcome struct {
	Calls int
	// Composed reports whether anything beyond the observed resources is
	// desired.
	Composed  bool
	Condition string
	Results   []string
	UsedCPU   string
	Estimate  string
	// XRReady is the readiness of the desired composite resource.
	XRReady string
	// TTL is the response's TTL when it is shorter than the quota TTL.
	TTL string
}

func outcomeOf(rsp *fnv1.RunFunctionResponse, calls, observed int) outcome {
	o := outcome{Calls: calls, Composed: len(rsp.GetDesired().GetResources()) > observed}
	for _, c := range rsp.GetConditions() {
		if c.GetType() == TypeQuotaAvailable {
			o.Condition = fmt.Sprintf("%s %s: %s", c.GetStatus(), c.GetReason(), c.GetMessage())
		}
	}
	for _, r := range rsp.GetResults() {
		if !admissionReasons[r.GetReason()] {
			continue // Another topic's result.
		}
		o.Results = append(o.Results, fmt.Sprintf("%s %s", r.GetSeverity(), r.GetReason()))
	}
	st := sub(rsp.GetDesired().GetComposite().GetResource(), "status")
	o.UsedCPU = str(sub(sub(st, "teamQuota"), "used"), "cpu")
	o.Estimate = str(sub(st, "estimate"), "monthly")
	o.XRReady = rsp.GetDesired().GetComposite().GetReady().String()
	if d := rsp.GetMeta().GetTtl().AsDuration(); d > 0 && d < time.Minute {
		o.TTL = d.String()
	}
	return o
}

func TestRunFunctionAdmission(t *testing.T) {
	f := &Function{log: logging.NewNopLogger()}
	other := spaceXR("other", 1, "16", "16")
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XCloudSpace
		observed map[string]map[string]any
		caps     []fnv1.Capability
		cond     string
		pool     []any
		// selfNotSent leaves the space out of the team's spaces sent, as
		// a cache that has not seen it yet does.
		selfNotSent bool
		want        outcome
	}{
		"Fits": {
			reason: "A new space that fits is composed, reports the team's use including itself, and a Normal result for the transition.",
			xr:     spaceXR("checkout", 5, "8", ""),
			pool:   []any{"quota", other},
			want: outcome{XRReady: "READY_UNSPECIFIED", Calls: 3, Composed: true, UsedCPU: "24", Estimate: "264.88", Results: []string{"SEVERITY_NORMAL Available"},
				Condition: "STATUS_CONDITION_TRUE Available: fits tier medium and team payments quota (EnvironmentConfig team-payments-quota); estimated cost 264.88 USD a month, budget 1200.00 USD"},
		},
		"TierExceeded": {
			reason: "A new space over its tier composes nothing.",
			xr:     spaceXR("checkout", 5, "20", ""),
			pool:   []any{"quota"},
			want: outcome{XRReady: "READY_FALSE", Calls: 3, UsedCPU: "0", Estimate: "527.68", Results: []string{"SEVERITY_WARNING TierLimitExceeded"},
				Condition: "STATUS_CONDITION_FALSE TierLimitExceeded: tier medium limit exceeded: cpu requested 20, tier limit 16"},
		},
		"TeamExceeded": {
			reason: "A new space over the team's quota composes nothing and names the request, the others' use and the limit.",
			xr:     spaceXR("checkout", 5, "16", ""),
			pool:   []any{"quota", other, spaceXR("third", 2, "8", "8")},
			want: outcome{XRReady: "READY_FALSE", Calls: 3, UsedCPU: "24", Estimate: "440.08", Results: []string{"SEVERITY_WARNING TeamQuotaExceeded"},
				Condition: "STATUS_CONDITION_FALSE TeamQuotaExceeded: team payments quota exceeded: cpu requested 16, the team's other spaces use 24, team limit 32"},
		},
		"BudgetTooLow": {
			reason: "A new space whose estimate exceeds its budget composes nothing.",
			xr:     withBudget(spaceXR("checkout", 5, "8", ""), "200.00"),
			pool:   []any{"quota"},
			want: outcome{XRReady: "READY_FALSE", Calls: 3, UsedCPU: "0", Estimate: "264.88", Results: []string{"SEVERITY_WARNING BudgetTooLow"},
				Condition: "STATUS_CONDITION_FALSE BudgetTooLow: monthly budget too low: estimated cost 264.88 USD, budget 200.00 USD"},
		},
		"TeamQuotaMissing": {
			reason: "A team without quota data is neither a crash nor an unlimited pass.",
			xr:     spaceXR("checkout", 5, "8", ""),
			pool:   []any{other},
			want: outcome{XRReady: "READY_FALSE", Calls: 2, Estimate: "264.88", Results: []string{"SEVERITY_WARNING TeamQuotaMissing"},
				Condition: "STATUS_CONDITION_FALSE TeamQuotaMissing: team payments has no quota data: no EnvironmentConfig labelled platform.cloudspace.dev/config=team-quota,platform.cloudspace.dev/team=payments exists; the platform team must create it before the team's spaces can be admitted"},
		},
		"TeamQuotaAmbiguous": {
			reason: "Two quota objects for one team are reported, not merged or picked from.",
			xr:     spaceXR("checkout", 5, "8", ""),
			pool:   []any{"quota", "quota-copy"},
			want: outcome{XRReady: "READY_FALSE", Calls: 2, Estimate: "264.88", Results: []string{"SEVERITY_WARNING TeamQuotaInvalid"},
				Condition: "STATUS_CONDITION_FALSE TeamQuotaInvalid: team payments has 2 quota objects (payments-quota-old, team-payments-quota), want exactly one EnvironmentConfig labelled platform.cloudspace.dev/config=team-quota,platform.cloudspace.dev/team=payments"},
		},
		"TeamQuotaMisspelt": {
			reason: "A misspelt field in the quota data is reported rather than read as a zero quota.",
			xr:     spaceXR("checkout", 5, "8", ""),
			pool:   []any{"quota-typo"},
			want: outcome{XRReady: "READY_FALSE", Calls: 2, Estimate: "264.88", Results: []string{"SEVERITY_WARNING TeamQuotaInvalid"},
				Condition: `STATUS_CONDITION_FALSE TeamQuotaInvalid: team payments quota data in EnvironmentConfig team-payments-quota is invalid: cannot decode data: unknown field "hard.memroy"`},
		},
		"RequiredResourcesUnsupported": {
			reason: "A Crossplane that says it cannot send required resources is reported, not passed.",
			xr:     spaceXR("checkout", 5, "8", ""),
			caps:   []fnv1.Capability{fnv1.Capability_CAPABILITY_CAPABILITIES},
			pool:   []any{"quota"},
			want: outcome{XRReady: "READY_FALSE", Calls: 1, Estimate: "264.88", Results: []string{"SEVERITY_WARNING RequiredResourcesUnsupported"},
				Condition: "STATUS_CONDITION_FALSE RequiredResourcesUnsupported: cannot check team payments quota: this Crossplane does not send required resources to functions; upgrade Crossplane to v2.0 or later"},
		},
		"RejectedUpdateKeepsObserved": {
			reason: "An admitted space that grows past the team's quota keeps its composed resources as observed.",
			xr:     withTier(spaceXR("checkout", 5, "24", "8"), v1alpha1.TierLarge),
			cond:   "Available/True",
			observed: map[string]map[string]any{
				"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team-payments-checkout"}},
				"vpc":       {"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC", "metadata": map[string]any{"name": "checkout-vpc"}, "spec": map[string]any{"forProvider": map[string]any{"cidrBlock": "10.20.0.0/16"}}},
			},
			pool: []any{"quota", other},
			want: outcome{XRReady: "READY_UNSPECIFIED", Calls: 3, UsedCPU: "24", Estimate: "664.57", Results: []string{"SEVERITY_WARNING TeamQuotaExceeded"},
				Condition: "STATUS_CONDITION_FALSE TeamQuotaExceeded: team payments quota exceeded: cpu requested 24, the team's other spaces use 16, team limit 32"},
		},
		"SelfNotSentWaits": {
			reason:      "A space the team's spaces sent do not include waits for a newer view, which could hold spaces created before it, and is called again soon.",
			xr:          spaceXR("checkout", 5, "8", ""),
			pool:        []any{"quota", other},
			selfNotSent: true,
			want: outcome{XRReady: "READY_FALSE", Calls: 3, Estimate: "264.88", TTL: "5s", Results: []string{"SEVERITY_NORMAL WaitingForTeamSpaces"},
				Condition: "STATUS_CONDITION_FALSE WaitingForTeamSpaces: the team's spaces Crossplane sent do not include this one yet, so they may miss spaces created before it; team payments's spaces are read again"},
		},
		"SteadyRejectionNoResult": {
			reason: "A rejection that holds steady reports its condition without a result.",
			xr:     spaceXR("checkout", 5, "16", ""),
			cond:   "TeamQuotaExceeded/False",
			pool:   []any{"quota", other, spaceXR("third", 2, "8", "8")},
			want: outcome{XRReady: "READY_FALSE", Calls: 3, UsedCPU: "24", Estimate: "440.08",
				Condition: "STATUS_CONDITION_FALSE TeamQuotaExceeded: team payments quota exceeded: cpu requested 16, the team's other spaces use 24, team limit 32"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := runRequest(tc.xr, quotaInput(), tc.observed)
			req.Meta.Capabilities = cmpOr(tc.caps, capabilities)
			setObservedCondition(t, req, tc.cond)
			pool := tc.pool
			if !tc.selfNotSent {
				pool = append(slices.Clone(pool), tc.xr) // As Crossplane's cache holds it.
			}
			rsp, calls := crossplane(t, f, req, poolOf(t, pool...))
			if diff := cmp.Diff(tc.want, outcomeOf(rsp, calls, len(tc.observed))); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func cmpOr[T any](a, b []T) []T {
	if len(a) > 0 {
		return a
	}
	return b
}

func withTier(xr *v1alpha1.XCloudSpace, tier v1alpha1.Tier) *v1alpha1.XCloudSpace {
	xr.Spec.Tier = tier
	return xr
}

func withBudget(xr *v1alpha1.XCloudSpace, limit string) *v1alpha1.XCloudSpace {
	xr.Spec.Budget.MonthlyLimit = limit
	return xr
}

// setObservedCondition gives the observed composite resource of req a
// QuotaAvailable condition.
func setObservedCondition(t testing.TB, req *fnv1.RunFunctionRequest, c string) {
	t.Helper()
	if c == "" {
		return
	}
	reason, status, _ := strings.Cut(c, "/")
	xr := req.GetObserved().GetComposite().GetResource()
	st := sub(xr, "status")
	if st == nil {
		st = &structpb.Struct{Fields: map[string]*structpb.Value{}}
		xr.Fields["status"] = structpb.NewStructValue(st)
	}
	v, err := structpb.NewValue([]any{map[string]any{"type": TypeQuotaAvailable, "status": status, "reason": reason, "lastTransitionTime": "2026-11-01T09:00:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	st.Fields["conditions"] = v
}

// poolOf turns typed spaces and the names of team quota objects ("quota",
// "quota-copy" under another name, "quota-typo" with a misspelt field)
// into required resource objects.
func poolOf(t testing.TB, objs ...any) []*structpb.Struct {
	t.Helper()
	out := make([]*structpb.Struct, 0, len(objs))
	for _, o := range objs {
		switch o {
		case "quota":
			out = append(out, teamQuotaObject(t))
			continue
		case "quota-copy":
			q := teamQuotaObject(t)
			sub(q, "metadata").Fields["name"] = structpb.NewStringValue("payments-quota-old")
			out = append(out, q)
			continue
		case "quota-typo":
			q := teamQuotaObject(t)
			hard := sub(sub(q, "data"), "hard")
			hard.Fields["memroy"] = hard.GetFields()["memory"]
			delete(hard.GetFields(), "memory")
			out = append(out, q)
			continue
		}
		out = append(out, xfntest.MustStruct(o.(*v1alpha1.XCloudSpace)))
	}
	return out
}

func TestRunFunctionAdmissionKeepsObservedExactly(t *testing.T) {
	f := &Function{log: logging.NewNopLogger()}
	observed := map[string]map[string]any{
		"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{
			"name": "team-payments-checkout", "labels": map[string]any{"a": "b"},
			"uid": "3f0c", "resourceVersion": "4711", "generation": 1, "creationTimestamp": "2026-11-01T10:00:00Z",
			"managedFields": []any{map[string]any{"manager": "apiextensions.crossplane.io/composed", "operation": "Apply"}},
		}, "status": map[string]any{"phase": "Active"}},
		"vpc": {
			"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC",
			"metadata": map[string]any{"name": "checkout-vpc", "annotations": map[string]any{"crossplane.io/external-name": "vpc-0abc"}},
			"spec":     map[string]any{"forProvider": map[string]any{"cidrBlock": "10.20.0.0/16", "region": "eu-west-1"}},
			"status": map[string]any{"atProvider": map[string]any{"id": "vpc-0abc"}, "conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2026-11-01T10:00:00Z"},
			}},
		},
		"subnet-private-a": {
			"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "Subnet",
			"metadata": map[string]any{"name": "checkout-subnet-a"},
			"spec":     map[string]any{"forProvider": map[string]any{"cidrBlock": "10.20.0.0/20"}},
			"status": map[string]any{"conditions": []any{
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-01T10:00:00Z"},
			}},
		},
	}
	xr := spaceXR("checkout", 5, "24", "8")
	xr.Spec.Tier = v1alpha1.TierLarge
	xr.Status.Namespace = "team-payments-checkout"
	req := runRequest(xr, quotaInput(), observed)
	req.Meta.Capabilities = capabilities
	rsp, _ := crossplane(t, f, req, poolOf(t, "quota", spaceXR("other", 1, "16", "16"), xr))

	if c := rsp.GetConditions(); len(c) != 1 || c[0].GetReason() != ReasonTeamQuotaExceeded {
		t.Fatalf("RunFunction(...): want a TeamQuotaExceeded condition, got %v", c)
	}
	for name, o := range observed {
		want := xfntest.MustStruct(o)
		delete(want.GetFields(), "status")
		for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"} {
			delete(sub(want, "metadata").GetFields(), f)
		}
		got := rsp.GetDesired().GetResources()[name].GetResource()
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Errorf("A rejected update desires %q exactly as observed, without status and server-owned metadata: -want +got:\n%s", name, diff)
		}
	}
	ready := map[string]fnv1.Ready{}
	for name, r := range rsp.GetDesired().GetResources() {
		ready[name] = r.GetReady()
	}
	wantReady := map[string]fnv1.Ready{"namespace": fnv1.Ready_READY_TRUE, "vpc": fnv1.Ready_READY_TRUE, "subnet-private-a": fnv1.Ready_READY_FALSE}
	if diff := cmp.Diff(wantReady, ready); diff != "" {
		t.Errorf("A held resource is as ready as observed: -want +got:\n%s", diff)
	}
	if n := len(rsp.GetDesired().GetResources()); n != len(observed) {
		t.Errorf("A rejected update desires %d resources, want the %d observed", n, len(observed))
	}
	st := sub(rsp.GetDesired().GetComposite().GetResource(), "status")
	got := map[string]string{
		"namespace":  str(st, "namespace"),
		"quota.cpu":  str(sub(st, "quota"), "cpu"),
		"remaining":  str(sub(sub(st, "teamQuota"), "remaining"), "cpu"),
		"used":       str(sub(sub(st, "teamQuota"), "used"), "cpu"),
		"budgetUsed": str(sub(sub(st, "teamQuota"), "monthlyBudget"), "used"),
		"budgetLeft": str(sub(sub(st, "teamQuota"), "monthlyBudget"), "remaining"),
		"estimate":   str(sub(st, "estimate"), "monthly"),
		"ttlSeconds": fmt.Sprint(rsp.GetMeta().GetTtl().GetSeconds()),
	}
	want := map[string]string{
		"namespace": "team-payments-checkout", "quota.cpu": "8", "used": "24", "remaining": "8", "estimate": "664.57", "ttlSeconds": "60",
		// Two spaces of 1200.00 a month against the team's 5000.00.
		"budgetUsed": "2400.00", "budgetLeft": "2600.00",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("A rejected update keeps its observed status, reports what it holds and sets the quota TTL: -want +got:\n%s", diff)
	}
}

func TestRunFunctionAdmissionFirstCall(t *testing.T) {
	f := &Function{log: logging.NewNopLogger()}
	observed := map[string]map[string]any{
		"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team-payments-checkout"}},
	}
	req := runRequest(spaceXR("checkout", 5, "8", "8"), quotaInput(), observed)
	req.Meta.Capabilities = capabilities
	rsp, err := f.RunFunction(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{requiredTeamQuota: {
		ApiVersion: fnv1alpha1.DefaultQuotaSourceAPIVersion,
		Kind:       fnv1alpha1.DefaultQuotaSourceKind,
		Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
			fnv1alpha1.DefaultTeamLabel: "payments", "platform.cloudspace.dev/config": "team-quota",
		}}},
	}, requiredTenantNamespace: {
		ApiVersion: "v1", Kind: "Namespace", Match: &fnv1.ResourceSelector_MatchName{MatchName: "team-payments-checkout"},
	}}}
	if diff := cmp.Diff(want, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
		t.Errorf("The first call asks for the team's quota data: -want +got:\n%s", diff)
	}
	if names := slices.Sorted(maps.Keys(rsp.GetDesired().GetResources())); !slices.Equal(names, []string{"namespace"}) {
		t.Errorf("The first call composes nothing new and keeps what is observed; desired %v", names)
	}
}

// BenchmarkRunFunctionTeamOf1000 runs the last call of a reconcile, with
// every required resource sent, for the youngest space of a team of 1,000
// spaces: the most a call counts. It reports the median call as p50-ms.
// SameShape spaces request the same resources; DistinctShapes spaces each
// request a different amount, so no estimate is shared.
func BenchmarkRunFunctionTeamOf1000(b *testing.B) {
	for name, cpu := range map[string]func(i int) string{
		"SameShape":      func(int) string { return "1500m" },
		"DistinctShapes": func(i int) string { return fmt.Sprintf("%dm", 1000+i) },
	} {
		b.Run(name, func(b *testing.B) { benchmarkTeam(b, cpu) })
	}
}

func benchmarkTeam(b *testing.B, cpu func(i int) string) {
	b.Helper()
	quota := teamQuotaObject(b)
	hard := sub(sub(quota, "data"), "hard")
	for k, v := range map[string]string{"cpu": "2000", "memory": "20Ti", "storage": "200Ti", "pods": "200k", "loadBalancers": "3000"} {
		hard.Fields[k] = structpb.NewStringValue(v)
	}
	sub(quota, "data").Fields["monthlyBudget"] = structpb.NewStringValue("2000000.00")

	xr := spaceXR("space-1000", 2000, "1", "1")
	team := make([]*structpb.Struct, 0, 1001)
	for i := range 1000 {
		team = append(team, xfntest.MustStruct(spaceXR(fmt.Sprintf("space-%04d", i), i, cpu(i), cpu(i))))
	}
	team = append(team, xfntest.MustStruct(xr))
	req := runRequest(xr, quotaInput(), nil)
	req.Meta.Capabilities = capabilities
	req.RequiredResources = map[string]*fnv1.Resources{requiredTeamQuota: {Items: []*fnv1.Resource{{Resource: quota}}}}
	spaces := &fnv1.Resources{}
	for _, s := range team {
		spaces.Items = append(spaces.Items, &fnv1.Resource{Resource: s})
	}
	req.RequiredResources[requiredSpacesInPfx+"team-payments"] = spaces
	req.RequiredResources[requiredTeamSpaces] = &fnv1.Resources{}

	f := &Function{log: logging.NewNopLogger()}
	rsp, err := f.RunFunction(b.Context(), req)
	if err != nil {
		b.Fatal(err)
	}
	if o := outcomeOf(rsp, 1, 0); !o.Composed || o.Condition[:21] != "STATUS_CONDITION_TRUE" {
		b.Fatalf("RunFunction(...): want the space admitted, got %+v", o)
	}

	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := f.RunFunction(b.Context(), req); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}
