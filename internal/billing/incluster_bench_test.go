package billing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// splitExport generates a CUR with EKS split cost allocation data: the
// given number of nodes, for the given number of hours, each node with the
// given number of pods of ten tenant namespaces and kube-system, two split
// rows (vCPU, memory) per pod and hour.
func splitExport(nodes, hours, pods int) []byte {
	var b strings.Builder
	b.WriteString(splitHeader)
	for h := range hours {
		start := fmt.Sprintf("2026-11-%02dT%02d:00:00Z", 1+h/24, h%24)
		end := fmt.Sprintf("2026-11-%02dT%02d:00:00Z", 1+(h+1)/24, (h+1)%24)
		row := func(usage, resource, cost, parent, split, unused, reserved string) {
			b.WriteString("2026-11-01T00:00:00Z,222222222222,Usage," + start + "," + end + "," + usage + "," + resource + "," + cost + ",USD,{}," +
				parent + "," + split + "," + unused + "," + reserved + "\n")
		}
		for n := range nodes {
			node := fmt.Sprintf("i-%017x", n)
			row("EUW1-BoxUsage:m6i.2xlarge", node, "0.384", "", "", "", "")
			for p := range pods {
				ns := "kube-system"
				if p%11 != 10 {
					ns = fmt.Sprintf("tenant-%d", p%11)
				}
				arn := fmt.Sprintf("arn:aws:eks:eu-west-1:222222222222:pod/shared-eu/%s/pod-%d-%d/uid-%d", ns, n, p, h)
				row("EUW1-EKS-EC2-vCPU-Hours", arn, "0", node, "0.0221538461", "0.0073846153", "0.5")
				row("EUW1-EKS-EC2-GB-Hours", arn, "0", node, "0.0049230769", "0.0012307692", "2")
			}
		}
	}
	return []byte(b.String())
}

// BenchmarkIngestSplit ingests a split cost export of about 200 000 rows
// without in-cluster attribution (no namespace maps to a space: the rows
// are read and summed as any), and with it under each idle policy.
func BenchmarkIngestSplit(b *testing.B) {
	data := splitExport(100, 48, 20)
	rows := strings.Count(string(data), "\n") - 1
	namespaces := map[string]string{}
	for i := range 10 {
		namespaces[fmt.Sprintf("tenant-%d", i)] = fmt.Sprintf("team-%d", i)
	}
	for _, bc := range []struct {
		name string
		ic   InCluster
	}{
		{"NoNamespaces", InCluster{}},
		{"IdleNone", InCluster{Namespaces: namespaces, IdlePolicy: v1alpha1.IdleNone}},
		{"IdleSplit", InCluster{Namespaces: namespaces, IdlePolicy: v1alpha1.IdleSplit}},
		{"IdleRequests", InCluster{Namespaces: namespaces, IdlePolicy: v1alpha1.IdleRequests}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Ingest(b.Context(), []Source{bytesSource{name: "split.csv", b: data}}, Options{InCluster: bc.ic, NoDigest: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
