package xfn_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// A function's RunFunction: decode the XR leniently, desire typed objects
// under stable names with readiness from observed state, report a
// condition that emits an event only when it changes.
func Example() {
	if err := corev1.AddToScheme(composed.Scheme); err != nil {
		panic(err)
	}
	req := xfntest.Request(
		xfntest.WithObservedComposite(map[string]any{
			"apiVersion": "example.org/v1", "kind": "XApp",
			"metadata": map[string]any{"name": "app-1"},
			"spec":     map[string]any{"team": "payments"},
		}),
		xfntest.WithObserved("namespace", &corev1.Namespace{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "payments"},
		}),
	)
	rsp := response.To(req, response.DefaultTTL)

	var xr struct {
		Spec struct {
			Team string `json:"team"`
		} `json:"spec"`
	}
	if err := xfn.DecodeComposite(req, &xr); err != nil {
		response.Fatal(rsp, err)
	}
	observed := xfn.ObservedOf(req)
	d := xfn.NewDesired(req)
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: xr.Spec.Team}}
	_ = d.Set("namespace", ns, observed.ReadyIfExists("namespace"))
	d.Apply(rsp)

	xfn.SetConditions(rsp, req, xfn.Condition{Type: "TenantReady", Status: xfn.True, Reason: "Available", Message: "namespace payments exists"})

	r := rsp.GetDesired().GetResources()["namespace"]
	fmt.Println(r.GetResource().GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue(), r.GetReady())
	fmt.Println(rsp.GetConditions()[0].GetType(), rsp.GetConditions()[0].GetStatus())
	fmt.Println(len(rsp.GetResults()), "event on the first report")
	// Output:
	// payments READY_TRUE
	// TenantReady STATUS_CONDITION_TRUE
	// 1 event on the first report
}
