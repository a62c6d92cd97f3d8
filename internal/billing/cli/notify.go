package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/cloudspace-dev/cloudspace/internal/notify"
)

// serviceAccountNamespace is where a pod finds its own namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// NotifyFlags are the controller's flags of budget notifications: with
// --notify it watches XCloudSpaces and opens, updates and resolves tickets
// on the channels each team's EnvironmentConfig names (package notify).
type NotifyFlags struct {
	Notify                bool          `help:"Open, update and resolve tickets (Jira, Feishu, webhook) when a space's budget, cost drift or billing data goes wrong, on the channels of its team's EnvironmentConfig (data.notifications)."`
	NotifyConfigNamespace string        `name:"notify-config-namespace" env:"POD_NAMESPACE" help:"Namespace of the ticket records (ConfigMaps) and of the channels' credential Secrets; the pod's own namespace when empty."`
	NotifyClaimURL        string        `name:"notify-claim-url" help:"Link to a claim put in every ticket, unless the team's notifications set claimURL; {namespace}, {name}, {space} and {team} are replaced. For example https://console.example.com/spaces/{namespace}/{name}."`
	NotifyTeamLabel       string        `name:"notify-team-label" default:"platform.cloudspace.dev/team" help:"Label that names the team on its EnvironmentConfigs."`
	NotifyTimeout         time.Duration `name:"notify-timeout" default:"10s" help:"Timeout of one request to a channel."`
	NotifyRetryFor        time.Duration `name:"notify-retry-for" default:"2m" help:"How long one ticket operation is retried (exponential backoff with jitter, honouring rate limits) before it is given up into an event and cloudspace_tickets_failed_total, to be tried again later."`
}

// namespace returns the namespace of the ticket records.
func (f *NotifyFlags) namespace() (string, error) {
	if f.NotifyConfigNamespace != "" {
		return f.NotifyConfigNamespace, nil
	}
	if b, err := os.ReadFile(serviceAccountNamespace); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	return "", errors.New("cannot run controller: --notify needs --notify-config-namespace, POD_NAMESPACE or an in-cluster service account")
}

// setup mounts the notifier on the manager when --notify is set.
func (f *NotifyFlags) setup(mgr manager.Manager, log logr.Logger) error {
	if !f.Notify {
		return nil
	}
	if f.NotifyTimeout <= 0 || f.NotifyRetryFor < f.NotifyTimeout {
		return fmt.Errorf("cannot run controller: --notify-retry-for %s must be at least --notify-timeout %s, which must be positive", f.NotifyRetryFor, f.NotifyTimeout)
	}
	ns, err := f.namespace()
	if err != nil {
		return err
	}
	if err := notify.Setup(mgr, notify.Options{
		Namespace: ns, TeamLabel: f.NotifyTeamLabel, ClaimURL: f.NotifyClaimURL,
		Policy:   notify.Policy{Timeout: f.NotifyTimeout, MaxElapsed: f.NotifyRetryFor},
		HTTP:     &http.Client{Transport: http.DefaultTransport},
		Registry: ctrlmetrics.Registry, Log: log,
	}); err != nil {
		return fmt.Errorf("cannot set up notifications: %w", err)
	}
	log.Info("Notifications on", "namespace", ns)
	return nil
}
