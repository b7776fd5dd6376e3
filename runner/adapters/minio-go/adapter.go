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
	"fmt"
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
		Modes:  []string{"header", "query"},
		Stages: []string{"signature", "authorization", "presigned_url"},
	}, sign)
}

func sign(mode string, c *adapterkit.Context, r *adapterkit.Request, alterations *[]string) (map[string]string, error) {
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
	out := map[string]string{}
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
