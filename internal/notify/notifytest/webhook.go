package notifytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
)

// Webhook is a webhook receiver. It checks the signature of every request
// when it has a secret, drops the requests whose Idempotency-Key it has
// seen (answering 200 as for the first), and keeps the deliveries.
type Webhook struct {
	base

	Secret []byte
	// RespondID makes the receiver answer a ticket.opened with
	// {"id": ..., "url": ...}, as a ticketing receiver would.
	RespondID bool

	deliveries []Delivery
	seen       map[string]bool
	duplicates int
	gone       map[string]bool
}

// Delivery is a request the receiver accepted.
type Delivery struct {
	Key     string
	Event   string
	Payload map[string]any
}

// NewWebhook starts a receiver on loopback. Close it when done.
func NewWebhook(secret []byte) *Webhook {
	h := &Webhook{Secret: secret, seen: map[string]bool{}, gone: map[string]bool{}}
	h.Server = httptest.NewServer(h.serve(h.receive))
	return h
}

func (h *Webhook) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") == "" {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	if len(h.Secret) > 0 {
		m := hmac.New(sha256.New, h.Secret)
		m.Write([]byte(r.Header.Get("X-Cloudspace-Timestamp") + "."))
		m.Write(body)
		want := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Cloudspace-Signature"))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		http.Error(w, "no Idempotency-Key", http.StatusBadRequest)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	cs, _ := p["cloudspace"].(map[string]any)
	if _, ok := p["text"].(string); !ok || cs == nil {
		http.Error(w, "want text and cloudspace", http.StatusBadRequest)
		return
	}
	ticket, _ := cs["key"].(string)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone[ticket] {
		http.Error(w, "no such ticket", http.StatusGone)
		return
	}
	if h.seen[key] {
		h.duplicates++
	} else {
		h.seen[key] = true
		event, _ := cs["event"].(string)
		h.deliveries = append(h.deliveries, Delivery{Key: key, Event: event, Payload: p})
	}
	if h.RespondID && cs["event"] == "ticket.opened" {
		writeJSON(w, http.StatusOK, map[string]string{"id": "T-" + key[len(key)-min(len(key), 12):], "url": h.URL + "/tickets/" + key})
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok"))
}

// Deliveries returns the requests accepted, duplicates dropped.
func (h *Webhook) Deliveries() []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery(nil), h.deliveries...)
}

// Duplicates counts the requests dropped for a key seen before.
func (h *Webhook) Duplicates() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.duplicates
}

// Forget makes the receiver answer 410 Gone to any later request about a
// ticket, as one whose ticket was deleted.
func (h *Webhook) Forget(ticketKey string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gone[ticketKey] = true
}
