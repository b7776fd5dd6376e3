# frozen_string_literal: true

# sigv4-conformance adapter, protocol v1, for the Ruby gem aws-sigv4 (the AWS SDK for Ruby's
# signer, Debian package ruby-aws-sigv4): Aws::Sigv4::Signer#sign_request (header mode),
# #presign_url (query mode) and #sign_event (event streams), pure Ruby (the adapter refuses to run if the aws-crt gem is loaded,
# which would make the gem delegate to aws-c-auth).
#
# Reads JSON lines on stdin and answers JSON lines on stdout (docs/adapter-protocol.md). The
# adapter hands the signer the request as a Ruby user would (a URL, a headers Hash, the body
# String) and never trims, merges, sorts, encodes or hashes. sign_request has no time option: it
# reads Time.now, so the clock is frozen the way a Ruby test freezes it (Timecop-style, Time.now
# answers the case's timestamp). presign_url takes :time. The stages are the values the signer's
# own (private) canonical_request, string_to_sign, hmac and hexhmac returned while it signed,
# recorded by a module prepended to that signer instance. See README.md for every mapping.

require 'json'
require 'time'
require 'base64'
require 'aws-sigv4'
require 'aws-eventstream'

$stdout.sync = true

# Freezes Time.now at FrozenClock.now while it is set (as Timecop.freeze does).
module FrozenClock
  class << self
    attr_accessor :now
  end

  def now(*args, **kwargs)
    FrozenClock.now || super
  end
end
Time.singleton_class.prepend(FrozenClock)

# Records what the signer computes: prepended to one signer instance.
module Recording
  attr_reader :recorded

  def record(key, value)
    (@recorded ||= Hash.new { |h, k| h[k] = [] })[key] << value
    value
  end

  def canonical_request(*args) = record(:creq, super)
  def string_to_sign(*args) = record(:sts, super)
  def hmac(*args) = record(:hmac, super)
  def hexhmac(*args) = record(:hexhmac, super)
end

class Skip < StandardError; end
class BadInput < StandardError; end

CONTEXT_KEYS = %w[credentials region service timestamp normalize sign_body expiration_in_seconds
                  omit_session_token double_uri_encode payload_hash signed_body_value unsigned_headers
                  event_stream].freeze

def opt(ctx, key, klass, default)
  v = ctx[key]
  return default if v.nil?
  ok = klass == :bool ? [true, false].include?(v) : v.is_a?(klass)
  raise BadInput, "context.#{key} has the wrong type" unless ok

  v
end

def rfc3339(text, what)
  raise BadInput, "#{what} must be a string" unless text.is_a?(String)

  Time.iso8601(text).utc
rescue ArgumentError
  raise BadInput, "#{what} is not RFC 3339: #{text}"
end

# context.event_stream -> { events: [{ time:, payload: (binary String) }], end: Time }.
def event_stream(v)
  raise BadInput, 'context.event_stream must be an object' unless v.is_a?(Hash)

  (v.keys - %w[events end]).each { |k| raise BadInput, "unknown context key: event_stream.#{k}" }
  events = v['events'] || []
  raise BadInput, 'context.event_stream.events must be an array' unless events.is_a?(Array)

  {
    events: events.each_with_index.map do |e, i|
      what = "context.event_stream.events[#{i}]"
      raise BadInput, "#{what} must be an object" unless e.is_a?(Hash)

      (e.keys - %w[timestamp payload_base64]).each { |k| raise BadInput, "unknown context key: #{what}.#{k}" }
      begin
        payload = Base64.strict_decode64(e['payload_base64'].to_s)
      rescue ArgumentError
        raise BadInput, "#{what}.payload_base64 must be base64"
      end
      { time: rfc3339(e['timestamp'], "#{what}.timestamp"), payload: payload }
    end,
    end: rfc3339(v['end'], 'context.event_stream.end')
  }
end

def resolve(ctx, mode)
  raise BadInput, 'context must be an object' unless ctx.is_a?(Hash)

  if ctx.key?('chunk_size')
    raise Skip, 'aws-chunked upload (chunk_size): Aws::Sigv4::Signer signs requests and event-stream messages, not aws-chunked chunks or trailers'
  end
  (ctx.keys - CONTEXT_KEYS).each { |k| raise BadInput, "unknown context key: #{k}" }
  cr = ctx['credentials']
  raise BadInput, 'context.credentials must be an object' unless cr.is_a?(Hash)

  (cr.keys - %w[access_key_id secret_access_key token]).each { |k| raise BadInput, "unknown context key: credentials.#{k}" }
  %w[region service timestamp].each { |k| raise BadInput, "context.#{k} must be a string" unless ctx[k].is_a?(String) }
  s3 = ctx['service'] == 's3'
  {
    akid: cr['access_key_id'], secret: cr['secret_access_key'], token: cr['token'],
    region: ctx['region'], service: ctx['service'], s3: s3,
    time: Time.iso8601(ctx['timestamp']).utc,
    normalize: s3 ? false : opt(ctx, 'normalize', :bool, true),
    sign_body: opt(ctx, 'sign_body', :bool, s3 && mode == 'header'),
    expires: opt(ctx, 'expiration_in_seconds', Integer, 3600),
    omit_token: opt(ctx, 'omit_session_token', :bool, false),
    double_encode: opt(ctx, 'double_uri_encode', :bool, !s3),
    payload_hash: opt(ctx, 'payload_hash', String, nil) ||
      opt(ctx, 'signed_body_value', String, s3 && mode == 'query' ? 'UNSIGNED-PAYLOAD' : nil),
    unsigned: opt(ctx, 'unsigned_headers', Array, []),
    event_stream: ctx.key?('event_stream') && mode == 'header' ? event_stream(ctx['event_stream']) : nil
  }
end

# Would RFC 3986 dot-segment removal and '//' collapsing leave this path as it is?
def normalize_noop?(path)
  path.start_with?('/') && !path.include?('//') &&
    path.split('/').none? { |s| s.match?(/\A(\.|%2e){1,2}\z/i) }
end

def sign(msg, alterations)
  mode = msg['mode']
  raise BadInput, "unknown mode: #{mode}" unless %w[header query].include?(mode)

  c = resolve(msg['context'], mode)
  r = msg['request']
  # normalize_path and omit_session_token are documented "Supported only when aws-crt is
  # available": the pure-Ruby signer has no such switches.
  if c[:normalize] && !normalize_noop?(r['path'])
    raise Skip, 'normalize: the pure-Ruby signer never normalises the path (normalize_path is supported only with aws-crt)'
  end
  if c[:token] && c[:omit_token]
    raise Skip, 'omit_session_token: supported only with aws-crt; the pure-Ruby signer always signs the token'
  end
  headers = {}
  r['headers'].each do |name, value|
    raise Skip, "the request repeats the header #{name.inspect}: aws-sigv4 takes headers as a Hash with one value per name" if headers.key?(name)

    headers[name] = value
  end
  host = r['headers'].find { |n, _| n.downcase == 'host' }
  raise Skip, 'the request has no Host header: aws-sigv4 takes the host from the URL' unless host

  # Surrounding whitespace is not part of a header value (RFC 9110 OWS).
  url = "https://#{host[1].strip}#{r['path']}#{r['query'].nil? ? '' : "?#{r['query']}"}"
  body = Base64.decode64(r['body_base64']).force_encoding(Encoding::BINARY)
  unsigned = c[:unsigned].dup
  own_sha = r['headers'].select { |n, _| n.downcase == 'x-amz-content-sha256' }

  options = {
    service: c[:service], region: c[:region],
    access_key_id: c[:akid], secret_access_key: c[:secret], session_token: c[:token],
    uri_escape_path: c[:double_encode], unsigned_headers: unsigned
  }
  if mode == 'header'
    options[:apply_checksum_header] = c[:sign_body]
    unless c[:payload_hash].nil?
      # The signer's input for a literal payload hash is the x-amz-content-sha256 request header
      # (it reads it instead of hashing the body); unsigned unless sign_body, via unsigned_headers.
      if own_sha.empty?
        headers['X-Amz-Content-Sha256'] = c[:payload_hash]
      elsif own_sha.any? { |_, v| v != c[:payload_hash] }
        raise Skip, 'the request carries another x-amz-content-sha256'
      end
      unsigned << 'x-amz-content-sha256' unless c[:sign_body]
    end
  end

  signer = Aws::Sigv4::Signer.new(**options)
  signer.singleton_class.prepend(Recording)
  out = {}
  if mode == 'header'
    FrozenClock.now = c[:time]
    begin
      sig = signer.sign_request(http_method: r['method'], url: url, headers: headers, body: body)
    ensure
      FrozenClock.now = nil
    end
    out['authorization'] = sig.headers['authorization']
  else
    args = { http_method: r['method'], url: url, headers: headers, body: body,
             expires_in: c[:expires], time: c[:time] }
    args[:body_digest] = c[:payload_hash] unless c[:payload_hash].nil?
    out['presigned_url'] = signer.presign_url(**args).to_s
  end
  rec = signer.recorded
  unless rec[:creq].size == 1 && rec[:sts].size == 1 && rec[:hmac].size == 4 && rec[:hexhmac].size == 1
    raise "stage hooks saw #{rec.transform_values(&:size)}"
  end

  out.merge!(
    'canonical_request' => rec[:creq][0], 'string_to_sign' => rec[:sts][0],
    'signing_key' => rec[:hmac][3].unpack1('H*'), 'signature' => rec[:hexhmac][0]
  )
  out['event_signatures'] = sign_events(signer, c[:event_stream], out['signature']) if c[:event_stream]
  out
end

# An event stream, signed as aws-sdk-core's event-stream encoder signs it: sign_event(prior
# signature, payload, Aws::EventStream::Encoder) per event, the prior signature the previous one
# (the request's first), then an empty payload for the final message. sign_event reads Time.now
# for the :date header and the scope, so the clock is frozen at each event's timestamp as for
# sign_request; the gem encodes the :date header (with aws-eventstream's encoder), hashes and signs.
def sign_events(signer, stream, seed)
  encoder = Aws::EventStream::Encoder.new
  prior = seed
  (stream[:events] + [{ time: stream[:end], payload: ''.b }]).map do |event|
    FrozenClock.now = event[:time]
    begin
      _headers, prior = signer.sign_event(prior, event[:payload], encoder)
    ensure
      FrozenClock.now = nil
    end
    prior
  end
end

if Aws::Sigv4::Signer.use_crt?
  warn 'aws-crt is loaded: aws-sigv4 would delegate to aws-c-auth; this adapter checks the pure-Ruby signer'
  exit 2
end

$stdin.each_line do |line|
  next if line.strip.empty?

  msg = JSON.parse(line)
  if msg['type'] == 'hello'
    puts JSON.generate(
      type: 'hello', protocol: 1,
      implementation: { name: 'ruby-aws-sigv4', version: Gem.loaded_specs['aws-sigv4']&.version&.to_s || Aws::Sigv4::VERSION, language: 'ruby' },
      modes: %w[header query],
      stages: %w[canonical_request string_to_sign signing_key signature authorization presigned_url
                 event_signatures]
    )
    next
  end
  id = msg['id']
  alterations = []
  answer =
    begin
      { type: 'result', id: id, **sign(msg, alterations), alterations: alterations }
    rescue Skip => e
      { type: 'result', id: id, skip: e.message }
    rescue StandardError => e
      { type: 'result', id: id, error: "#{e.class}: #{e.message}", alterations: alterations }
    end
  puts JSON.generate(answer)
rescue JSON::ParserError => e
  warn "not JSON: #{e.message}"
end
