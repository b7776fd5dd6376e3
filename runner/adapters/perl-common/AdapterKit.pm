# Shared code of the Perl adapters (runner/adapters/perl-*): adapter protocol v1
# (docs/adapter-protocol.md) reading and writing, context validation with the suite's defaults
# (suite/README.md), and the RFC 3986 facts about a path that decide whether a switch a library
# lacks would change anything. Core Perl modules only. Nothing here does signer work: no
# trimming, merging, sorting, encoding or hashing of the request.
package AdapterKit;
use strict;
use warnings;
use JSON::PP ();
use MIME::Base64 ();
use Time::Local ();
use Exporter 'import';
our @EXPORT_OK = qw(skip bad_input resolve_context normalize_noop encoding_noop run_adapter body_bytes);

# A case the library cannot express: answered with "skip".
package AdapterKit::Skip { sub new { my ($c, $r) = @_; bless { reason => $r }, $c } }
# Malformed protocol input: answered with "error".
package AdapterKit::BadInput { sub new { my ($c, $r) = @_; bless { reason => $r }, $c } }
package AdapterKit;

sub skip { die AdapterKit::Skip->new($_[0]) }
sub bad_input { die AdapterKit::BadInput->new($_[0]) }

my %CONTEXT_KEYS = map { $_ => 1 } qw(credentials region service timestamp normalize sign_body
  expiration_in_seconds omit_session_token double_uri_encode payload_hash signed_body_value unsigned_headers);

sub _bool {
    my ($ctx, $k, $d) = @_;
    my $v = $ctx->{$k};
    return $d unless defined $v;
    bad_input("context.$k must be a boolean") unless JSON::PP::is_bool($v);
    return $v ? 1 : 0;
}

sub _str {
    my ($ctx, $k, $d) = @_;
    my $v = $ctx->{$k};
    return $d unless defined $v;
    bad_input("context.$k must be a string") if ref $v;
    return $v;
}

# The case's context, validated, with the suite's defaults; `epoch` is the timestamp in seconds.
sub resolve_context {
    my ($ctx, $mode) = @_;
    bad_input('context must be an object') unless ref $ctx eq 'HASH';
    skip('aws-chunked upload (chunk_size): this library signs requests only; it has no chunk or trailer signing')
        if exists $ctx->{chunk_size};
    skip('event stream (event_stream): this library signs requests only; it has no event-stream message signing')
        if exists $ctx->{event_stream};
    for (sort keys %$ctx) { bad_input("unknown context key: $_") unless $CONTEXT_KEYS{$_} }
    my $cr = $ctx->{credentials};
    bad_input('context.credentials must be an object') unless ref $cr eq 'HASH';
    for (sort keys %$cr) { bad_input("unknown context key: credentials.$_") unless /^(access_key_id|secret_access_key|token)$/ }
    for (qw(region service timestamp)) { bad_input("context.$_ must be a string") unless defined $ctx->{$_} && !ref $ctx->{$_} }
    my ($y, $mo, $d, $h, $mi, $s, $zone) =
      $ctx->{timestamp} =~ /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?([Zz]|[+-]\d\d:\d\d)$/
      or bad_input("context.timestamp is not RFC 3339: $ctx->{timestamp}");
    my $epoch = Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y);
    if ($zone =~ /^([+-])(\d\d):(\d\d)$/) { $epoch -= ($1 eq '-' ? -1 : 1) * ($2 * 3600 + $3 * 60) }
    my $s3 = $ctx->{service} eq 's3' ? 1 : 0;
    my $unsigned = $ctx->{unsigned_headers} // [];
    bad_input('context.unsigned_headers must be an array of strings') unless ref $unsigned eq 'ARRAY';
    my $exp = $ctx->{expiration_in_seconds} // 3600;
    bad_input('context.expiration_in_seconds must be an integer') unless $exp =~ /^-?\d+$/;
    return {
        access_key_id => $cr->{access_key_id}, secret => $cr->{secret_access_key}, token => $cr->{token},
        region => $ctx->{region}, service => $ctx->{service}, s3 => $s3, epoch => $epoch,
        normalize => $s3 ? 0 : _bool($ctx, 'normalize', 1),
        sign_body => _bool($ctx, 'sign_body', ($s3 && $mode eq 'header') ? 1 : 0),
        expires => $exp + 0,
        omit_token => _bool($ctx, 'omit_session_token', 0),
        double_encode => _bool($ctx, 'double_uri_encode', $s3 ? 0 : 1),
        payload_hash => _str($ctx, 'payload_hash', undef)
          // _str($ctx, 'signed_body_value', ($s3 && $mode eq 'query') ? 'UNSIGNED-PAYLOAD' : undef),
        unsigned => [map { lc } @$unsigned],
    };
}

# Would RFC 3986 dot-segment removal and '//' collapsing (with %2E read as '.') leave the path
# as it is?
sub normalize_noop {
    my ($path) = @_;
    return 0 unless $path =~ m{^/} && $path !~ m{//};
    return !grep { /^(?:\.|%2e){1,2}$/i } split m{/}, $path, -1;
}

# Would encoding the path (once or twice) change nothing? Only RFC 3986 unreserved and '/'.
sub encoding_noop { return $_[0] =~ m{^[A-Za-z0-9\-._~/]*$} ? 1 : 0 }

# The request's body as bytes.
sub body_bytes { return MIME::Base64::decode_base64($_[0]->{body_base64}) }

# run_adapter(implementation => {...}, modes => [...], stages => [...], sign => sub { ($msg,
# \@alterations) -> {stage => value} }): answers the handshake and every sign message, one line
# each, flushed; a Skip becomes "skip", anything else that dies becomes "error".
sub run_adapter {
    my %a = @_;
    my $json = JSON::PP->new->utf8->canonical;
    binmode STDIN;
    binmode STDOUT;
    STDOUT->autoflush(1);
    while (my $line = <STDIN>) {
        next if $line =~ /^\s*$/;
        my $msg = eval { $json->decode($line) };
        if (!$msg || ref $msg ne 'HASH') { warn "not a JSON object: $line"; next }
        if (($msg->{type} // '') eq 'hello') {
            print $json->encode({ type => 'hello', protocol => 1, implementation => $a{implementation},
                modes => $a{modes}, stages => $a{stages} }), "\n";
            next;
        }
        my $id = $msg->{id};
        my @alterations;
        my $out = eval { $a{sign}->($msg, \@alterations) };
        my $answer;
        if (my $e = $@) {
            if (ref $e eq 'AdapterKit::Skip') {
                $answer = { type => 'result', id => $id, skip => $e->{reason} };
            } else {
                my $text = ref $e ? $e->{reason} // "$e" : $e;
                $text =~ s/\s+$//;
                warn "[$id] $text\n";
                $answer = { type => 'result', id => $id, error => $text, alterations => \@alterations };
            }
        } else {
            $answer = { type => 'result', id => $id, %$out, alterations => \@alterations };
        }
        print $json->encode($answer), "\n";
    }
    exit 0;
}

1;
