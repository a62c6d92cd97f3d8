package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
)

func TestNotifyFlags(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "from-env")
	_, c := parse(t, "controller", "--source", fixture, "--notify", "--notify-claim-url", "https://c.example/{namespace}/{name}", "--notify-timeout", "3s")
	want := NotifyFlags{
		Notify: true, NotifyConfigNamespace: "from-env", NotifyClaimURL: "https://c.example/{namespace}/{name}",
		NotifyTeamLabel: "platform.cloudspace.dev/team", NotifyTimeout: 3 * time.Second, NotifyRetryFor: 2 * time.Minute,
	}
	if diff := cmp.Diff(want, c.Controller.NotifyFlags); diff != "" {
		t.Errorf("flags: -want, +got:\n%s", diff)
	}
	if ns, err := c.Controller.namespace(); err != nil || ns != "from-env" {
		t.Errorf("namespace(): %q, %v", ns, err)
	}
	_, c = parse(t, "controller", "--source", fixture)
	if c.Controller.Notify {
		t.Errorf("notifications must be off by default")
	}
	if err := c.Controller.setup(nil, logr.Discard()); err != nil {
		t.Errorf("setup() without --notify: %v", err)
	}
	_, c = parse(t, "controller", "--source", fixture, "--notify", "--notify-retry-for", "1s")
	if err := c.Controller.setup(nil, logr.Discard()); err == nil || !strings.Contains(err.Error(), "--notify-retry-for 1s must be at least --notify-timeout 10s") {
		t.Errorf("setup() with a retry shorter than a request: %v", err)
	}
}
