// Package adapterkit is the shared code of the Go adapters (runner/adapters/aws-sdk-go-v2,
// runner/adapters/minio-go): adapter protocol v1 (docs/adapter-protocol.md) reading and writing,
// strict context and request validation with the suite's defaults (suite/README.md), and the
// RFC 3986 facts about a path that decide whether a switch a library lacks would change anything.
// Standard library only. It is a GOPATH-mode package: each adapter's install.sh builds with
// GOPATH=runner/adapters/go-common:/usr/share/gocode and GO111MODULE=off.
//
// Nothing here does signer work: no trimming, merging, sorting, encoding or hashing of the
// request. The request reaches the library as the protocol gives it.
package adapterkit

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Skip is returned by an adapter for a case its library cannot express: answered with "skip".
type Skip struct{ Reason string }

func (s *Skip) Error() string { return s.Reason }

// Skipf makes a Skip with a formatted reason.
func Skipf(format string, args ...interface{}) error {
	return &Skip{Reason: fmt.Sprintf(format, args...)}
}

// Context is a case's context.json, validated, with the suite's defaults resolved for the mode.
type Context struct {
	AccessKeyID, SecretAccessKey string
	Token                        string // "" when none
	Region, Service              string
	Time                         time.Time // UTC
	S3                           bool
	Normalize                    bool
	SignBody                     bool
	Expires                      int64
	OmitToken                    bool
	DoubleEncode                 bool
	// PayloadHash is payload_hash (or signed_body_value); "" when the body's hash is meant.
	// For s3 in query mode it defaults to UNSIGNED-PAYLOAD.
	PayloadHash string
	// ExplicitPayloadHash tells whether the context itself named a payload hash.
	ExplicitPayloadHash bool
	UnsignedHeaders     []string
	// ChunkSize is chunk_size: an aws-chunked upload cut every this many bytes (0: not one).
	// Read only for an adapter whose Hello says Streaming; for the others such a case is a skip.
	ChunkSize int64
	// Trailers is trailers: [name, value] pairs sent after the final chunk, in order.
	Trailers [][2]string
	// Streaming is streaming: the body's streaming marker when it is not payload_hash ("" if none).
	Streaming string
	// EventStream is event_stream: events signed after the request (nil when absent). Read only
	// for an adapter whose Hello says Events; for the others such a case is a skip.
	EventStream *EventStream
}

// EventStream is the context's event_stream: the events in order, then the time of the final,
// empty message.
type EventStream struct {
	Events []Event
	End    time.Time // UTC
}

// Event is one event of an event stream: its signing time and its payload.
type Event struct {
	Time    time.Time // UTC
	Payload []byte
}

// Request is the protocol's parsed request.
type Request struct {
	Method  string
	Target  string
	Path    string
	Query   *string // nil when the target has no "?"
	Headers [][2]string
	Body    []byte
}

// Header is the one value of the header named name (any case); ok is false when the request has
// none; many is true when it has more than one.
func (r *Request) Header(name string) (value string, ok bool, many bool) {
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], name) {
			if ok {
				return value, true, true
			}
			value, ok = h[1], true
		}
	}
	return value, ok, false
}

// Sign is what an adapter does with one request. It returns the stages to answer with, or a
// *Skip, or any other error (answered as "error": the library refused). alterations starts
// empty; the adapter appends a sentence for every change it made to the request or context
// before the library saw it.
// A stage is a string, or for chunk_string_to_sign, chunk_signatures and event_signatures a
// []string (one per chunk or message).
type Sign func(mode string, ctx *Context, req *Request, alterations *[]string) (map[string]interface{}, error)

// Hello is the adapter's handshake.
type Hello struct {
	Name, Version, Language string
	// Wraps names the signer this library delegates to, when it is a wrapper ("" otherwise).
	Wraps  string
	Modes  []string
	Stages []string
	// Streaming says the adapter reads chunk_size, trailers and streaming (aws-chunked uploads)
	// from the context; without it a case with one of them is skipped with the reason.
	Streaming bool
	// Events says the adapter reads event_stream (event-stream messages signed after the
	// request); without it a case with one is skipped with the reason.
	Events bool
}

var contextKeys = map[string]bool{
	"credentials": true, "region": true, "service": true, "timestamp": true, "normalize": true,
	"sign_body": true, "expiration_in_seconds": true, "omit_session_token": true,
	"double_uri_encode": true, "payload_hash": true, "signed_body_value": true,
	"unsigned_headers": true,
}
var credentialKeys = map[string]bool{"access_key_id": true, "secret_access_key": true, "token": true}

func str(m map[string]json.RawMessage, key, what string, required bool) (string, bool, error) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		if required {
			return "", false, fmt.Errorf("%s.%s: missing", what, key)
		}
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("%s.%s: expected a string", what, key)
	}
	return s, true, nil
}

func boolean(m map[string]json.RawMessage, key string, dflt bool) (bool, error) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return dflt, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, fmt.Errorf("context.%s: expected a boolean", key)
	}
	return b, nil
}

// unsupportedKeys are suite context keys (suite/README.md) for signing modes these Go libraries do
// not offer through the API an adapter uses: a case with one is skipped with the reason.
var unsupportedKeys = map[string]string{
	"algorithm":  "SigV4a",
	"chunk_size": "aws-chunked streaming signatures",
	"trailers":   "aws-chunked streaming signatures",
	"streaming":  "aws-chunked streaming signatures",
	// Only the event-stream key of a case (mode header): the request itself is signed as usual.
	"event_stream": "event-stream message signatures",
}

// firstUnknown is the first key of m, in sorted order, that known does not hold: Go's map order
// is random, and an answer must not change from one run to the next.
func firstUnknown(m map[string]json.RawMessage, known map[string]bool) (string, bool) {
	var unknown []string
	for k := range m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return "", false
	}
	sort.Strings(unknown)
	return unknown[0], true
}

// ParseContext validates a context object (unknown keys are an error naming the key) and
// resolves the suite's defaults for mode.
func ParseContext(raw json.RawMessage, mode string) (*Context, error) {
	return parseContext(raw, mode, false, false)
}

// streaming: read the aws-chunked keys; events: read event_stream.
func parseContext(raw json.RawMessage, mode string, streaming, events bool) (*Context, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("context: expected an object")
	}
	known := map[string]bool{}
	for k := range contextKeys {
		known[k] = true
	}
	if streaming {
		known["chunk_size"], known["trailers"], known["streaming"] = true, true, true
	}
	if events {
		known["event_stream"] = true
	}
	if k, ok := firstUnknown(m, known); ok {
		if why, known := unsupportedKeys[k]; known {
			return nil, Skipf("context key %q (%s): the library has no such signing mode", k, why)
		}
		return nil, fmt.Errorf("context: unknown key %q", k)
	}
	var creds map[string]json.RawMessage
	if err := json.Unmarshal(m["credentials"], &creds); err != nil || creds == nil {
		return nil, fmt.Errorf("context.credentials: expected an object")
	}
	if k, ok := firstUnknown(creds, credentialKeys); ok {
		return nil, fmt.Errorf("context.credentials: unknown key %q", k)
	}
	c := &Context{}
	var err error
	if c.AccessKeyID, _, err = str(creds, "access_key_id", "context.credentials", true); err != nil {
		return nil, err
	}
	if c.SecretAccessKey, _, err = str(creds, "secret_access_key", "context.credentials", true); err != nil {
		return nil, err
	}
	if c.Token, _, err = str(creds, "token", "context.credentials", false); err != nil {
		return nil, err
	}
	if c.Region, _, err = str(m, "region", "context", true); err != nil {
		return nil, err
	}
	if c.Service, _, err = str(m, "service", "context", true); err != nil {
		return nil, err
	}
	stamp, _, err := str(m, "timestamp", "context", true)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(stamp))
	if err != nil {
		return nil, fmt.Errorf("context.timestamp: %q is not an RFC 3339 time", stamp)
	}
	c.Time = t.UTC()
	c.S3 = c.Service == "s3"
	normalize, err := boolean(m, "normalize", true)
	if err != nil {
		return nil, err
	}
	c.Normalize = normalize && !c.S3 // "never applied for s3"
	if c.SignBody, err = boolean(m, "sign_body", c.S3 && mode == "header"); err != nil {
		return nil, err
	}
	if mode != "header" {
		c.SignBody = false // no effect in query mode
	}
	if c.OmitToken, err = boolean(m, "omit_session_token", false); err != nil {
		return nil, err
	}
	if c.DoubleEncode, err = boolean(m, "double_uri_encode", !c.S3); err != nil {
		return nil, err
	}
	c.Expires = 3600
	if raw, ok := m["expiration_in_seconds"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.Expires); err != nil {
			return nil, fmt.Errorf("context.expiration_in_seconds: expected an integer")
		}
	}
	hash, ok, err := str(m, "payload_hash", "context", false)
	if err != nil {
		return nil, err
	}
	if !ok {
		if hash, ok, err = str(m, "signed_body_value", "context", false); err != nil {
			return nil, err
		}
	}
	c.PayloadHash, c.ExplicitPayloadHash = hash, ok
	if !ok && c.S3 && mode == "query" {
		c.PayloadHash = "UNSIGNED-PAYLOAD"
	}
	if raw, ok := m["unsigned_headers"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.UnsignedHeaders); err != nil {
			return nil, fmt.Errorf("context.unsigned_headers: expected an array of strings")
		}
	}
	if raw, ok := m["chunk_size"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.ChunkSize); err != nil || c.ChunkSize <= 0 {
			return nil, fmt.Errorf("context.chunk_size: expected a positive integer")
		}
	}
	if raw, ok := m["trailers"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.Trailers); err != nil {
			return nil, fmt.Errorf("context.trailers: expected [name, value] pairs of strings")
		}
	}
	if c.Streaming, _, err = str(m, "streaming", "context", false); err != nil {
		return nil, err
	}
	if raw, ok := m["event_stream"]; ok && string(raw) != "null" {
		if c.EventStream, err = parseEventStream(raw); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// rfc3339 reads an RFC 3339 time as UTC.
func rfc3339(text, what string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(text))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time", what, text)
	}
	return t.UTC(), nil
}

// parseEventStream validates event_stream: {"events": [{"timestamp", "payload_base64"}], "end"}.
func parseEventStream(raw json.RawMessage) (*EventStream, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("context.event_stream: expected an object")
	}
	if k, ok := firstUnknown(m, map[string]bool{"events": true, "end": true}); ok {
		return nil, fmt.Errorf("context.event_stream: unknown key %q", k)
	}
	end, _, err := str(m, "end", "context.event_stream", true)
	if err != nil {
		return nil, err
	}
	s := &EventStream{}
	if s.End, err = rfc3339(end, "context.event_stream.end"); err != nil {
		return nil, err
	}
	var events []map[string]json.RawMessage
	if raw, ok := m["events"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &events); err != nil {
			return nil, fmt.Errorf("context.event_stream.events: expected an array of objects")
		}
	}
	for i, e := range events {
		what := fmt.Sprintf("context.event_stream.events[%d]", i)
		if k, ok := firstUnknown(e, map[string]bool{"timestamp": true, "payload_base64": true}); ok {
			return nil, fmt.Errorf("%s: unknown key %q", what, k)
		}
		stamp, _, err := str(e, "timestamp", what, true)
		if err != nil {
			return nil, err
		}
		encoded, _, err := str(e, "payload_base64", what, true)
		if err != nil {
			return nil, err
		}
		event := Event{}
		if event.Time, err = rfc3339(stamp, what+".timestamp"); err != nil {
			return nil, err
		}
		if event.Payload, err = base64.StdEncoding.DecodeString(encoded); err != nil {
			return nil, fmt.Errorf("%s.payload_base64: %v", what, err)
		}
		s.Events = append(s.Events, event)
	}
	return s, nil
}

// ParseRequest validates the request object (unknown fields are ignored: v1 grows by adding).
func ParseRequest(raw json.RawMessage) (*Request, error) {
	var r struct {
		Method     *string    `json:"method"`
		Target     *string    `json:"target"`
		Path       *string    `json:"path"`
		Query      *string    `json:"query"`
		Headers    [][]string `json:"headers"`
		BodyBase64 *string    `json:"body_base64"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("request: %v", err)
	}
	if r.Method == nil || r.Path == nil || r.Headers == nil {
		return nil, fmt.Errorf("request: method, path and headers are required")
	}
	req := &Request{Method: *r.Method, Path: *r.Path, Query: r.Query}
	if r.Target != nil {
		req.Target = *r.Target
	} else {
		req.Target = req.Path
		if r.Query != nil {
			req.Target += "?" + *r.Query
		}
	}
	for _, h := range r.Headers {
		if len(h) != 2 {
			return nil, fmt.Errorf("request.headers: expected [name, value] pairs")
		}
		req.Headers = append(req.Headers, [2]string{h[0], h[1]})
	}
	if r.BodyBase64 != nil {
		body, err := base64.StdEncoding.DecodeString(*r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("request.body_base64: %v", err)
		}
		req.Body = body
	}
	return req, nil
}

// NormalizePath is RFC 3986 section 5.2.4 remove_dot_segments plus collapsing runs of "/" (the
// suite's `normalize`), with %2E read as "." first (section 6.2.2.2). Used only to decide whether
// a library without a normalisation switch can be asked at all; the library gets the path as is.
func NormalizePath(path string) string {
	input := regexp.MustCompile(`(?i)%2e`).ReplaceAllString(path, ".")
	input = regexp.MustCompile(`/{2,}`).ReplaceAllString(input, "/")
	output := ""
	for input != "" {
		switch {
		case strings.HasPrefix(input, "../"):
			input = input[3:]
		case strings.HasPrefix(input, "./"):
			input = input[2:]
		case strings.HasPrefix(input, "/./"):
			input = input[2:]
		case input == "/.":
			input = "/"
		case strings.HasPrefix(input, "/../") || input == "/..":
			if input == "/.." {
				input = "/"
			} else {
				input = input[3:]
			}
			if i := strings.LastIndex(output, "/"); i >= 0 {
				output = output[:i]
			} else {
				output = ""
			}
		case input == "." || input == "..":
			input = ""
		default:
			start := 0
			if strings.HasPrefix(input, "/") {
				start = 1
			}
			next := strings.Index(input[start:], "/")
			if next < 0 {
				output += input
				input = ""
			} else {
				output += input[:start+next]
				input = input[start+next:]
			}
		}
	}
	return output
}

// NormalizeIsNoop tells whether normalising would leave the path as it is.
func NormalizeIsNoop(path string) bool {
	return strings.HasPrefix(path, "/") && NormalizePath(path) == path
}

var unreservedPath = regexp.MustCompile(`^[A-Za-z0-9\-._~/]*$`)

// EncodingIsNoop tells whether encoding the path once or twice (or not at all) gives the same
// text: it holds only RFC 3986 unreserved characters and "/".
func EncodingIsNoop(path string) bool { return unreservedPath.MatchString(path) }

// Stdout and Stderr are where answers and diagnostics go (an adapter may point them at other
// descriptors of the same streams).
var (
	Stdout io.Writer = os.Stdout
	Stderr io.Writer = os.Stderr
)

// Serve runs the protocol loop on stdin/stdout until stdin closes, then returns (exit 0).
func Serve(hello Hello, sign Sign) {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			if answer := handle(line, hello, sign); answer != nil {
				data, merr := json.Marshal(answer)
				if merr != nil {
					fmt.Fprintln(Stderr, "adapter: encoding an answer:", merr)
				} else {
					out.Write(data)
					out.WriteByte('\n')
					if ferr := out.Flush(); ferr != nil {
						fmt.Fprintln(Stderr, "adapter: writing stdout:", ferr)
						os.Exit(1)
					}
				}
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(Stderr, "adapter: reading stdin:", err)
			os.Exit(1)
		}
	}
}

func handle(line []byte, hello Hello, sign Sign) map[string]interface{} {
	var msg struct {
		Type     string          `json:"type"`
		Protocol int             `json:"protocol"`
		ID       *string         `json:"id"`
		Mode     string          `json:"mode"`
		Context  json.RawMessage `json:"context"`
		Request  json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(line, &msg); err != nil {
		fmt.Fprintln(Stderr, "adapter: input line is not a JSON object:", err)
		return nil
	}
	if msg.Type == "hello" {
		impl := map[string]string{"name": hello.Name, "version": hello.Version, "language": hello.Language}
		answer := map[string]interface{}{"type": "hello", "protocol": 1, "implementation": impl,
			"modes": hello.Modes, "stages": hello.Stages}
		if hello.Wraps != "" {
			answer["wraps"] = hello.Wraps
		}
		return answer
	}
	if msg.ID == nil {
		fmt.Fprintln(Stderr, "adapter: message without a string id; not answered")
		return nil
	}
	answer := map[string]interface{}{"type": "result", "id": *msg.ID}
	alterations := []string{}
	stages, err := func() (stages map[string]interface{}, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the library panicked: %v", p)
			}
		}()
		if msg.Type != "sign" {
			return nil, fmt.Errorf("unknown message type %q", msg.Type)
		}
		if msg.Mode != "header" && msg.Mode != "query" {
			return nil, fmt.Errorf("mode: expected \"header\" or \"query\", got %q", msg.Mode)
		}
		ctx, err := parseContext(msg.Context, msg.Mode, hello.Streaming, hello.Events)
		if err != nil {
			return nil, err
		}
		req, err := ParseRequest(msg.Request)
		if err != nil {
			return nil, err
		}
		return sign(msg.Mode, ctx, req, &alterations)
	}()
	if skip, ok := err.(*Skip); ok {
		answer["skip"] = skip.Reason
		return answer
	}
	if err != nil {
		fmt.Fprintf(Stderr, "adapter: %s: error: %v\n", *msg.ID, err)
		answer["error"] = err.Error()
	} else {
		for k, v := range stages {
			answer[k] = v
		}
	}
	answer["alterations"] = alterations
	return answer
}
