package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/manager/signals"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

// LeaderElectionID is the name of the lease the controller replicas share.
const LeaderElectionID = "cloudspace-billing-ingester"

// ControllerCmd re-ingests its sources on a schedule and writes the spend
// records, each run replacing the records of its --scope in the periods it
// reads, on a controller-runtime manager with leader election and
// Prometheus metrics (cloudspace_billing_rows_total, _bytes_total,
// _errors_total, _records_total, _last_success_timestamp_seconds,
// _ingest_duration_seconds, and the summary of the last successful run,
// _last_run_rows{kind} and _last_run_cost{kind,currency};
// cloudspace_ingest_runs_total and
// cloudspace_ingest_last_success_timestamp_seconds; the per-space gauges of
// billing.SpendMetrics) on the manager's metrics endpoint.
type ControllerCmd struct {
	Options `embed:""`

	Sources                 []string      `name:"source" required:"" help:"Export to re-ingest on every run: a path, a directory, an http(s):// URL, an s3://bucket/key URL or an s3://bucket/prefix/ (directories and prefixes are listed afresh every run, manifests honoured, as ingest does). Repeat for more."`
	Interval                time.Duration `default:"1h" help:"Time between ingest runs."`
	LeaderElection          bool          `default:"true" negatable:"" help:"Run only on the replica holding the lease."`
	LeaderElectionNamespace string        `env:"POD_NAMESPACE" help:"Namespace of the lease; the pod's own namespace when empty."`
	MetricsBindAddress      string        `default:":8080" help:"Address of the Prometheus metrics endpoint; 0 disables it."`
	HealthProbeBindAddress  string        `default:":8081" help:"Address of the health probes."`

	// notify: budget notifications (internal/notify), off unless --notify.
	NotifyFlags `embed:""`
}

// Validate checks the flags.
func (c *ControllerCmd) Validate() error {
	if c.Interval < time.Minute {
		return fmt.Errorf("cannot run controller: --interval %s is shorter than 1m", c.Interval)
	}
	if len(c.Sources) == 0 {
		return errors.New("cannot run controller: no --source")
	}
	return c.validateScope("controller")
}

// Run starts the manager and blocks until SIGTERM or SIGINT.
func (c *ControllerCmd) Run() error {
	return c.run(signals.SetupSignalHandler())
}

func (c *ControllerCmd) run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	log := c.logger()
	opts, err := c.ingestOptions(log)
	if err != nil {
		return err
	}
	cfg, err := c.restConfig()
	if err != nil {
		return fmt.Errorf("cannot load kubeconfig: %w", err)
	}
	mgr, err := manager.New(cfg, manager.Options{
		Logger:                  log,
		LeaderElection:          c.LeaderElection,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: c.LeaderElectionNamespace,
		Metrics:                 metricsserver.Options{BindAddress: c.MetricsBindAddress},
		HealthProbeBindAddress:  c.HealthProbeBindAddress,
	})
	if err != nil {
		return fmt.Errorf("cannot create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add readiness check: %w", err)
	}
	s, err := c.scheduler(opts, &billing.Writer{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scope: c.Scope}, ctrlmetrics.Registry)
	if err != nil {
		return err
	}
	if err := mgr.Add(s); err != nil {
		return fmt.Errorf("cannot add scheduler: %w", err)
	}
	// notify: mount the notifier when --notify is set.
	if err := c.setup(mgr, log); err != nil {
		return err
	}
	log.Info("Starting billing controller", "scope", c.Scope, "sources", len(c.Sources), "interval", c.Interval.String(), "pid", os.Getpid())
	return mgr.Start(ctx)
}

func (c *ControllerCmd) scheduler(opts billing.Options, w *billing.Writer, reg prometheus.Registerer) (*billing.Scheduler, error) {
	m, err := billing.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("cannot register metrics: %w", err)
	}
	sm, err := billing.NewSpendMetrics(ctrlmetrics.Registry, billing.SpacesFrom(w.Client), nil)
	if err != nil {
		return nil, fmt.Errorf("cannot register spend metrics: %w", err)
	}
	var namespaces func(ctx context.Context) (map[string]string, []string, error)
	if c.NamespacesFromCluster {
		// The API reader lists afresh every run, as the writer plans: no
		// informer, so list is all the RBAC it needs.
		var r client.Reader = w.Client
		if w.Reader != nil {
			r = w.Reader
		}
		namespaces = billing.NamespacesFrom(r)
	}
	return &billing.Scheduler{
		Namespaces: namespaces,
		Spend:      sm,
		Sources:    func(ctx context.Context) ([]billing.Source, error) { return c.sources(ctx, c.Sources) },
		Options:    opts,
		Writer:     w,
		Interval:   c.Interval,
		Metrics:    m,
		Log:        opts.Log,
	}, nil
}
