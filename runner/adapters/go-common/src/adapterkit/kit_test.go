package adapterkit

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                  "/",
		"/a/b":               "/a/b",
		"/a/./b":             "/a/b",
		"/a/../b":            "/b",
		"/a/b/..":            "/a/",
		"/..":                "/",
		"//a//b/":            "/a/b/",
		"/a/%2E%2e/b":        "/b",
		"/photos/2015/../..": "/",
	} {
		if got := NormalizePath(in); got != want {
			t.Errorf("NormalizePath(%q) = %q, want %q", in, got, want)
		}
	}
	if !NormalizeIsNoop("/a/b/") || NormalizeIsNoop("/a//b") || NormalizeIsNoop("a") {
		t.Error("NormalizeIsNoop")
	}
	if !EncodingIsNoop("/a-b_c.d~e/") || EncodingIsNoop("/a b") || EncodingIsNoop("/a%20b") {
		t.Error("EncodingIsNoop")
	}
}

func context(t *testing.T, extra string, mode string) (*Context, error) {
	t.Helper()
	raw := `{"credentials":{"access_key_id":"AK","secret_access_key":"SK"},"region":"us-east-1",` +
		`"service":"s3","timestamp":"2015-08-30T12:36:00Z"` + extra + `}`
	return ParseContext(json.RawMessage(raw), mode)
}

func TestParseContextDefaults(t *testing.T) {
	c, err := context(t, "", "query")
	if err != nil {
		t.Fatal(err)
	}
	if c.Normalize || c.DoubleEncode || c.SignBody || c.PayloadHash != "UNSIGNED-PAYLOAD" || c.ExplicitPayloadHash || c.Expires != 3600 {
		t.Errorf("s3 query defaults: %+v", c)
	}
	if c.Time.Unix() != 1440938160 {
		t.Errorf("time %v", c.Time)
	}
	c, err = context(t, `,"normalize":true,"payload_hash":"X"`, "header")
	if err != nil {
		t.Fatal(err)
	}
	if c.Normalize || !c.SignBody || c.PayloadHash != "X" || !c.ExplicitPayloadHash {
		t.Errorf("s3 header: %+v", c)
	}
}

func TestParseContextRejects(t *testing.T) {
	for extra, wantErr := range map[string]string{
		`,"bogus":1`:                   `unknown key "bogus"`,
		`,"normalize":"yes"`:           "expected a boolean",
		`,"expiration_in_seconds":"x"`: "expected an integer",
	} {
		if _, err := context(t, extra, "header"); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: got %v, want %q", extra, err, wantErr)
		}
	}
}

func TestParseRequest(t *testing.T) {
	r, err := ParseRequest(json.RawMessage(`{"method":"GET","target":"/a?b","path":"/a","query":"b",` +
		`"headers":[["Host","h"],["X","1"],["x","2"]],"body_base64":"Zm9v"}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, many := r.Header("host"); v != "h" || !ok || many {
		t.Errorf("Host: %q %v %v", v, ok, many)
	}
	if _, _, many := r.Header("X"); !many {
		t.Error("repeated X not seen")
	}
	if string(r.Body) != "foo" || *r.Query != "b" {
		t.Errorf("%+v", r)
	}
}
