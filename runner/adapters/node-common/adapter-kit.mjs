// Shared code of the Node.js adapters (runner/adapters/smithy, runner/adapters/aws4, ...): adapter
// protocol v1 (docs/adapter-protocol.md) reading and writing, context and request validation,
// the headers object both libraries take, and the RFC 3986 facts about a path that decide whether
// a switch a library lacks would change anything. Node built-ins only (no npm dependencies), so
// each adapter still installs and runs from its own folder; the library-specific mapping stays
// in each adapter.mjs, which imports this file with `../node-common/adapter-kit.mjs`. Importing
// it has no side effects.
//
// Nothing here does signer work: no trimming, merging, sorting, encoding or hashing of the
// request. The request reaches the library as the protocol gives it.

import { createInterface } from "node:readline";

// Thrown by an adapter for a case its library cannot express: answered with "skip".
export class Skip {
  constructor(reason) {
    this.reason = reason;
  }
}

// Malformed protocol input: answered with "error".
export class BadInput extends Error {}

// Nothing but protocol lines may reach stdout.
export function quietConsole() {
  console.log = console.info = console.debug = (...a) => console.error(...a);
}

// ---------------------------------------------------------------------------------------------
// Context: validated and resolved with the suite's defaults (suite/README.md).

const CONTEXT_KEYS = new Set([
  "credentials", "region", "service", "timestamp", "normalize", "sign_body",
  "expiration_in_seconds", "omit_session_token", "double_uri_encode", "payload_hash",
  "signed_body_value", "unsigned_headers", "algorithm", "event_stream",
]);
export const SIGV4 = "AWS4-HMAC-SHA256";
export const SIGV4A = "AWS4-ECDSA-P256-SHA256";
const CREDENTIAL_KEYS = new Set(["access_key_id", "secret_access_key", "token"]);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isObj(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function opt(ctx, key, type, dflt) {
  const v = ctx[key];
  if (v === undefined || v === null) return dflt;
  if (type === "integer" ? !Number.isInteger(v) : typeof v !== type) {
    throw new BadInput(`context.${key} must be ${type === "integer" ? "an integer" : `a ${type}`}`);
  }
  return v;
}

// context.event_stream -> {events: [{date, payload}], end}: times as Dates, payloads as
// Uint8Arrays (base64 decoded; nothing else is done to them).
function eventStream(v) {
  if (!isObj(v)) throw new BadInput("context.event_stream must be an object");
  for (const k of Object.keys(v)) {
    if (k !== "events" && k !== "end") throw new BadInput(`unknown context key: event_stream.${k}`);
  }
  const time = (t, what) => {
    const d = typeof t === "string" && RFC3339.test(t) ? new Date(t.toUpperCase().replace(" ", "T")) : null;
    if (!d || Number.isNaN(d.getTime())) throw new BadInput(`${what} is not RFC 3339: ${t}`);
    return d;
  };
  const events = v.events ?? [];
  if (!Array.isArray(events)) throw new BadInput("context.event_stream.events must be an array");
  return {
    events: events.map((e, i) => {
      const what = `context.event_stream.events[${i}]`;
      if (!isObj(e)) throw new BadInput(`${what} must be an object`);
      for (const k of Object.keys(e)) {
        if (k !== "timestamp" && k !== "payload_base64") throw new BadInput(`unknown context key: ${what}.${k}`);
      }
      if (typeof e.payload_base64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.payload_base64)) {
        throw new BadInput(`${what}.payload_base64 must be base64`);
      }
      return { date: time(e.timestamp, `${what}.timestamp`), payload: new Uint8Array(Buffer.from(e.payload_base64, "base64")) };
    }),
    end: time(v.end, "context.event_stream.end"),
  };
}

// `algorithms`: what the library signs; a case of another algorithm is a skip with that reason.
// `events`: whether the adapter signs event-stream messages; without it a case with an
// event_stream is a skip with that reason. The resolved context's eventStream is null, or (header
// mode) the parsed event_stream.
export function resolveContext(ctx, mode, algorithms = [SIGV4], { events = false } = {}) {
  if (!isObj(ctx)) throw new BadInput("context must be an object");
  const algorithm = ctx.algorithm ?? SIGV4;
  if (algorithm !== SIGV4 && algorithm !== SIGV4A) throw new BadInput(`unknown context.algorithm: ${algorithm}`);
  if (!algorithms.includes(algorithm)) {
    throw new Skip(`context.algorithm ${algorithm}: this library signs ${algorithms.join(", ")} only`);
  }
  if ("chunk_size" in ctx) {
    throw new Skip("aws-chunked upload (chunk_size): this library signs requests only; it has no " +
      "chunk or trailer signing");
  }
  if ("event_stream" in ctx && !events && mode === "header") {
    throw new Skip("event stream (event_stream): this library signs requests only; it has no " +
      "event-stream message signing");
  }
  for (const k of Object.keys(ctx)) if (!CONTEXT_KEYS.has(k)) throw new BadInput(`unknown context key: ${k}`);
  const stream = "event_stream" in ctx && mode === "header" ? eventStream(ctx.event_stream) : null;
  const cr = ctx.credentials;
  if (!isObj(cr)) throw new BadInput("context.credentials must be an object");
  for (const k of Object.keys(cr)) if (!CREDENTIAL_KEYS.has(k)) throw new BadInput(`unknown context key: credentials.${k}`);
  for (const k of ["access_key_id", "secret_access_key"]) {
    if (typeof cr[k] !== "string") throw new BadInput(`context.credentials.${k} must be a string`);
  }
  if (cr.token !== undefined && cr.token !== null && typeof cr.token !== "string") {
    throw new BadInput("context.credentials.token must be a string");
  }
  for (const k of ["region", "service", "timestamp"]) {
    if (typeof ctx[k] !== "string") throw new BadInput(`context.${k} must be a string`);
  }
  const m = RFC3339.exec(ctx.timestamp);
  const date = m ? new Date(ctx.timestamp.toUpperCase().replace(" ", "T")) : null;
  if (!date || Number.isNaN(date.getTime())) throw new BadInput(`context.timestamp is not RFC 3339: ${ctx.timestamp}`);
  const s3 = ctx.service === "s3";
  const unsigned = opt(ctx, "unsigned_headers", "object", []);
  if (!Array.isArray(unsigned) || unsigned.some((h) => typeof h !== "string")) {
    throw new BadInput("context.unsigned_headers must be an array of strings");
  }
  return {
    algorithm,
    accessKeyId: cr.access_key_id,
    secretAccessKey: cr.secret_access_key,
    token: cr.token ?? null,
    region: ctx.region,
    service: ctx.service,
    s3,
    date,
    // "never applied for s3"; sign_body: header mode only (no effect in query mode)
    normalize: s3 ? false : opt(ctx, "normalize", "boolean", true),
    signBody: opt(ctx, "sign_body", "boolean", s3 && mode === "header"),
    expires: opt(ctx, "expiration_in_seconds", "integer", 3600),
    omitToken: opt(ctx, "omit_session_token", "boolean", false),
    doubleEncode: opt(ctx, "double_uri_encode", "boolean", !s3),
    // payload_hash, or the official suite's name signed_body_value (payload_hash wins); the
    // suite's default is UNSIGNED-PAYLOAD for s3 in query mode, else none (the body's hash).
    payloadHash: opt(ctx, "payload_hash", "string", null) ??
      opt(ctx, "signed_body_value", "string", s3 && mode === "query" ? "UNSIGNED-PAYLOAD" : null),
    unsigned: unsigned.map((h) => h.toLowerCase()),
    eventStream: stream,
  };
}

// ---------------------------------------------------------------------------------------------
// Request: the protocol's parsed fields.

export function checkRequest(r) {
  if (!isObj(r)) throw new BadInput("request must be an object");
  for (const k of ["method", "path", "body_base64"]) {
    if (typeof r[k] !== "string") throw new BadInput(`request.${k} must be a string`);
  }
  if (r.query !== null && typeof r.query !== "string") throw new BadInput("request.query must be a string or null");
  if (!Array.isArray(r.headers) || r.headers.some((h) => !Array.isArray(h) || h.length !== 2 ||
      typeof h[0] !== "string" || typeof h[1] !== "string")) {
    throw new BadInput("request.headers must be an array of [name, value] string pairs");
  }
}

// Both libraries take headers as a plain object, one value per property name. The object is
// built from the request's pairs as given: names as written, values untrimmed (a folded value
// keeps its "\n" and continuation line). Names that differ only in case are distinct properties
// and both reach the library, which decides what to do with them. A name written the same way
// twice cannot be held by such an object (the second would overwrite the first): that is the
// library's input-model limit, answered with skip; the values are never merged.
export function headerObject(pairs, library) {
  const out = Object.create(null);
  for (const [name, value] of pairs) {
    if (Object.hasOwn(out, name)) {
      throw new Skip(`the request repeats the header ${JSON.stringify(name)}: ${library} takes headers as an ` +
        "object with one value per name, so repeated headers cannot be handed over");
    }
    out[name] = value;
  }
  return out;
}

export function hasHeader(headers, lc) {
  return Object.keys(headers).some((n) => n.toLowerCase() === lc);
}

// ---------------------------------------------------------------------------------------------
// Path and encoding checks: is a switch the library lacks a no-op on this path?

// RFC 3986 section 5.2.4 remove_dot_segments, plus collapsing runs of "/" (the suite's
// `normalize`). Percent-encoded dots (%2E) are decoded first (RFC 3986 section 6.2.2.2), so a
// path holding them never counts as "normalisation changes nothing" by mistake.
export function normalizePath(path) {
  let input = path.replace(/%2e/gi, ".").replace(/\/{2,}/g, "/");
  let output = "";
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../") || input === "/..") {
      input = "/" + input.slice(input === "/.." ? 3 : 4);
      output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
    } else if (input === "." || input === "..") input = "";
    else {
      const next = input.indexOf("/", input.startsWith("/") ? 1 : 0);
      const seg = next < 0 ? input : input.slice(0, next);
      output += seg;
      input = next < 0 ? "" : input.slice(next);
    }
  }
  return output;
}
// Normalising would leave the path as it is (no ".", "..", empty segments; no %2E).
export const normalizeIsNoop = (path) => path.startsWith("/") && normalizePath(path) === path;
// Encoding once or twice (or not at all) gives the same text: only RFC 3986 unreserved and "/".
export const encodingIsNoop = (path) => /^[A-Za-z0-9\-._~/]*$/.test(path);

// ---------------------------------------------------------------------------------------------
// Protocol loop.
//
// runAdapter({implementation, modes, stages, sign}) answers the handshake with the given fields
// and every "sign" message with sign(msg, alterations)'s stages (sign may be synchronous or async;
// a Skip becomes "skip", anything else thrown becomes "error"). `alterations` is an empty array
// that sign() pushes a sentence onto for every change it made to the request or context before
// the library saw it beyond pure translation of representation; every result that carries
// stages or an error carries it as "alterations" ([] = the library got the request unaltered).
// It exits 0 once stdin is closed, every answer is written and stdout has been flushed.

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

export function runAdapter({ implementation, modes, stages, sign, algorithms = [SIGV4] }) {
  process.stdout.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    console.error(e);
  });
  process.on("uncaughtException", (e) => console.error("uncaught:", e));
  process.on("unhandledRejection", (e) => console.error("unhandled rejection:", e));

  const pending = new Set();

  async function handle(msg) {
    const id = msg.id;
    const alterations = [];
    try {
      // A synchronous sign() is answered in the same tick (no await), an async one when it settles.
      const answer = sign(msg, alterations);
      const result = answer instanceof Promise ? await answer : answer;
      send({ type: "result", id, ...result, alterations });
    } catch (e) {
      if (e instanceof Skip) {
        send({ type: "result", id, skip: e.reason });
      } else {
        console.error(`[${id}]`, e instanceof Error ? e.stack : e);
        send({ type: "result", id, error: e instanceof Error ? e.message : String(e), alterations });
      }
    }
  }

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      console.error("not JSON:", e.message, line.slice(0, 200));
      return;
    }
    if (!isObj(msg)) {
      console.error("not a JSON object:", line.slice(0, 200));
      return;
    }
    if (msg.type === "hello") {
      if (msg.protocol !== 1) console.error(`runner speaks protocol ${msg.protocol}; this adapter speaks 1`);
      send({ type: "hello", protocol: 1, implementation, modes, stages, algorithms });
      return;
    }
    if (msg.type === "sign") {
      const p = handle(msg).finally(() => pending.delete(p));
      pending.add(p);
      return;
    }
    console.error("unknown message type:", msg.type);
    if (msg.id !== undefined) {
      send({ type: "result", id: msg.id, error: `unknown message type: ${msg.type}`, alterations: [] });
    }
  });
  rl.on("close", async () => {
    await Promise.allSettled([...pending]);
    // stdout may be an asynchronous pipe: exit only once every answer has been handed to the OS.
    process.stdout.write("", () => process.exit(0));
  });
}
