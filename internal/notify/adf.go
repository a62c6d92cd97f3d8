package notify

import (
	"strings"
)

// node is a node of the Atlassian Document Format, the rich text of Jira
// Cloud's REST API v3.
type node struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []node         `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []mark         `json:"marks,omitempty"`
}

type mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

func adfDoc(content ...node) node { return node{Type: "doc", Version: 1, Content: content} }

// adfText is a text node; ADF forbids empty ones, so an empty string is
// a single space.
func adfText(s string, marks ...mark) node {
	if s == "" {
		s = " "
	}
	return node{Type: "text", Text: s, Marks: marks}
}

func adfParagraph(inline ...node) node { return node{Type: "paragraph", Content: inline} }

func adfHeading(level int, s string) node {
	return node{Type: "heading", Attrs: map[string]any{"level": level}, Content: []node{adfText(s)}}
}

func adfBullets(items ...[]node) node {
	l := node{Type: "bulletList"}
	for _, it := range items {
		l.Content = append(l.Content, node{Type: "listItem", Content: []node{adfParagraph(it...)}})
	}
	return l
}

func adfCode(s string) node {
	return node{Type: "codeBlock", Content: []node{adfText(s)}}
}

func adfLink(text, href string) node {
	return adfText(text, mark{Type: "link", Attrs: map[string]any{"href": href}})
}

func strong(s string) node { return adfText(s, mark{Type: "strong"}) }

// adfParagraphs renders plain text, one paragraph per non-empty line.
func adfParagraphs(s string) []node {
	var ps []node
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ps = append(ps, adfParagraph(adfText(l)))
		}
	}
	return ps
}

// TicketADF renders a ticket as an ADF document.
func TicketADF(t *Ticket) node {
	var content []node
	if t.Message != "" {
		content = append(content, adfParagraph(adfText(t.Message)))
	}
	facts := make([][]node, 0, len(t.Facts()))
	for _, f := range t.Facts() {
		facts = append(facts, []node{strong(f.Name + ": "), adfText(f.Value)})
	}
	if len(facts) > 0 {
		content = append(content, adfBullets(facts...))
	}
	if len(t.Figures) > 0 {
		items := make([][]node, 0, len(t.Figures))
		for _, f := range t.Figures {
			items = append(items, []node{strong(f.Name + ": "), adfText(f.Value)})
		}
		content = append(content, adfHeading(3, "Figures"), adfBullets(items...))
	}
	if len(t.TopServices)+len(t.TopResources) > 0 {
		content = append(content, adfHeading(3, "Top cost contributors"))
		for _, s := range []struct {
			title string
			cs    []Contributor
		}{{"Services", t.TopServices}, {"Resources", t.TopResources}} {
			if len(s.cs) == 0 {
				continue
			}
			items := make([][]node, 0, len(s.cs))
			for _, c := range s.cs {
				items = append(items, []node{adfText(c.Name + ": " + c.BilledCost)})
			}
			content = append(content, adfParagraph(strong(s.title)), adfBullets(items...))
		}
	}
	content = append(content, adfHeading(3, "The claim"))
	if t.ClaimURL != "" {
		content = append(content, adfParagraph(adfLink(t.Who(), t.ClaimURL)))
	}
	if t.Describe != "" {
		content = append(content, adfCode(t.Describe))
	}
	content = append(content, adfParagraph(adfText("Ticket key: "+t.Key)))
	return adfDoc(content...)
}

// NoteADF renders a note as an ADF document.
func NoteADF(n Note) node {
	return adfDoc(append([]node{adfParagraph(strong(n.Title))}, adfParagraphs(n.Text)...)...)
}
