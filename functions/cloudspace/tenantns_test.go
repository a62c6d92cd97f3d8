package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestTenantNamespaceTaken(t *testing.T) {
	s := &Space{Name: "checkout-7x9kq", Namespace: "team-payments-eu"}
	ns := func(labels map[string]string) *structpb.Struct {
		md := map[string]any{"name": "team-payments-eu"}
		if labels != nil {
			l := map[string]any{}
			for k, v := range labels {
				l[k] = v
			}
			md["labels"] = l
		}
		st, err := structpb.NewStruct(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": md})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	type want struct {
		taken   bool
		reason  string
		message string
	}
	cases := map[string]struct {
		reason string
		objs   []*structpb.Struct
		sent   bool
		want   want
	}{
		"NotSentYet": {reason: "Nothing is judged before Crossplane sends the namespace."},
		"Free":       {reason: "A namespace that does not exist is free.", sent: true},
		"Own":        {reason: "The space's own tenant namespace is its own.", sent: true, objs: []*structpb.Struct{ns(map[string]string{LabelSpace: "checkout-7x9kq"})}},
		"OtherSpace": {
			reason: "Another space's tenant namespace is taken, naming the space.", sent: true,
			objs: []*structpb.Struct{ns(map[string]string{LabelSpace: "eu-1a2b3"})},
			want: want{true, ReasonTenantNamespaceTaken, "tenant namespace team-payments-eu already exists and is the tenant namespace of space eu-1a2b3: rename the claim, or delete the namespace if it is left over"},
		},
		"AnotherTeamsNamespace": {
			reason: "A namespace no space composed (another team's claim namespace) is taken.", sent: true,
			objs: []*structpb.Struct{ns(map[string]string{"team": "eu"})},
			want: want{true, ReasonTenantNamespaceTaken, "tenant namespace team-payments-eu already exists and is not a CloudSpace tenant namespace: rename the claim, or delete the namespace if it is left over"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v, taken := TenantNamespaceTaken(s, tc.objs, tc.sent)
			got := want{taken: taken}
			if taken {
				got.reason, got.message = v.Condition.Reason, v.Condition.Message
				if v.Admitted || v.Condition.Type != TypeQuotaAvailable || v.Condition.Status != xfn.False || !v.Condition.Problem {
					t.Errorf("\n%s\nTenantNamespaceTaken(): want a held verdict with QuotaAvailable False as a problem, got %+v", tc.reason, v)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nTenantNamespaceTaken(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
