package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// element is an SVG element as the structure tests read it.
type element struct {
	name  string
	attrs map[string]string
	style map[string]string
	text  string
}

// parseSVG reads every element of an SVG document, in document order.
func parseSVG(t *testing.T, b []byte) []element {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var out []element
	var open []int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}, style: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			for kv := range strings.SplitSeq(e.attrs["style"], ";") {
				if k, v, ok := strings.Cut(strings.TrimSpace(kv), ":"); ok {
					e.style[k] = v
				}
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].text += string(tok)
			}
		case xml.EndElement:
			open = open[:len(open)-1]
		}
	}
	return out
}

type pt struct{ x, y float64 }

// pathPoints reads the M and L points of a path; the y axis points up, as the
// canvas draws it before the document's flip.
func pathPoints(t *testing.T, d string) []pt {
	t.Helper()
	var out []pt
	for _, part := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		part = strings.TrimSuffix(part, "Z")
		xs, ys, ok := strings.Cut(part, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("path %q: cannot read point %q", d, part)
		}
		out = append(out, pt{x, y})
	}
	return out
}

// strokes are the stroked paths of a colour, dashed or not, longest
// (widest in x) first: the plotted line before its legend sample.
func strokes(t *testing.T, es []element, colour string, dashed bool) [][]pt {
	t.Helper()
	var out [][]pt
	for _, e := range es {
		if e.name != "path" || e.style["stroke"] != colour || (e.style["stroke-dasharray"] != "") != dashed {
			continue
		}
		out = append(out, pathPoints(t, e.attrs["d"]))
	}
	slices.SortStableFunc(out, func(a, b []pt) int {
		return cmpFloat(span(b), span(a))
	})
	return out
}

func span(ps []pt) float64 { return ps[len(ps)-1].x - ps[0].x }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func hex(c interface{ RGBA() (r, g, b, a uint32) }) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func texts(es []element) []string {
	var out []string
	for _, e := range es {
		if e.name == "text" {
			out = append(out, e.text)
		}
	}
	return out
}

// textY is where a text sits, in the same upward y as paths.
func textY(t *testing.T, es []element, s string) float64 {
	t.Helper()
	for _, e := range es {
		if e.name == "text" && e.text == s {
			y, err := strconv.ParseFloat(e.attrs["y"], 64)
			if err != nil {
				t.Fatal(err)
			}
			return -y
		}
	}
	t.Fatalf("no text %q", s)
	return 0
}

func near(a, b, tolerance float64) bool { return math.Abs(a-b) <= tolerance }

// TestSVGOneSpace checks the structure of a space's picture: axes, the
// spend, forecast and budget lines and how they lie, the legend and the
// services, read from the SVG, not compared byte for byte.
func TestSVGOneSpace(t *testing.T) {
	records, spaces := fixture()
	r, err := Build(records, spaces, Options{Space: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.SVG(&b); err != nil {
		t.Fatal(err)
	}
	es := parseSVG(t, b.Bytes())
	if diff := cmp.Diff([]string{"svg", "720pt", "324pt"}, []string{es[0].name, es[0].attrs["width"], es[0].attrs["height"]}); diff != "" {
		t.Errorf("SVG root: -want, +got:\n%s", diff)
	}

	// Every text, in the order drawn: titles, axes, legend, services.
	want := []string{
		"space checkout-7x9kq · team payments · 2026-11", "data through 23 Nov 2026 00:00 UTC",
		"UTC day of November 2026", "1 Nov", "6 Nov", "11 Nov", "16 Nov", "21 Nov", "26 Nov", "1 Dec",
		"USD billed, cumulative", "0", "500", "1000", "1500",
		"billed to date: 991.25 USD", "forecast: 1351.70 (112.6%)", "budget: 1200.00 (82.6%) used",
		"Top services, 2026-11", "USD billed", "0", "200", "400", "600",
		"2 other services", "AmazonCloudWatch", "Amazon Simple Storage Service", "Amazon Virtual Private Cloud",
		"Amazon Relational Database Se…", "Amazon Elastic Compute Cloud",
	}
	if diff := cmp.Diff(want, texts(es)); diff != "" {
		t.Errorf("SVG texts: -want, +got:\n%s", diff)
	}

	spend := strokes(t, es, hex(SpendColor), false)
	forecast := strokes(t, es, hex(SpendColor), true)
	budget := strokes(t, es, hex(BudgetColor), false)
	if len(spend) != 2 || len(forecast) != 2 || len(budget) != 2 {
		t.Fatalf("SVG: want a spend, a forecast and a budget line, each with its legend sample; got %d, %d, %d", len(spend), len(forecast), len(budget))
	}
	line, fc, bl := spend[0], forecast[0], budget[0]

	// The spend line: the start of the month and the end of 22 days, rising.
	if len(line) != 23 {
		t.Errorf("spend line: want 23 points, got %d", len(line))
	}
	for i := 1; i < len(line); i++ {
		if line[i].x <= line[i-1].x || line[i].y < line[i-1].y {
			t.Errorf("spend line: point %d %v does not follow %v rightwards and upwards", i, line[i], line[i-1])
		}
	}
	left, bottom := line[0].x, line[0].y

	// The forecast carries on from the last point to the end of the month.
	if len(fc) != 2 || fc[0] != line[len(line)-1] {
		t.Errorf("forecast: want two points starting at the spend line's end %v, got %v", line[len(line)-1], fc)
	}
	right := fc[len(fc)-1].x
	days := (right - left) / 30
	if !near(line[len(line)-1].x, left+22*days, 0.01) {
		t.Errorf("spend line: want it to end at the 22nd day's end (x %.2f), got x %.2f", left+22*days, line[len(line)-1].x)
	}

	// The budget spans the month, level, above the spend and below the
	// forecast's end: the space is at risk.
	if len(bl) != 2 || bl[0].x != left || bl[1].x != right || bl[0].y != bl[1].y {
		t.Errorf("budget: want a level line from x %.2f to %.2f, got %v", left, right, bl)
	}
	if top := line[len(line)-1].y; !(bl[0].y > top && bl[0].y < fc[1].y) {
		t.Errorf("budget at y %.2f: want it above the spend (y %.2f) and below the forecast's end (y %.2f)", bl[0].y, top, fc[1].y)
	}
	// The amounts are drawn to scale: 0 at the bottom, the budget at
	// 1200/991.25 of the spend's height, the forecast at 1351.70/991.25.
	h := line[len(line)-1].y - bottom
	if !near(bl[0].y-bottom, h*1200/991.25, 0.05) || !near(fc[1].y-bottom, h*1351.7045/991.25, 0.05) {
		t.Errorf("budget and forecast not to scale: budget at %.2f, forecast at %.2f, spend %.2f high", bl[0].y-bottom, fc[1].y-bottom, h)
	}

	// Axes: a black line under the data, the Y axis's 0 tick label at the
	// spend's start, the 1000 label between the spend and the budget.
	axis := false
	for _, ps := range strokes(t, es, "#000000", false) {
		if len(ps) == 2 && ps[0].y == ps[1].y && near(ps[0].x, left, 0.01) && near(ps[1].x, right, 0.01) && ps[0].y <= bottom {
			axis = true
		}
	}
	if !axis {
		t.Errorf("SVG: no X axis line from x %.2f to %.2f under the data", left, right)
	}
	if y := textY(t, es, "1000"); !(y > line[len(line)-1].y-5 && y < bl[0].y) {
		t.Errorf("Y tick label 1000 at y %.2f: want it between the spend's top %.2f and the budget %.2f", y, line[len(line)-1].y, bl[0].y)
	}

	// The services: six bars, the longest at the top, right of the chart.
	var bars [][]pt
	for _, e := range es {
		if e.name == "path" && e.style["fill"] == hex(SpendColor) {
			bars = append(bars, pathPoints(t, e.attrs["d"]))
		}
	}
	if len(bars) != 6 {
		t.Fatalf("services: want 6 bars, got %d", len(bars))
	}
	for i, bar := range bars {
		if bar[0].x < right {
			t.Errorf("bar %d starts at x %.2f, left of the spend chart's end %.2f", i, bar[0].x, right)
		}
		if i > 0 && bar[0].y <= bars[i-1][0].y {
			t.Errorf("bar %d: want it above bar %d", i, i-1)
		}
		// Bar 0 is the other services folded; the others grow upwards.
		if i > 1 && width(bar) < width(bars[i-1]) {
			t.Errorf("bar %d: want it at least as long as bar %d below it, the services largest first from the top", i, i-1)
		}
	}
}

func width(ps []pt) float64 {
	lo, hi := ps[0].x, ps[0].x
	for _, p := range ps {
		lo, hi = min(lo, p.x), max(hi, p.x)
	}
	return hi - lo
}

// TestSVGTeams checks a picture of several series: one colour each, dotted
// budgets in the same colour, the legend naming them.
func TestSVGTeams(t *testing.T) {
	records, spaces := fixture()
	r, err := Build(records, spaces, Options{By: ByTeam, Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.SVG(&b); err != nil {
		t.Fatal(err)
	}
	es := parseSVG(t, b.Bytes())
	all := texts(es)
	for _, s := range []string{"spend by team · 2026-11", "data through 23 Nov 2026 00:00 UTC · now 25 Nov 2026 00:00 UTC, data 2d old", "payments: 1432.50", "catalog: 1051.25", "forecast", "budget", "now: 25 Nov 00:00"} {
		if !slices.Contains(all, s) {
			t.Errorf("SVG: no text %q in %q", s, all)
		}
	}
	for i, team := range []string{"payments", "catalog"} {
		c := hex(Palette[i])
		if n := len(strokes(t, es, c, false)); n != 2 {
			t.Errorf("team %s: want its spend line and legend sample in %s, got %d", team, c, n)
		}
		dashed := strokes(t, es, c, true)
		if len(dashed) != 2 {
			t.Fatalf("team %s: want a dashed forecast and a dotted budget in %s, got %d", team, c, len(dashed))
		}
		if b := dashed[0]; b[0].y != b[1].y {
			t.Errorf("team %s: want the widest dashed line, its budget, level, got %v", team, b)
		}
	}
	// The now marker: a grey vertical line two days right of the data.
	now := strokes(t, es, hex(NowColor), true)
	found := false
	for _, ps := range now {
		if len(ps) == 2 && ps[0].x == ps[1].x && ps[1].y > ps[0].y {
			found = true
		}
	}
	if !found {
		t.Errorf("SVG: no vertical now line among %v", now)
	}
}

func TestPNG(t *testing.T) {
	records, spaces := fixture()
	r, err := Build(records, spaces, Options{Space: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.PNG(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if got := img.Bounds().Size(); got.X != 1280 || got.Y != 576 {
		t.Errorf("PNG: want 1280 × 576 pixels, got %v", got)
	}
	count := map[string]int{}
	budgetRows := map[int]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			c := hex(img.At(x, y))
			count[c]++
			if c == hex(BudgetColor) && x < 800 {
				budgetRows[y] = true
			}
		}
	}
	for name, c := range map[string]string{"spend": hex(SpendColor), "budget": hex(BudgetColor), "background": "#FFFFFF"} {
		if count[c] < 500 {
			t.Errorf("PNG: want the %s colour %s in at least 500 pixels, got %d", name, c, count[c])
		}
	}
	// The budget is a level line (and its legend sample): its pixels lie in
	// a few rows.
	if len(budgetRows) > 8 {
		t.Errorf("PNG: want the budget's pixels in at most 8 rows, got %d", len(budgetRows))
	}
}

func TestPicturesAreDeterministic(t *testing.T) {
	records, spaces := fixture()
	draw := func() (svg, pngb []byte) {
		r, err := Build(records, spaces, Options{By: ByTeam})
		if err != nil {
			t.Fatal(err)
		}
		var s, p bytes.Buffer
		if err := r.SVG(&s); err != nil {
			t.Fatal(err)
		}
		if err := r.PNG(&p); err != nil {
			t.Fatal(err)
		}
		return s.Bytes(), p.Bytes()
	}
	s1, p1 := draw()
	s2, p2 := draw()
	if !bytes.Equal(s1, s2) || !bytes.Equal(p1, p2) {
		t.Error("the same records drew different pictures")
	}
}
