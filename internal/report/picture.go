package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of a picture; a PNG has DPI pixels an inch (1280 × 576).
const (
	Width  = 10 * vg.Inch
	Height = 4.5 * vg.Inch
	DPI    = 128
)

// Colours of a picture. A report of one series draws its spend and
// forecast in SpendColor and its budget in BudgetColor; a report of several
// draws series i in Palette[i], its budget dotted in the same colour.
var (
	SpendColor  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	BudgetColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	NowColor    = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
	GridColor   = color.RGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff}
	Palette     = []color.RGBA{
		SpendColor,
		{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
		{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
		{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
	}
)

// Line styles: forecasts are dashed, budgets of several series dotted.
var (
	forecastDashes = []vg.Length{vg.Points(6), vg.Points(4)}
	budgetDashes   = []vg.Length{vg.Points(1.5), vg.Points(3)}
	nowDashes      = []vg.Length{vg.Points(2), vg.Points(2)}
)

// SVG writes the report as an SVG picture. Fonts are named, not embedded
// (Liberation Sans, which gonum/plot measures text with).
func (r *Report) SVG(w io.Writer) error {
	c := vgsvg.New(Width, Height)
	if err := r.draw(draw.New(c)); err != nil {
		return err
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("cannot write SVG: %w", err)
	}
	return nil
}

// PNG writes the report as a PNG picture of Width × Height at DPI.
func (r *Report) PNG(w io.Writer) error {
	c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))
	if err := r.draw(draw.New(c)); err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("cannot write PNG: %w", err)
	}
	return nil
}

// draw draws the spend chart on the left and the top services on the right.
func (r *Report) draw(dc draw.Canvas) error {
	sp, err := r.spendPlot()
	if err != nil {
		return err
	}
	if len(r.Services) == 0 {
		sp.Draw(dc)
		return nil
	}
	svc, err := r.servicesPlot()
	if err != nil {
		return err
	}
	split := Width * 0.62
	sp.Draw(draw.Crop(dc, 0, split-Width, 0, -margin))
	svc.Draw(draw.Crop(dc, split, -margin, 0, -margin))
	return nil
}

// margin keeps titles and the last tick label off the picture's edges.
const margin = vg.Length(6)

// sans sets every text of p in Liberation Sans, which gonum/plot embeds:
// its default is the serif face.
func sans(p *plot.Plot) {
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.X.Tick.Label.Font,
		&p.Y.Label.TextStyle.Font, &p.Y.Tick.Label.Font,
	} {
		f.Typeface, f.Variant = "Liberation", "Sans"
	}
}

// x is the position of t on the spend chart: days since the period start.
func (r *Report) x(t time.Time) float64 { return t.Sub(r.Period.Start).Hours() / 24 }

// f turns an amount into a coordinate: the one place money is a float.
func f(d decimal.Decimal) float64 { return d.InexactFloat64() }

func (r *Report) spendPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.Title() + "\n" + r.Subtitle()
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = "UTC day of " + r.Period.Start.Format("January 2006")
	p.Y.Label.Text = r.Currency + " billed, cumulative"
	days := float64(r.Period.Days())
	p.X.Min, p.X.Max = 0, days
	p.X.Tick.Marker = dayTicks(r.Period.Start, r.Period.Days())
	p.Y.Min, p.Y.Max = 0, r.top()
	p.Y.Tick.Marker = wholeTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = GridColor, GridColor
	p.Add(grid)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), vg.Points(-4)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = vg.Points(10), vg.Points(10)
	sans(p)

	one := len(r.Series) == 1
	for i, s := range r.Series {
		col := Palette[i%len(Palette)]
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: r.x(pt.At), Y: f(pt.Billed)}
		}
		spent, err := line(xys, col, 2, nil)
		if err != nil {
			return nil, err
		}
		p.Add(spent)
		label := s.Name + ": " + money(s.Billed)
		if one {
			label = "billed to date: " + money(s.Billed) + " " + r.Currency
		}
		p.Legend.Add(label, spent)

		if s.HasForecast && !s.Through.IsZero() && s.Through.Before(r.Period.End) {
			fc, err := line(plotter.XYs{{X: r.x(s.Through), Y: f(s.Billed)}, {X: days, Y: f(s.Forecast)}}, col, 2, forecastDashes)
			if err != nil {
				return nil, err
			}
			p.Add(fc)
			if one {
				p.Legend.Add("forecast: "+money(s.Forecast)+percentOf(s.Forecast, s.Budget, s.HasBudget), fc)
			}
		}
		if s.HasBudget {
			bcol, width, dashes := col, 1.5, budgetDashes
			if one {
				bcol, dashes = BudgetColor, nil
			}
			b, err := line(plotter.XYs{{X: 0, Y: f(s.Budget)}, {X: days, Y: f(s.Budget)}}, bcol, width, dashes)
			if err != nil {
				return nil, err
			}
			p.Add(b)
			if one {
				p.Legend.Add("budget: "+money(s.Budget)+percentOf(s.Billed, s.Budget, true)+" used", b)
			}
		}
	}
	if !one {
		fc, _ := line(nil, NowColor, 2, forecastDashes)
		p.Legend.Add("forecast", fc)
		b, _ := line(nil, NowColor, 1.5, budgetDashes)
		p.Legend.Add("budget", b)
	}
	if r.drawsNow() {
		now, err := line(plotter.XYs{{X: r.x(r.Now), Y: 0}, {X: r.x(r.Now), Y: r.top()}}, NowColor, 1, nowDashes)
		if err != nil {
			return nil, err
		}
		p.Add(now)
		p.Legend.Add("now: "+r.Now.Format("2 Jan 15:04"), now)
	}
	return p, nil
}

func line(xys plotter.XYs, c color.Color, width float64, dashes []vg.Length) (*plotter.Line, error) {
	l := &plotter.Line{XYs: xys}
	if xys != nil {
		var err error
		if l, err = plotter.NewLine(xys); err != nil {
			return nil, fmt.Errorf("cannot draw line: %w", err)
		}
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(width), dashes
	return l, nil
}

// wholeTicks label four to seven round amounts (a step of 1, 2, 2.5 or 5
// times a power of ten) with whole numbers ("2500", not "2500.00"), with an
// unlabelled tick halfway between.
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return nil
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ts []plot.Tick
	for i := math.Ceil(lo / step * 2); i*step/2 <= hi; i++ {
		v := i * step / 2
		label := ""
		if int64(i)%2 == 0 {
			label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
	}
	return ts
}

// legendRoom is the fraction of the spend chart's height kept free at its
// top for a legend of n entries, so that no line runs through it.
func legendRoom(n int) float64 {
	const entry, dataHeight = 11.5, 230 // points: a 9pt entry; the data area of a Height picture
	return min(0.5, (float64(n)*entry+8)/dataHeight)
}

// top is the top of the spend chart: above the largest amount by a little
// and by the legend's room.
func (r *Report) top() float64 {
	top := 0.0
	for _, s := range r.Series {
		top = max(top, f(s.Billed), f(s.Forecast))
		if s.HasBudget {
			top = max(top, f(s.Budget))
		}
		for _, p := range s.Points {
			top = max(top, f(p.Billed))
		}
	}
	if top <= 0 {
		top = 1
	}
	return top * 1.04 / (1 - legendRoom(r.legendEntries()))
}

// legendEntries is how many entries the spend chart's legend has.
func (r *Report) legendEntries() int {
	n := len(r.Series) + 2 // the series, and forecast and budget samples
	if len(r.Series) == 1 {
		n = 3 // billed to date, forecast, budget
	}
	if r.drawsNow() {
		n++
	}
	return n
}

// drawsNow reports whether the spend chart marks now: when it is after the
// data and within the period.
func (r *Report) drawsNow() bool {
	return !r.Through.IsZero() && r.Now.After(r.Through) && r.Now.Before(r.Period.End)
}

// dayTicks marks every day, labelling the start of every fifth and the end
// of the period.
func dayTicks(start time.Time, days int) plot.ConstantTicks {
	var ts plot.ConstantTicks
	for d := 0; d <= days; d++ {
		label := ""
		if d == days || d%5 == 0 && days-d >= 3 {
			label = start.AddDate(0, 0, d).Format("2 Jan")
		}
		ts = append(ts, plot.Tick{Value: float64(d), Label: label})
	}
	return ts
}

func (r *Report) servicesPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Top services, " + r.Period.Name
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = r.Currency + " billed"
	n := len(r.Services)
	vals := make(plotter.Values, n)
	names := make([]string, n)
	// The largest on top: bar 0 is drawn at the bottom.
	for i, s := range r.Services {
		vals[n-1-i] = f(s.Billed)
		names[n-1-i] = shorten(s.Name, 30)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(20))
	if err != nil {
		return nil, fmt.Errorf("cannot draw services: %w", err)
	}
	bars.Horizontal = true
	bars.Color = SpendColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalY(names...)
	p.X.Min = 0
	p.X.Tick.Marker = wholeTicks{}
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	sans(p)
	return p, nil
}

func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
