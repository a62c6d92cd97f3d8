package notify

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// MaxContributors is how many services and resources a ticket lists as the
// top cost contributors.
const MaxContributors = 5

// Ticket is what a channel is told: the same content for every channel.
type Ticket struct {
	// Key is the idempotency key (see Key).
	Key string
	// Kind, Level and Period of the ticket.
	Kind   string
	Level  Level
	Period string
	// Reason and Message of the condition.
	Reason  string
	Message string

	Space       string
	Team        string
	Owner       string
	Environment string
	Claim       *ClaimRef

	// Figures of status.billing and the budget, in a stable order.
	Figures []Figure
	// TopServices and TopResources are the largest billed costs of the
	// spend record, largest first.
	TopServices  []Contributor
	TopResources []Contributor

	// ClaimURL links to the claim; Describe is the kubectl command that
	// shows it.
	ClaimURL string
	Describe string
}

// Figure is one labelled amount.
type Figure struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Contributor is one service or resource and its billed cost.
type Contributor struct {
	Name       string `json:"name"`
	BilledCost string `json:"billedCost"`
}

// Note is an update to a ticket: a comment when the state worsens, and the
// resolution.
type Note struct {
	// Op is OpComment or OpResolve.
	Op string
	// Key is the idempotency key of the note: the ticket's key, the
	// operation and, for a comment, the level it tells of.
	Key string
	// Title is one line; Text the rest.
	Title string
	Text  string
}

// Label returns the short, label-safe digest of a key that channels
// search tickets by: "cloudspace-" and 24 hex digits.
func Label(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "cloudspace-" + hex.EncodeToString(sum[:])[:24]
}

// What names a kind and level for people.
func What(kind string, l Level) string {
	switch kind {
	case v1alpha1.KindBudget:
		switch l {
		case Critical:
			return "Budget exceeded"
		case Warning:
			return "Budget at risk"
		case Unknown, Healthy:
		}
		return "Budget"
	case v1alpha1.KindDrift:
		return "Cost drifted from the estimate"
	case v1alpha1.KindStale:
		return "Billing data stale or unusable"
	}
	return kind
}

// Title is the one line summary of a ticket.
func (t *Ticket) Title() string {
	return fmt.Sprintf("[CloudSpace] %s: %s (%s)", What(t.Kind, t.Level), t.Who(), t.Period)
}

// Who names the space for people: the claim's namespace and name, or the
// XCloudSpace's name.
func (t *Ticket) Who() string {
	if t.Claim != nil {
		return t.Claim.Namespace + "/" + t.Claim.Name
	}
	return t.Space
}

// Facts are the labelled facts of a ticket, in order.
func (t *Ticket) Facts() []Figure {
	fs := []Figure{
		{"Space", t.Space},
		{"Team", t.Team},
		{"Owner", t.Owner},
		{"Environment", t.Environment},
		{"Period", t.Period},
		{"Condition", t.Reason},
	}
	return slices.DeleteFunc(fs, func(f Figure) bool { return f.Value == "" })
}

// Text renders the ticket as plain text: its message, facts, figures, top
// contributors and links.
func (t *Ticket) Text() string {
	var b strings.Builder
	if t.Message != "" {
		b.WriteString(t.Message + "\n\n")
	}
	for _, f := range t.Facts() {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	if len(t.Figures) > 0 {
		b.WriteString("\nFigures:\n")
		for _, f := range t.Figures {
			fmt.Fprintf(&b, "- %s: %s\n", f.Name, f.Value)
		}
	}
	for _, s := range []struct {
		title string
		cs    []Contributor
	}{{"Top services", t.TopServices}, {"Top resources", t.TopResources}} {
		if len(s.cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", s.title)
		for _, c := range s.cs {
			fmt.Fprintf(&b, "- %s: %s\n", c.Name, c.BilledCost)
		}
	}
	b.WriteString("\n")
	if t.ClaimURL != "" {
		fmt.Fprintf(&b, "Claim: %s\n", t.ClaimURL)
	}
	if t.Describe != "" {
		fmt.Fprintf(&b, "Inspect: %s\n", t.Describe)
	}
	fmt.Fprintf(&b, "Ticket key: %s\n", t.Key)
	return b.String()
}

// Worsened is the comment on a ticket whose state worsened from one level
// to another.
func Worsened(t *Ticket, from Level) Note {
	return Note{
		Op: v1alpha1.OpComment, Key: t.Key + "/comment/" + t.Level.String(),
		Title: fmt.Sprintf("Worsened: %s, was %s", What(t.Kind, t.Level), strings.ToLower(What(t.Kind, from))),
		Text:  t.Text(),
	}
}

// Resolved is the resolution of a ticket, for a reason.
func Resolved(t *Ticket, reason string) Note {
	n := Note{Op: v1alpha1.OpResolve, Key: t.Key + "/resolve"}
	switch reason {
	case ReasonMonthEnded:
		n.Title = fmt.Sprintf("Resolved: the billing month %s has ended", t.Period)
	case ReasonSpaceDeleted:
		n.Title = fmt.Sprintf("Resolved: the space %s was deleted", t.Space)
	default:
		n.Title = "Resolved: " + strings.ToLower(What(t.Kind, Healthy)) + " is healthy again"
		if t.Message != "" {
			n.Text = t.Message
		}
	}
	return n
}

// FullText is the note's title and text.
func (n Note) FullText() string {
	if n.Text == "" {
		return n.Title
	}
	return n.Title + "\n\n" + n.Text
}

// ClaimURL fills a claim URL template: {namespace}, {name}, {space} and
// {team}, each escaped as a path segment.
func ClaimURL(tmpl string, s *Space) string {
	if tmpl == "" {
		return ""
	}
	ns, name := "", s.Name
	if s.Claim != nil {
		ns, name = s.Claim.Namespace, s.Claim.Name
	}
	return strings.NewReplacer(
		"{namespace}", url.PathEscape(ns), "{name}", url.PathEscape(name),
		"{space}", url.PathEscape(s.Name), "{team}", url.PathEscape(s.Team),
	).Replace(tmpl)
}

// Describe is the kubectl command that shows a space.
func Describe(s *Space) string {
	if s.Claim != nil {
		return fmt.Sprintf("kubectl describe cloudspace -n %s %s", s.Claim.Namespace, s.Claim.Name)
	}
	return "kubectl describe xcloudspace " + s.Name
}

// Figures lists a space's billing figures.
func Figures(s *Space) []Figure {
	var fs []Figure
	add := func(name, v, unit string) {
		if v != "" {
			fs = append(fs, Figure{name, strings.TrimSpace(v + " " + unit)})
		}
	}
	add("Monthly budget", s.Limit, s.Currency)
	if b := s.Billing; b != nil {
		cur := cmp.Or(b.Currency, s.Currency)
		add("Billed to date", b.BilledToDate, cur)
		add("Effective to date", b.EffectiveToDate, cur)
		add("Forecast", b.Forecast, cur)
		add("Budget used", b.BudgetUsedPercent, "%")
		add("Forecast of budget", b.ForecastPercent, "%")
		add("Drift from estimate", b.DriftPercent, "%")
		add("Orphan spend", b.OrphanSpend, cur)
		add("Unused capacity cost", b.UnusedCapacityCost, cur)
		add("Data through", b.DataThrough, "")
	}
	if e := s.Estimate; e != nil {
		add("Estimate", e.Monthly, e.Currency)
	}
	return fs
}

// Contributors returns the services and resources of a spend record with
// the largest billed cost, at most MaxContributors of each, largest first
// (ties by name). Amounts are compared exactly.
func Contributors(r *billingv1alpha1.SpendRecord) (services, resources []Contributor) {
	if r == nil {
		return nil, nil
	}
	for _, s := range r.CostByService {
		services = append(services, Contributor{Name: s.Service, BilledCost: exact(s.BilledCost) + " " + r.Currency})
	}
	for _, c := range r.CostByResource {
		resources = append(resources, Contributor{Name: c.ResourceID, BilledCost: exact(c.BilledCost) + " " + r.Currency})
	}
	return top(services), top(resources)
}

// exact formats an exact amount with at least two fraction digits and no
// rounding, as status.billing does.
func exact(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	if d.Exponent() >= -2 {
		return d.StringFixed(2)
	}
	return d.String()
}

func top(cs []Contributor) []Contributor {
	amount := func(c Contributor) decimal.Decimal {
		v, _, _ := strings.Cut(c.BilledCost, " ")
		d, err := decimal.NewFromString(v)
		if err != nil {
			return decimal.Zero
		}
		return d
	}
	slices.SortStableFunc(cs, func(a, b Contributor) int {
		if c := amount(b).Cmp(amount(a)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return cs[:min(len(cs), MaxContributors)]
}
