package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
	"github.com/cloudspace-dev/cloudspace/internal/report"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// ReportCmd draws the spend of spaces or teams by day against their budget
// and forecast, and their top services: as text, and as SVG and PNG files.
type ReportCmd struct {
	Records string `type:"path" help:"Spend records from a file: the JSON of ingest --dry-run -o json, or EnvironmentConfigs (kubectl get environmentconfigs -l billing.cloudspace.dev/record=spend -o yaml). Without it the records and the XCloudSpaces are read from the cluster."`
	Spaces  string `type:"path" help:"XCloudSpaces for --records (kubectl get xcloudspaces -o yaml): their teams and budgets. Without it a file's spend has no team and no budget."`

	By     string `default:"space" enum:"space,team" help:"One series per space or per team."`
	Space  string `help:"Only this space: the XCloudSpace's name, its claim's name or namespace/claim."`
	Team   string `help:"Only the spaces of this team."`
	Period string `help:"Billing period, YYYY-MM. Default: the month of --now, else the latest period of the records."`
	Now    string `help:"Draw as of this instant, RFC 3339 or YYYY-MM-DD (00:00 UTC): spend is cut at it, and a now after the data shows its age. Default: the end of the latest charge in the records, so the same records always draw the same."`
	Top    int    `default:"6" help:"Services listed; the rest are summed as one."`

	SVG string `name:"svg" type:"path" help:"Write the picture as SVG to this file."`
	PNG string `name:"png" type:"path" help:"Write the picture as PNG to this file."`
	Out string `type:"path" help:"Write the picture as <name>.svg and <name>.png into this directory, named after what it shows: space-<space>, team-<team>, spaces or teams."`

	Kubeconfig string `type:"path" help:"Kubeconfig file; else $KUBECONFIG, ~/.kube/config or the in-cluster configuration."`

	// Set by tests; nil means the real thing.
	Stdout    io.Writer                     `kong:"-"`
	Stderr    io.Writer                     `kong:"-"`
	NewClient func() (client.Client, error) `kong:"-"`
}

// Run draws the report.
func (c *ReportCmd) Run() error {
	return c.run(context.Background())
}

func (c *ReportCmd) run(ctx context.Context) error {
	o := report.Options{By: report.By(c.By), Space: c.Space, Team: c.Team, Period: c.Period, TopServices: c.Top}
	if c.Now != "" {
		now, err := parseNow(c.Now)
		if err != nil {
			return err
		}
		o.Now = now
	}
	records, spaces, err := c.read(ctx)
	if err != nil {
		return err
	}
	r, err := report.Build(records, spaces, o)
	if err != nil {
		return err
	}
	out := &Options{Stdout: c.Stdout, Stderr: c.Stderr}
	if err := r.Text(out.stdout()); err != nil {
		return err
	}
	svg, png := c.SVG, c.PNG
	if c.Out != "" {
		if err := os.MkdirAll(c.Out, 0o750); err != nil {
			return fmt.Errorf("cannot create %q: %w", c.Out, err)
		}
		svg, png = filepath.Join(c.Out, r.Name()+".svg"), filepath.Join(c.Out, r.Name()+".png")
	}
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{svg, r.SVG}, {png, r.PNG}} {
		if f.path == "" {
			continue
		}
		if err := writeFile(f.path, f.write); err != nil {
			return err
		}
		fmt.Fprintf(out.stderr(), "wrote %s\n", f.path)
	}
	return nil
}

// parseNow reads an RFC 3339 time or a YYYY-MM-DD date.
func parseNow(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot parse --now %q: must be an RFC 3339 time or a YYYY-MM-DD date", s)
	}
	return t, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil { //nolint:gosec // A picture is for anyone to read.
		return fmt.Errorf("cannot write %q: %w", path, err)
	}
	return nil
}

// read reads the records and the spaces from the files, or from the
// cluster when no records file is named.
func (c *ReportCmd) read(ctx context.Context) ([]billingv1alpha1.SpendRecord, []spend.Space, error) {
	if c.Records == "" {
		kc, err := (&Options{Kubeconfig: c.Kubeconfig, NewClient: c.NewClient}).client()
		if err != nil {
			return nil, nil, err
		}
		records, err := billing.ListRecords(ctx, kc)
		if err != nil {
			return nil, nil, err
		}
		xrs, err := billing.ListSpaces(ctx, kc)
		if err != nil {
			return nil, nil, err
		}
		return records, spacesOf(xrs), nil
	}
	b, err := os.ReadFile(c.Records)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read records: %w", err)
	}
	records, err := parseRecords(b)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read records from %q: %w", c.Records, err)
	}
	if c.Spaces == "" {
		return records, nil, nil
	}
	b, err = os.ReadFile(c.Spaces)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read spaces: %w", err)
	}
	xrs, err := parseSpaces(b)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read spaces from %q: %w", c.Spaces, err)
	}
	return records, spacesOf(xrs), nil
}

func spacesOf(xrs []v1alpha1.XCloudSpace) []spend.Space {
	out := make([]spend.Space, len(xrs))
	for i := range xrs {
		out[i] = spend.SpaceOf(&xrs[i])
	}
	return out
}

// parseRecords reads spend records: the object ingest --dry-run -o json
// prints (its records; the summary is not needed), a JSON array of them, or
// in YAML or JSON an EnvironmentConfig or a List of them, whose data are the
// records.
func parseRecords(b []byte) ([]billingv1alpha1.SpendRecord, error) {
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	j = bytes.TrimSpace(j)
	if bytes.HasPrefix(j, []byte("[")) {
		var rs []billingv1alpha1.SpendRecord
		if err := json.Unmarshal(j, &rs); err != nil {
			return nil, err
		}
		return rs, nil
	}
	var obj struct {
		Kind    string                        `json:"kind"`
		Data    json.RawMessage               `json:"data"`
		Items   []json.RawMessage             `json:"items"`
		Records []billingv1alpha1.SpendRecord `json:"records"`
	}
	if err := json.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	if obj.Kind == "" && obj.Records != nil {
		return obj.Records, nil
	}
	if obj.Kind != "List" && !strings.HasSuffix(obj.Kind, "List") {
		if obj.Data == nil {
			return nil, errors.New("neither a JSON array of spend records nor an EnvironmentConfig or a List of them")
		}
		obj.Items = []json.RawMessage{j}
	}
	out := make([]billingv1alpha1.SpendRecord, 0, len(obj.Items))
	for i, item := range obj.Items {
		var o struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Data billingv1alpha1.SpendRecord `json:"data"`
		}
		if err := json.Unmarshal(item, &o); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		if o.Kind != billingv1alpha1.RecordKind {
			return nil, fmt.Errorf("item %d: kind %q: must be %s", i, o.Kind, billingv1alpha1.RecordKind)
		}
		if l := o.Metadata.Labels[billingv1alpha1.LabelRecord]; l != "" && l != billingv1alpha1.RecordSpend {
			continue
		}
		out = append(out, o.Data)
	}
	return out, nil
}

// parseSpaces reads XCloudSpaces from YAML or JSON: objects, Lists of
// them, or several documents.
func parseSpaces(b []byte) ([]v1alpha1.XCloudSpace, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []v1alpha1.XCloudSpace
	for {
		var doc struct {
			Kind  string                 `json:"kind"`
			Items []v1alpha1.XCloudSpace `json:"items"`
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] == '[' {
			return nil, errors.New("a JSON array: must be XCloudSpaces or a List of them")
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		switch {
		case strings.HasSuffix(doc.Kind, "List"):
			out = append(out, doc.Items...)
		case doc.Kind == v1alpha1.CompositeKind:
			var xr v1alpha1.XCloudSpace
			if err := json.Unmarshal(raw, &xr); err != nil {
				return nil, err
			}
			out = append(out, xr)
		default:
			return nil, fmt.Errorf("kind %q: must be %s or a List of them", doc.Kind, v1alpha1.CompositeKind)
		}
	}
}
