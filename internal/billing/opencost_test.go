package billing

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// openCostDays is an answer of /allocation/compute?aggregate=namespace&step=1d
// in the documented shape: two daily sets of namespaces, with OpenCost's
// idle and unallocated allocations, figures as OpenCost prints them (a
// float's shortest text, an exponent).
const openCostDays = `{
  "code": 200,
  "status": "success",
  "data": [
    {
      "tenant-team-a": {
        "name": "tenant-team-a",
        "properties": {"cluster": "onprem-1", "namespace": "tenant-team-a"},
        "window": {"start": "2026-11-03T00:00:00Z", "end": "2026-11-04T00:00:00Z"},
        "start": "2026-11-03T00:00:00Z", "end": "2026-11-04T00:00:00Z", "minutes": 1440,
        "cpuCores": 2.5, "cpuCoreRequestAverage": 2, "cpuCoreUsageAverage": 1.5,
        "ramByteRequestAverage": 4294967296, "ramByteUsageAverage": 2147483648,
        "cpuCost": 1.9, "gpuCost": 0, "ramCost": 0.41, "pvCost": 0.1, "networkCost": 0,
        "loadBalancerCost": 0, "sharedCost": 0, "externalCost": 0, "totalCost": 2.41
      },
      "kube-system": {
        "name": "kube-system",
        "properties": {"cluster": "onprem-1", "namespace": "kube-system"},
        "window": {"start": "2026-11-03T00:00:00Z", "end": "2026-11-04T00:00:00Z"},
        "minutes": 1440, "cpuCoreRequestAverage": 0.5, "cpuCoreUsageAverage": 0.5,
        "ramByteRequestAverage": 1073741824, "ramByteUsageAverage": 2147483648,
        "cpuCost": 0.1, "ramCost": 0.2, "totalCost": 0.30000000000000004
      },
      "__idle__": {
        "name": "__idle__",
        "properties": {"cluster": "onprem-1"},
        "window": {"start": "2026-11-03T00:00:00Z", "end": "2026-11-04T00:00:00Z"},
        "cpuCost": 3.2, "ramCost": 0.8, "totalCost": 4
      }
    },
    {
      "tenant-team-a": {
        "name": "tenant-team-a",
        "properties": {"cluster": "onprem-1", "namespace": "tenant-team-a"},
        "window": {"start": "2026-11-04T00:00:00Z", "end": "2026-11-05T00:00:00Z"},
        "cpuCost": 2.2, "ramCost": 0.38999999999999996, "totalCost": 2.59
      },
      "tenant-team-b": {
        "name": "tenant-team-b",
        "properties": {"cluster": "onprem-1", "namespace": "tenant-team-b"},
        "window": {"start": "2026-11-04T00:00:00Z", "end": "2026-11-05T00:00:00Z"},
        "cpuCost": 0.00001, "ramCost": 5e-06, "totalCost": 1.5e-05
      },
      "__unallocated__": {
        "name": "__unallocated__",
        "properties": {"cluster": "onprem-1"},
        "window": {"start": "2026-11-04T00:00:00Z", "end": "2026-11-05T00:00:00Z"},
        "totalCost": 0.25
      }
    }
  ]
}`

// TestOpenCost ingests OpenCost's allocation API from a loopback server
// answering with the documented shape.
func TestOpenCost(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		switch r.URL.Path {
		case "/allocation/compute":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(openCostDays))
		case "/bad":
			_, _ = w.Write([]byte(`{"code": 400, "message": "window is required"}`))
		case "/badcost":
			_, _ = w.Write([]byte(`{"code": 200, "data": [{"x": {"window": {"start": "2026-11-03T00:00:00Z", "end": "2026-11-04T00:00:00Z"}, "totalCost": null}, "y": {"window": {"start": "yesterday"}, "totalCost": 1}}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	parse := func(t *testing.T, u string) []Source {
		t.Helper()
		srcs, err := ParseSource(t.Context(), u, SourceOptions{HTTP: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		return srcs
	}
	ns := InCluster{Namespaces: map[string]string{"tenant-team-a": "team-a", "onprem-1/tenant-team-b": "team-b"}}

	t.Run("Allocations", func(t *testing.T) {
		u := OpenCostScheme + srv.URL + "/allocation/compute?window=month&aggregate=namespace&step=1d"
		res, err := Ingest(t.Context(), parse(t, u), Options{InCluster: ns, OpenCostCurrency: "EUR", NoDigest: true})
		if err != nil {
			t.Fatalf("Ingest(%q): %v", u, err)
		}
		if query != "window=month&aggregate=namespace&step=1d" {
			t.Errorf("Ingest(%q): the query sent was %q", u, query)
		}
		src := []v1alpha1.Source{{URI: u, Format: "opencost"}}
		want := []v1alpha1.SpendRecord{
			{
				Space: "team-a", Period: "2026-11", Currency: "EUR", BilledCost: "5", EffectiveCost: "5", ListCost: "5", Rows: 2,
				CostByService: []v1alpha1.ServiceCost{{Service: openCostService, BilledCost: "5", EffectiveCost: "5"}},
				CostByDay: []v1alpha1.DayCost{
					{Day: "2026-11-03", BilledCost: "2.41", EffectiveCost: "2.41"},
					{Day: "2026-11-04", BilledCost: "2.59", EffectiveCost: "2.59"},
				},
				FirstChargePeriodStart: "2026-11-03T00:00:00Z", LastChargePeriodEnd: "2026-11-05T00:00:00Z", Sources: src,
				InCluster: &v1alpha1.InClusterCost{BilledCost: "5", EffectiveCost: "5", ListCost: "5", IdleCost: "0", IdlePolicy: "none", Rows: 2, Namespaces: []string{"tenant-team-a"}},
				Cloud:     &v1alpha1.CostShare{BilledCost: "0", EffectiveCost: "0", ListCost: "0"},
			},
			{
				Space: "team-b", Period: "2026-11", Currency: "EUR", BilledCost: "0.000015", EffectiveCost: "0.000015", ListCost: "0.000015", Rows: 1,
				CostByService:          []v1alpha1.ServiceCost{{Service: openCostService, BilledCost: "0.000015", EffectiveCost: "0.000015"}},
				CostByDay:              []v1alpha1.DayCost{{Day: "2026-11-04", BilledCost: "0.000015", EffectiveCost: "0.000015"}},
				FirstChargePeriodStart: "2026-11-04T00:00:00Z", LastChargePeriodEnd: "2026-11-05T00:00:00Z", Sources: src,
				InCluster: &v1alpha1.InClusterCost{BilledCost: "0.000015", EffectiveCost: "0.000015", ListCost: "0.000015", IdleCost: "0", IdlePolicy: "none", Rows: 1, Namespaces: []string{"tenant-team-b"}},
				Cloud:     &v1alpha1.CostShare{BilledCost: "0", EffectiveCost: "0", ListCost: "0"},
			},
			{
				// kube-system, idle and unallocated: the cluster's.
				Account: "opencost/onprem-1", Period: "2026-11", Currency: "EUR",
				BilledCost: "4.55000000000000004", EffectiveCost: "4.55000000000000004", ListCost: "4.55000000000000004", Rows: 3,
				CostByService: []v1alpha1.ServiceCost{{Service: openCostService, BilledCost: "4.55000000000000004", EffectiveCost: "4.55000000000000004"}},
				CostByDay: []v1alpha1.DayCost{
					{Day: "2026-11-03", BilledCost: "4.30000000000000004", EffectiveCost: "4.30000000000000004"},
					{Day: "2026-11-04", BilledCost: "0.25", EffectiveCost: "0.25"},
				},
				FirstChargePeriodStart: "2026-11-03T00:00:00Z", LastChargePeriodEnd: "2026-11-05T00:00:00Z", Sources: src,
			},
		}
		if diff := cmp.Diff(want, res.Records, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Ingest(%q): -want +got:\n%s", u, diff)
		}
		if got := res.Files[0].Rows; got != 6 {
			t.Errorf("Ingest(%q): want 6 allocations read, got %d", u, got)
		}
	})

	idleCases := map[string]struct {
		reason        string
		policy        string
		idle, cluster string
	}{
		"IdleByRequests": {
			reason: "The idle cpuCost 3.2 is shared 2:0.5 core-minutes, ramCost 0.8 4:1 GiB-minutes with kube-system: team-a 2.56 + 0.64.",
			policy: v1alpha1.IdleRequests, idle: "3.2", cluster: "1.35000000000000004",
		},
		"IdleByUsage": {
			reason: "By usage the shares are 1.5:0.5 and 2:2: team-a 2.4 + 0.4.",
			policy: v1alpha1.IdleUsage, idle: "2.8", cluster: "1.75000000000000004",
		},
		"IdleSplitIsNone": {
			reason: "The split policy names AWS's allocation: OpenCost's idle stays with the cluster.",
			policy: v1alpha1.IdleSplit, idle: "0", cluster: "4.55000000000000004",
		},
	}
	for name, tc := range idleCases {
		t.Run(name, func(t *testing.T) {
			u := OpenCostScheme + srv.URL + "/allocation/compute?window=month&aggregate=namespace&step=1d"
			o := ns
			o.IdlePolicy = tc.policy
			res, err := Ingest(t.Context(), parse(t, u), Options{InCluster: o})
			if err != nil {
				t.Fatalf("Ingest(%q): %v", u, err)
			}
			got := map[string]string{}
			for _, r := range res.Records {
				switch {
				case r.Space == "team-a":
					got["team-a idle"], got["team-a billed"] = r.InCluster.IdleCost, r.BilledCost
				case r.Account != "":
					got["cluster billed"] = r.BilledCost
				}
			}
			want := map[string]string{
				"team-a idle":    tc.idle,
				"team-a billed":  decimal.RequireFromString("5").Add(decimal.RequireFromString(tc.idle)).String(),
				"cluster billed": tc.cluster,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nIngest(%q): -want +got:\n%s", tc.reason, u, diff)
			}
		})
	}

	errCases := map[string]struct {
		reason string
		path   string
		want   string
	}{
		"ErrorCode": {
			reason: "An answer with an error code fails the source.",
			path:   "/bad?window=",
			want:   `cannot ingest "opencost+` + srv.URL + `/bad?window=": cannot read allocations: OpenCost answered code 400: window is required`,
		},
		"BadAllocations": {
			reason: "Every bad allocation is named.",
			path:   "/badcost",
			want:   `cannot ingest "opencost+` + srv.URL + `/badcost": cannot read allocations: set 0 allocation "x": no totalCost; set 0 allocation "y": window start "yesterday": must be an RFC 3339 time`,
		},
	}
	for name, tc := range errCases {
		t.Run(name, func(t *testing.T) {
			u := OpenCostScheme + srv.URL + tc.path
			_, err := Ingest(t.Context(), parse(t, u), Options{InCluster: ns})
			if got := errString(err); got != tc.want {
				t.Errorf("%s\nIngest(%q): want error\n%q\ngot\n%q", tc.reason, u, tc.want, got)
			}
		})
	}
}

// FuzzOpenCost reads arbitrary answers: an answer read without error sums
// to the totalCost of its allocations, as decimal reads them.
func FuzzOpenCost(f *testing.F) {
	f.Add([]byte(openCostDays))
	f.Add([]byte(`{"code": 200, "data": [{"a": {"window": {"start": "2026-11-30T23:00:00+02:00", "end": "2026-12-01T00:00:00Z"}, "totalCost": -1e-3}}]}`))
	f.Add([]byte(`{"code": 200, "data": []}`))
	cfg, err := newInClusterConfig(InCluster{Namespaces: map[string]string{"a": "team-a"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agg := newAggregate(10)
		if _, err := readOpenCost(b, cfg, "USD", agg); err != nil {
			return
		}
		var rsp struct {
			Data []map[string]*struct {
				TotalCost *json.Number `json:"totalCost"`
			} `json:"data"`
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&rsp); err != nil {
			t.Fatalf("readOpenCost read what encoding/json cannot: %v", err)
		}
		want := decimal.Zero
		for _, set := range rsp.Data {
			for _, a := range set {
				if a != nil && a.TotalCost != nil {
					want = want.Add(decimal.RequireFromString(a.TotalCost.String()))
				}
			}
		}
		got := decimal.Zero
		for _, r := range agg.records(nil) {
			got = got.Add(decimal.RequireFromString(r.BilledCost))
		}
		if !got.Equal(want) {
			t.Fatalf("readOpenCost: records sum to %s, the allocations to %s", got, want)
		}
	})
}
