// sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the SigV4 signer of the
// AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2/aws/signer/v4) as Debian packages it
// (golang-github-aws-aws-sdk-go-v2-dev). See README.md for how every context key maps.
package main

import (
	"adapterkit"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkVersion is the module version of the Debian package (aws/go_module_metadata.go), pinned
// in install.sh; install.sh checks that they agree.
const sdkVersion = "1.17.1"

// ignoredBySigner is the signer's own list of headers it never signs (internal/v4 IgnoredHeaders).
var ignoredBySigner = map[string]bool{"authorization": true, "user-agent": true, "x-amzn-trace-id": true}

func main() {
	adapterkit.Serve(adapterkit.Hello{
		Name: "aws-sdk-go-v2", Version: sdkVersion, Language: "go",
		Modes:  []string{"header", "query"},
		Stages: []string{"canonical_request", "string_to_sign", "signature", "authorization", "presigned_url", "event_signatures"},
		Events: true,
	}, sign)
}

// signEvents signs an event stream as the SDK's generated event-stream writers do: a StreamSigner
// seeded with the request's signature; per event, the :date header encoded by the SDK's
// eventstream package (TimestampValue) and GetSignature over those header bytes and the payload
// at the event's time; last, the same for an empty payload.
func signEvents(c *adapterkit.Context, seed string) ([]string, error) {
	seedBytes, err := hex.DecodeString(seed)
	if err != nil {
		return nil, fmt.Errorf("event_stream: the request's signature %q is not hex", seed)
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token}
	signer := v4.NewStreamSigner(creds, c.Service, c.Region, seedBytes)
	events := append(append([]adapterkit.Event{}, c.EventStream.Events...), adapterkit.Event{Time: c.EventStream.End})
	var out []string
	for i, e := range events {
		var headers bytes.Buffer
		date := eventstream.Headers{{Name: ":date", Value: eventstream.TimestampValue(e.Time)}}
		if err := eventstream.EncodeHeaders(&headers, date); err != nil {
			return nil, fmt.Errorf("event %d: EncodeHeaders: %w", i+1, err)
		}
		sig, err := signer.GetSignature(context.Background(), headers.Bytes(), e.Payload, e.Time)
		if err != nil {
			return nil, fmt.Errorf("event %d: GetSignature: %w", i+1, err)
		}
		out = append(out, hex.EncodeToString(sig))
	}
	return out, nil
}

func sign(mode string, c *adapterkit.Context, r *adapterkit.Request, alterations *[]string) (map[string]interface{}, error) {
	if c.Normalize && !adapterkit.NormalizeIsNoop(r.Path) {
		return nil, adapterkit.Skipf("normalize: the signer never normalises the path and has no switch to")
	}
	for _, name := range c.UnsignedHeaders {
		if !ignoredBySigner[strings.ToLower(name)] {
			return nil, adapterkit.Skipf("unsigned_headers: the signer has no switch to leave %q unsigned", name)
		}
	}
	host, ok, many := r.Header("Host")
	if !ok || many {
		return nil, adapterkit.Skipf("the request needs exactly one Host header: http.Request takes the host from the URL")
	}
	target := r.Target
	if mode == "query" {
		// PresignHTTP's documented input for the expiry: an X-Amz-Expires query parameter.
		if r.Query != nil && hasParam(*r.Query, "X-Amz-Expires") {
			return nil, adapterkit.Skipf("the query already holds X-Amz-Expires, the signer's only input for the expiry")
		}
		sep := "?"
		if r.Query != nil {
			sep = "&"
			if *r.Query == "" {
				sep = ""
			}
		}
		target += sep + "X-Amz-Expires=" + strconv.FormatInt(c.Expires, 10)
	}
	req, err := http.NewRequest(r.Method, "https://"+strings.Trim(host, " \t")+target, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("net/http refused the request: %w", err)
	}
	for _, h := range r.Headers {
		if !strings.EqualFold(h[0], "Host") {
			req.Header.Add(h[0], h[1])
		}
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token}
	if c.OmitToken && c.Token != "" {
		creds.SessionToken = ""
		*alterations = append(*alterations, "omit_session_token: signed with credentials without the session token (the signer has no switch to leave it unsigned)")
	}
	hash, signReq, err := payloadHash(req, r.Body, c)
	if err != nil {
		return nil, err
	}
	var logged []interface{}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = !c.DoubleEncode
		o.LogSigning = true
		o.Logger = logging.LoggerFunc(func(_ logging.Classification, _ string, v ...interface{}) { logged = v })
	})
	out := map[string]interface{}{}
	if mode == "header" {
		if err := signer.SignHTTP(context.Background(), creds, signReq, hash, c.Service, c.Region, c.Time); err != nil {
			return nil, err
		}
		authz := signReq.Header.Get("Authorization")
		out["authorization"] = authz
		i := strings.LastIndex(authz, "Signature=")
		if i >= 0 {
			out["signature"] = authz[i+len("Signature="):]
		}
		if c.EventStream != nil {
			if i < 0 {
				return nil, fmt.Errorf("event_stream: no signature in the Authorization header to seed the chain")
			}
			events, err := signEvents(c, authz[i+len("Signature="):])
			if err != nil {
				return nil, err
			}
			out["event_signatures"] = events
		}
	} else {
		signed, _, err := signer.PresignHTTP(context.Background(), creds, signReq, hash, c.Service, c.Region, c.Time)
		if err != nil {
			return nil, err
		}
		if c.OmitToken && c.Token != "" {
			signed += "&" + url.Values{"X-Amz-Security-Token": {c.Token}}.Encode()
			*alterations = append(*alterations, "omit_session_token: X-Amz-Security-Token appended to the presigned URL after signing")
		}
		out["presigned_url"] = signed
		if u, err := url.Parse(signed); err == nil {
			out["signature"] = u.Query().Get("X-Amz-Signature")
		}
	}
	if len(logged) >= 2 {
		out["canonical_request"], _ = logged[0].(string)
		out["string_to_sign"], _ = logged[1].(string)
	}
	return out, nil
}

// payloadHash runs the SDK's own payload middlewares on the request, as an SDK client does: the
// literal hash of the context goes into the stack value the middlewares read (SetPayloadHash, how
// the SDK takes a precomputed hash); otherwise ComputePayloadSHA256 hashes the body; with
// sign_body, ContentSHA256Header sets X-Amz-Content-Sha256. It returns the hash SignHTTP takes
// and the request as the middlewares left it.
func payloadHash(req *http.Request, body []byte, c *adapterkit.Context) (string, *http.Request, error) {
	sreq := &smithyhttp.Request{Request: req}
	sreq, err := sreq.SetStream(bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	stack := middleware.NewStack("sigv4-conformance", smithyhttp.NewStackRequest)
	err = stack.Serialize.Add(middleware.SerializeMiddlewareFunc("Request",
		func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			in.Request = sreq
			if c.PayloadHash != "" {
				ctx = v4.SetPayloadHash(ctx, c.PayloadHash)
			}
			return next.HandleSerialize(ctx, in)
		}), middleware.After)
	if err == nil {
		err = v4.AddComputePayloadSHA256Middleware(stack)
	}
	if err == nil && c.SignBody {
		err = v4.AddContentSHA256HeaderMiddleware(stack)
	}
	var hash string
	var built *http.Request
	if err == nil {
		err = stack.Build.Add(middleware.BuildMiddlewareFunc("Capture",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				hash = v4.GetPayloadHash(ctx)
				built = in.Request.(*smithyhttp.Request).Build(ctx)
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
	if err != nil {
		return "", nil, err
	}
	end := middleware.HandlerFunc(func(context.Context, interface{}) (interface{}, middleware.Metadata, error) {
		return nil, middleware.Metadata{}, nil
	})
	if _, _, err := middleware.DecorateHandler(end, stack).Handle(context.Background(), nil); err != nil {
		return "", nil, err
	}
	return hash, built, nil
}

// hasParam tells whether a raw query holds a parameter whose raw key is name.
func hasParam(query, name string) bool {
	for _, p := range strings.Split(query, "&") {
		if strings.SplitN(p, "=", 2)[0] == name {
			return true
		}
	}
	return false
}
