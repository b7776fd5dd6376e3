#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package aws-sign-web (danieljoos/aws-sign-web,
// "Plain JavaScript AWS Signature v4 for use within Web Browsers"): new AwsSigner(config)
// .sign(request, signDate), header mode only (the library has no presigning).
//
// The library parses the URL with a browser anchor element (document.createElement('a')); Node
// has no DOM, so the adapter provides the one piece of a browser it touches: an anchor whose
// href/host/pathname/search are those of a WHATWG URL, the URL standard browsers implement. The
// library's own parser then reads them (decodeURI of the pathname, its own query splitting).
//
// The canonical request, string to sign, signing key and signature are recorded from the
// signer's own hasher object (signer.hasher, made by its default CryptoJS hasher factory):
// what it hashed last is the canonical request, the last HMAC input the string to sign, the
// fourth HMAC output the signing key, the fifth the signature. The adapter never trims, merges,
// sorts, encodes or hashes. See README.md for every mapping.

import { createRequire } from "node:module";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject, normalizeIsNoop,
  encodingIsNoop, runAdapter,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
quietConsole();

// The browser anchor the library's SimpleUriParser uses, backed by a WHATWG URL.
globalThis.document = {
  createElement(tag) {
    if (tag !== "a") throw new Error(`aws-sign-web asked for a <${tag}> element`);
    let url = null;
    return {
      set href(v) { url = new URL(v); },
      get href() { return url.href; },
      get protocol() { return url.protocol; },
      get host() { return url.host; },
      get pathname() { return url.pathname; },
      get search() { return url.search; },
    };
  },
};

const { AwsSigner } = require("aws-sign-web");
const CryptoJS = require("crypto-js/core");
const LIB_VERSION = require("aws-sign-web/package.json").version;

const hasDotSegment = (path) => path.split("/").some((s) => /^(\.|%2e){1,2}$/i.test(s));

function hostOf(headers) {
  const h = headers.find(([n]) => n.toLowerCase() === "host");
  if (!h) throw new Skip("the request has no Host header: aws-sign-web takes the host from the URL");
  return h[1].trim(); // surrounding whitespace is not part of a header value (RFC 9110 OWS)
}

function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode === "query") throw new Skip("query mode: aws-sign-web has no presigning");
  if (mode !== "header") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  // Path: the URL parser resolves dot segments; the library never collapses "//" and encodes
  // each (decoded) segment once, for every service.
  if (c.normalize ? !normalizeIsNoop(r.path) && r.path.includes("//") : hasDotSegment(r.path)) {
    throw new Skip(c.normalize
      ? "normalize on a path with '//': aws-sign-web never collapses slashes (no switch)"
      : "a path with dot segments that must be kept: aws-sign-web takes a URL, whose parser always removes them");
  }
  if (c.doubleEncode && !encodingIsNoop(r.path)) {
    throw new Skip("double_uri_encode: aws-sign-web encodes each path segment once, for every service (no switch)");
  }
  if (c.unsigned.length > 0) throw new Skip("unsigned_headers: aws-sign-web signs every header it is given (no switch)");
  if (c.payloadHash !== null) throw new Skip("a literal payload hash: aws-sign-web always hashes the body (no switch)");
  if (c.signBody) throw new Skip("sign_body: aws-sign-web never adds x-amz-content-sha256 (no switch)");
  if (c.token && !c.omitToken) {
    // aws-sign-web returns the token as an x-amz-security-token header it does not sign:
    // exactly omit_session_token. Signed tokens cannot be expressed.
    throw new Skip("a signed session token: aws-sign-web returns x-amz-security-token as an unsigned header only (no switch to sign it)");
  }

  const body = Buffer.from(r.body_base64, "base64");
  const text = body.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(body)) throw new Skip("a body that is not UTF-8: aws-sign-web hashes the body as a text string");

  const host = hostOf(r.headers);
  const request = {
    method: r.method,
    url: `https://${host}${r.path}${r.query !== null ? `?${r.query}` : ""}`,
    headers: headerObject(r.headers, "aws-sign-web"),
    ...(text.length ? { body: text } : {}),
  };
  const signer = new AwsSigner({
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.token ? { sessionToken: c.token } : {}),
    region: c.region,
    service: c.service,
    // The library's defaults add Accept and Content-Type: application/json to every request
    // (for Angular's $http); the case's request carries its own headers, so both are off.
    defaultContentType: null,
    defaultAcceptType: null,
  });

  const hashed = [];
  const macs = [];
  const { hash, hmac } = signer.hasher;
  signer.hasher.hash = (input, options) => { hashed.push(input); return hash(input, options); };
  signer.hasher.hmac = (key, input, options) => {
    const out = hmac(key, input, options);
    macs.push({ input, out });
    return out;
  };
  const signed = signer.sign(request, c.date);

  if (macs.length !== 5 || hashed.length < 1) throw new Error(`saw ${hashed.length} hashes and ${macs.length} HMACs`);
  const hex = (v) => (typeof v === "string" ? v : v.toString(CryptoJS.enc.Hex));
  const out = {
    canonical_request: hashed[hashed.length - 1],
    string_to_sign: macs[4].input,
    signing_key: hex(macs[3].out),
    signature: hex(macs[4].out),
    authorization: signed.Authorization,
  };
  if (!out.authorization.endsWith(`Signature=${out.signature}`)) throw new Error("Authorization does not carry the recorded signature");
  return out;
}

runAdapter({
  implementation: { name: "aws-sign-web", version: LIB_VERSION, language: "javascript" },
  modes: ["header"],
  stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization"],
  sign,
});
