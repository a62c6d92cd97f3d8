package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Text layout: a chart of chartRows rows and two columns a day, a table of
// the series and one of the services; at most 100 columns in all.
const (
	chartRows  = 10
	dayColumns = 2
	labelWidth = 8
	barWidth   = 24
)

// Cells of the text chart.
const (
	cellBilled   = '█'
	cellForecast = '░'
	cellBudget   = '-'
)

// money formats an amount to the cent, for display only.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// percentOf is " (p% of budget)", or "" without a budget.
func percentOf(part, budget decimal.Decimal, has bool) string {
	if !has || !budget.IsPositive() {
		return ""
	}
	pct := part.Mul(decimal.NewFromInt(100)).DivRound(budget, 12)
	return " (" + pct.StringFixed(1) + "%)"
}

func pct(part, budget decimal.Decimal, has bool) string {
	if !has || !budget.IsPositive() {
		return "-"
	}
	return part.Mul(decimal.NewFromInt(100)).DivRound(budget, 12).StringFixed(1) + "%"
}

// Title says what the report shows.
func (r *Report) Title() string {
	if len(r.Series) == 1 {
		s := r.Series[0]
		if r.By == ByTeam {
			return fmt.Sprintf("team %s · %s · %s", s.Name, plural(s.Spaces, "space"), r.Period.Name)
		}
		t := "space " + s.Name
		if s.Team != NoTeam {
			t += " · team " + s.Team
		}
		return t + " · " + r.Period.Name
	}
	t := "spend by " + string(r.By)
	if r.Options.Team != "" {
		t += " of team " + r.Options.Team
	}
	return t + " · " + r.Period.Name
}

// Subtitle says how recent the data is.
func (r *Report) Subtitle() string {
	if r.Through.IsZero() {
		return "no charge times in the records"
	}
	s := "data through " + stamp(r.Through)
	if age := r.Now.Sub(r.Through); age > 0 {
		s += fmt.Sprintf(" · now %s, data %s old", stamp(r.Now), duration(age))
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

func duration(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Text writes the report for a terminal: a chart of the total, a table of
// the series and the top services.
func (r *Report) Text(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Title() + "\n" + r.Subtitle() + "\n\n")
	r.chart(&b, r.Total)
	b.WriteString("\n")

	head := make([]string, 0, 7)
	if r.By == BySpace {
		head = append(head, "SPACE")
	}
	head = append(head, "TEAM", "BILLED", "FORECAST", "BUDGET", "USED", "FORECAST/BUDGET")
	series := r.Series
	if len(series) > 1 {
		series = append(slices.Clip(series), r.Total)
	}
	rows := make([][]string, 0, 1+len(series))
	rows = append(rows, head)
	for i, s := range series {
		row := []string{s.Name}
		if r.By == BySpace {
			team := s.Team
			if i == len(r.Series) {
				team = "" // the total
			}
			row = append(row, dash(team))
		}
		fc, budget := "-", "-"
		if s.HasForecast {
			fc = money(s.Forecast)
		}
		if s.HasBudget {
			budget = money(s.Budget)
		}
		rows = append(rows, append(row, money(s.Billed), fc, budget, pct(s.Billed, s.Budget, s.HasBudget), pct(s.Forecast, s.Budget, s.HasBudget && s.HasForecast)))
	}
	table(&b, rows, len(head)-5)
	if len(r.Services) > 0 {
		total := decimal.Zero
		for _, s := range r.Services {
			total = total.Add(s.Billed)
		}
		rows = make([][]string, 0, 1+len(r.Services))
		rows = append(rows, []string{"TOP SERVICES", r.Currency, "SHARE", ""})
		for _, s := range r.Services {
			share, bar := "-", ""
			if total.IsPositive() {
				frac := s.Billed.DivRound(total, 12)
				share = frac.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
				bar = strings.Repeat(string(cellBilled), int(math.Round(f(frac)*barWidth)))
			}
			rows = append(rows, []string{shorten(s.Name, 40), money(s.Billed), share, bar})
		}
		b.WriteString("\n")
		table(&b, rows, 1)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// table writes rows in columns two spaces apart: the first left columns
// aligned left, the others (amounts) right, but the last one left again
// when it is a bar.
func table(b *strings.Builder, rows [][]string, left int) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < left || i == len(row)-1 && len(rows[0][i]) == 0 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// chart draws the cumulative spend of s by day ('█'), its forecast for the
// days after the data ('░') and its budget ('-' where nothing else is).
func (r *Report) chart(b *strings.Builder, s Series) {
	days := r.Period.Days()
	top := r.topOf(s)
	// level of each day: the cumulative billed cost at its end, or the
	// forecast for a day after the data.
	level := make([]float64, days)
	forecast := make([]bool, days)
	for d := range days {
		end := r.Period.Start.AddDate(0, 0, d+1)
		start := end.Add(-24 * time.Hour)
		switch {
		case s.Through.IsZero() || start.Before(s.Through):
			level[d] = f(valueAt(s.Points, minTime(end, s.Through)))
		case s.HasForecast:
			frac := end.Sub(s.Through).Seconds() / r.Period.End.Sub(s.Through).Seconds()
			level[d] = f(s.Billed) + (f(s.Forecast)-f(s.Billed))*frac
			forecast[d] = true
		default:
			level[d] = -1
		}
	}
	budgetRow := -1
	if s.HasBudget {
		budgetRow = chartRows - 1 - int(math.Floor(f(s.Budget)/top*chartRows))
		budgetRow = max(0, min(chartRows-1, budgetRow))
	}
	for row := range chartRows {
		// The row stands for the band [lo, hi); a cell is filled when the
		// day's level reaches the middle of the band.
		lo := top * float64(chartRows-1-row) / chartRows
		hi := top * float64(chartRows-row) / chartRows
		label := ""
		switch row {
		case 0:
			label = axis(hi)
		case budgetRow:
			label = axis(f(s.Budget))
		}
		var line strings.Builder
		fmt.Fprintf(&line, "%*s ┤", labelWidth, label)
		for d := range days {
			c := ' '
			switch {
			case level[d] >= 0 && level[d] >= (lo+hi)/2 && forecast[d]:
				c = cellForecast
			case level[d] >= 0 && level[d] >= (lo+hi)/2:
				c = cellBilled
			case row == budgetRow:
				c = cellBudget
			}
			line.WriteString(strings.Repeat(string(c), dayColumns))
		}
		if row == budgetRow {
			line.WriteString(" budget " + money(s.Budget))
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	fmt.Fprintf(b, "%*s ┼%s\n", labelWidth, "0", strings.Repeat("─", days*dayColumns))
	// Dates under the start of every fifth day and the end of the period.
	axisLine := []rune(strings.Repeat(" ", labelWidth+2+days*dayColumns+8))
	for _, t := range dayTicks(r.Period.Start, days) {
		if t.Label == "" {
			continue
		}
		copy(axisLine[labelWidth+1+int(t.Value)*dayColumns:], []rune(t.Label))
	}
	b.WriteString(strings.TrimRight(string(axisLine), " ") + "\n")
	fmt.Fprintf(b, "%*s %c billed to date %s", labelWidth, "", cellBilled, money(s.Billed))
	if s.HasForecast {
		fmt.Fprintf(b, "   %c forecast %s", cellForecast, money(s.Forecast))
	}
	if s.HasBudget {
		fmt.Fprintf(b, "   %c budget %s", cellBudget, money(s.Budget))
	}
	fmt.Fprintf(b, "   %s\n", r.Currency)
}

func (r *Report) topOf(s Series) float64 {
	top := max(f(s.Billed), f(s.Forecast))
	if s.HasBudget {
		top = max(top, f(s.Budget))
	}
	if top <= 0 {
		return 1
	}
	return top * 1.05
}

// axis labels a chart row with a whole amount.
func axis(v float64) string { return fmt.Sprintf("%.0f", v) }

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}
