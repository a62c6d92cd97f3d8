package main

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// BenchmarkRunFunction is a reconcile of a busy space: a year of monthly
// records, the latest listing 100 billed resource IDs of 350, and 40
// observed composed resources with IDs.
func BenchmarkRunFunction(b *testing.B) {
	records := make([]*billingv1alpha1.SpendRecord, 0, 12)
	for m := 12; m >= 1; m-- {
		records = append(records, record(func(r *billingv1alpha1.SpendRecord) {
			r.Period = fmt.Sprintf("2026-%02d", m)
			r.FirstChargePeriodStart = fmt.Sprintf("2026-%02d-01T00:00:00Z", m)
			r.LastChargePeriodEnd = fmt.Sprintf("2026-%02d-20T00:00:00Z", m)
			r.ResourceIDs = make([]string, 100)
			for i := range r.ResourceIDs {
				r.ResourceIDs[i] = fmt.Sprintf("i-%017d", i)
			}
			r.ResourceIDsTruncated = 250
		}))
	}
	req := billingRequest(input(nil), space(), records...)
	objs := map[resource.Name]runtime.Object{"resource-quota": quota(
		map[string]string{"requests.cpu": "8", "requests.memory": "16Gi", "requests.storage": "100Gi"},
		map[string]string{"requests.cpu": "6500m", "requests.memory": "12Gi"},
	)}
	for i := range 40 {
		objs[resource.Name(fmt.Sprintf("nat-%02d", i))] = natGateway("2026-10-14T09:00:00Z", fmt.Sprintf("i-%017d", i*3))
	}
	req.Observed.Resources = map[string]*fnv1.Resource{}
	for name, o := range observedOf(b, objs) {
		req.Observed.Resources[string(name)] = &fnv1.Resource{Resource: xfntest.MustStruct(o.Resource.Object)}
	}
	f := &Function{log: logging.NewNopLogger(), clock: func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }}
	b.ReportAllocs()
	for b.Loop() {
		rsp, err := f.RunFunction(b.Context(), req)
		if err != nil || len(rsp.GetConditions()) != 5 {
			b.Fatalf("RunFunction(...): %v, %d conditions", err, len(rsp.GetConditions()))
		}
	}
}
