// sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the SigV4 signer of
// minio-go v7 (github.com/minio/minio-go/v7/pkg/signer: SignV4, PreSignV4) as Debian packages it
// (golang-github-minio-minio-go-v7-dev). See README.md for how every context key maps.
//
// The signer reads the clock itself (time.Now) and takes no time argument. The adapter is built
// with Go's own fake-clock runtime (`-tags faketime`, the Go playground's) and sets that clock
// to the context's timestamp before each call; in that runtime writes to descriptors 1 and 2
// carry playback headers, so answers go to a duplicate of stdout instead.
package main

import (
	"adapterkit"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	_ "unsafe" // go:linkname

	"github.com/minio/minio-go/v7/pkg/signer"
)

// faketime is the Go runtime's fake clock (runtime/faketime.go, built with -tags faketime), in
// nanoseconds since the Unix epoch: what time.Now returns.
//
//go:linkname faketime runtime.faketime
var faketime int64

// minioVersion is minio-go's libraryVersion (api.go) in the Debian package pinned by install.sh,
// which checks that they agree.
const minioVersion = "7.0.46"

// ignoredBySigner is the signer's own list of headers it never signs (v4IgnoredHeaders).
var ignoredBySigner = map[string]bool{"accept-encoding": true, "authorization": true, "user-agent": true}

func main() {
	if fd, err := syscall.Dup(1); err == nil {
		adapterkit.Stdout = os.NewFile(uintptr(fd), "stdout")
	}
	if fd, err := syscall.Dup(2); err == nil {
		adapterkit.Stderr = os.NewFile(uintptr(fd), "stderr")
	}
	adapterkit.Serve(adapterkit.Hello{
		Name: "minio-go", Version: minioVersion, Language: "go",
		Modes: []string{"header", "query"},
		Stages: []string{"signature", "authorization", "presigned_url", "chunk_signatures",
			"trailer_signature", "encoded_body"},
		Streaming: true,
	}, sign)
}

func sign(mode string, c *adapterkit.Context, r *adapterkit.Request, alterations *[]string) (map[string]interface{}, error) {
	if c.ChunkSize != 0 || c.Streaming != "" || len(c.Trailers) > 0 {
		return signStreaming(mode, c, r)
	}
	if !c.S3 {
		return nil, adapterkit.Skipf("service %q: SignV4 and PreSignV4 sign for service s3 only", c.Service)
	}
	if c.DoubleEncode && !adapterkit.EncodingIsNoop(r.Path) {
		return nil, adapterkit.Skipf("double_uri_encode: the signer always encodes the path once (S3) and has no switch to encode it twice")
	}
	for _, name := range c.UnsignedHeaders {
		if !ignoredBySigner[strings.ToLower(name)] {
			return nil, adapterkit.Skipf("unsigned_headers: the signer has no switch to leave %q unsigned", name)
		}
	}
	if c.OmitToken && c.Token != "" {
		return nil, adapterkit.Skipf("omit_session_token: the signer always signs the session token it is given")
	}
	host, ok, many := r.Header("Host")
	if !ok || many {
		return nil, adapterkit.Skipf("the request needs exactly one Host header: http.Request takes the host from the URL")
	}
	own, hasOwn, _ := r.Header("X-Amz-Content-Sha256")
	// The signer never hashes the body: its one input for the payload hash is an
	// X-Amz-Content-Sha256 header set by the caller (absent: UNSIGNED-PAYLOAD), and it signs it.
	setHash := ""
	switch {
	case mode == "header" && !c.SignBody:
		return nil, adapterkit.Skipf("sign_body false: the signer takes the payload hash only from a signed X-Amz-Content-Sha256 header")
	case mode == "header" && c.ExplicitPayloadHash:
		if hasOwn && own != c.PayloadHash {
			return nil, adapterkit.Skipf("payload_hash: the request carries another X-Amz-Content-Sha256, the signer's only input for it")
		}
		if !hasOwn {
			setHash = c.PayloadHash
		}
	case mode == "header" && !hasOwn:
		return nil, adapterkit.Skipf("sign_body: the signer never hashes the body; it takes the hash from an X-Amz-Content-Sha256 header the caller sets, and the request has none")
	case mode == "query" && c.PayloadHash != "UNSIGNED-PAYLOAD" && !hasOwn:
		return nil, adapterkit.Skipf("payload hash %q: PreSignV4 signs UNSIGNED-PAYLOAD unless given a (signed) X-Amz-Content-Sha256 header", c.PayloadHash)
	}
	req, err := http.NewRequest(r.Method, "https://"+strings.Trim(host, " \t")+r.Target, strings.NewReader(string(r.Body)))
	if err != nil {
		return nil, fmt.Errorf("net/http refused the request: %w", err)
	}
	for _, h := range r.Headers {
		if !strings.EqualFold(h[0], "Host") {
			req.Header.Add(h[0], h[1])
		}
	}
	if setHash != "" {
		req.Header.Set("X-Amz-Content-Sha256", setHash)
	}
	// The clock shows the case's instant only during the call; outside it, it never goes back
	// (the runtime's own timers, armed at the latest instant, would otherwise not fire).
	latest := faketime
	faketime = c.Time.UnixNano()
	defer func() {
		if faketime < latest {
			faketime = latest
		}
	}()
	out := map[string]interface{}{}
	if mode == "header" {
		signed := signer.SignV4(*req, c.AccessKeyID, c.SecretAccessKey, c.Token, c.Region)
		authz := signed.Header.Get("Authorization")
		out["authorization"] = authz
		if i := strings.LastIndex(authz, "Signature="); i >= 0 {
			out["signature"] = authz[i+len("Signature="):]
		}
	} else {
		signed := signer.PreSignV4(*req, c.AccessKeyID, c.SecretAccessKey, c.Token, c.Region, c.Expires)
		u := signed.URL.String()
		out["presigned_url"] = u
		if parsed, err := url.Parse(u); err == nil {
			out["signature"] = parsed.Query().Get("X-Amz-Signature")
		}
	}
	return out, nil
}

// payloadChunkSize is the chunk size of minio-go's streaming signers (pkg/signer
// request-signature-streaming.go), which has no setting for it.
const payloadChunkSize = 64 * 1024

// Streaming markers (suite/README.md): the seed's payload hash names the kind of upload.
const (
	signedChunks          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	signedChunksTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	unsignedChunksTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// signStreaming signs an aws-chunked upload as minio-go's own client does (api.go newRequest):
// StreamingSignV4 for signed chunks (with req.Trailer for signed trailers), SignV4Trailer for an
// unsigned-payload upload with trailers (which wraps the body with StreamingUnsignedV4). The
// library writes the encoded body, read here to its end; the chunk and trailer signatures are
// read back from that body's chunk headers and x-amz-trailer-signature line, never computed.
func signStreaming(mode string, c *adapterkit.Context, r *adapterkit.Request) (map[string]interface{}, error) {
	if mode != "header" {
		return nil, adapterkit.Skipf("aws-chunked uploads are signed in header mode only")
	}
	if !c.S3 {
		return nil, adapterkit.Skipf("service %q: minio-go's streaming signers sign for service s3 only", c.Service)
	}
	if c.ChunkSize != payloadChunkSize {
		return nil, adapterkit.Skipf("chunk_size %d: minio-go always cuts %d-byte chunks and has no setting for it", c.ChunkSize, payloadChunkSize)
	}
	if len(c.Trailers) > 1 {
		return nil, adapterkit.Skipf("%d trailers: minio-go writes req.Trailer in Go map order, which changes from run to run", len(c.Trailers))
	}
	if c.DoubleEncode && !adapterkit.EncodingIsNoop(r.Path) {
		return nil, adapterkit.Skipf("double_uri_encode: the signer always encodes the path once (S3)")
	}
	if len(c.UnsignedHeaders) > 0 {
		return nil, adapterkit.Skipf("unsigned_headers: the streaming signer has no switch for it")
	}
	if c.OmitToken && c.Token != "" {
		return nil, adapterkit.Skipf("omit_session_token: the signer always signs the session token it is given")
	}
	marker := c.Streaming
	if marker == "" {
		marker = c.PayloadHash
	}
	switch marker {
	case signedChunks, signedChunksTrailer:
	case unsignedChunksTrailer:
		if len(c.Trailers) == 0 {
			return nil, adapterkit.Skipf("%s without trailers: minio-go only sends it with a trailing checksum", marker)
		}
	default:
		return nil, adapterkit.Skipf("streaming marker %q: minio-go's streaming signers send only %s, %s and %s", marker, signedChunks, signedChunksTrailer, unsignedChunksTrailer)
	}
	if (marker == signedChunksTrailer) != (len(c.Trailers) > 0 && marker != unsignedChunksTrailer) {
		return nil, adapterkit.Skipf("streaming marker %q with %d trailers: minio-go picks the marker from whether req.Trailer is set", marker, len(c.Trailers))
	}
	host, ok, many := r.Header("Host")
	if !ok || many {
		return nil, adapterkit.Skipf("the request needs exactly one Host header: http.Request takes the host from the URL")
	}
	req, err := http.NewRequest(r.Method, "https://"+strings.Trim(host, " \t")+r.Target, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("net/http refused the request: %w", err)
	}
	// X-Amz-Trailer is the library's rendering of req.Trailer (it adds one line per trailer):
	// the request's own line is the trailer declaration, given to the library as req.Trailer.
	declared := map[string]bool{}
	for _, h := range r.Headers {
		switch {
		case strings.EqualFold(h[0], "X-Amz-Trailer"):
			for _, name := range strings.Split(h[1], ",") {
				declared[strings.ToLower(strings.TrimSpace(name))] = true
			}
		case !strings.EqualFold(h[0], "Host"):
			req.Header.Add(h[0], h[1])
		}
	}
	var trailer http.Header
	if len(c.Trailers) > 0 {
		trailer = http.Header{}
		for _, t := range c.Trailers {
			if !declared[strings.ToLower(t[0])] {
				return nil, adapterkit.Skipf("trailer %q is not in the request's X-Amz-Trailer, from which minio-go's req.Trailer is given", t[0])
			}
			trailer.Set(t[0], t[1])
		}
	}
	latest := faketime
	faketime = c.Time.UnixNano()
	defer func() {
		if faketime < latest {
			faketime = latest
		}
	}()
	var signed *http.Request
	if marker == unsignedChunksTrailer {
		req.Header.Set("X-Amz-Content-Sha256", unsignedChunksTrailer)
		signed = signer.SignV4Trailer(*req, c.AccessKeyID, c.SecretAccessKey, c.Token, c.Region, trailer)
	} else {
		req.Trailer = trailer
		signed = signer.StreamingSignV4(req, c.AccessKeyID, c.SecretAccessKey, c.Token, c.Region, int64(len(r.Body)), c.Time)
	}
	body, err := io.ReadAll(signed.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the body minio-go encoded: %w", err)
	}
	authz := signed.Header.Get("Authorization")
	out := map[string]interface{}{
		"authorization":       authz,
		"encoded_body_base64": base64.StdEncoding.EncodeToString(body),
	}
	if i := strings.LastIndex(authz, "Signature="); i >= 0 {
		out["signature"] = authz[i+len("Signature="):]
	}
	if marker != unsignedChunksTrailer {
		chunks, trailerSig := signaturesOf(body)
		out["chunk_signatures"] = chunks
		if len(c.Trailers) > 0 {
			out["trailer_signature"] = trailerSig
		}
	}
	return out, nil
}

// signaturesOf reads the chunk-signature of every chunk header in an encoded body, in order, and
// the x-amz-trailer-signature value. It parses what the library wrote; it computes nothing.
func signaturesOf(body []byte) ([]string, string) {
	chunks := []string{}
	trailerSig := ""
	rest := body
	for len(rest) > 0 {
		end := bytes.Index(rest, []byte("\r\n"))
		if end < 0 {
			break
		}
		line := string(rest[:end])
		rest = rest[end+2:]
		size, sig, found := strings.Cut(line, ";chunk-signature=")
		if !found {
			break
		}
		chunks = append(chunks, sig)
		var n int64
		if _, err := fmt.Sscanf(size, "%x", &n); err != nil || n < 0 || n+2 > int64(len(rest)) {
			break
		}
		if n == 0 {
			// The trailer lines (minio-go ends them with \n or \r\n), then the signature's.
			for _, line := range strings.Split(string(rest), "\n") {
				line = strings.TrimSuffix(line, "\r")
				if strings.HasPrefix(line, "x-amz-trailer-signature:") {
					trailerSig = strings.TrimPrefix(line, "x-amz-trailer-signature:")
				}
			}
			break
		}
		rest = rest[n+2:]
	}
	return chunks, trailerSig
}
