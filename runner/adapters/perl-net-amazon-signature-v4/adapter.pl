#!/usr/bin/perl
# sigv4-conformance adapter, protocol v1, for the Perl module Net::Amazon::Signature::V4 (CPAN;
# Debian package libnet-amazon-signature-v4-perl): header mode only (the module has no
# presigning), driven as its SYNOPSIS shows:
#   my $req = HTTP::Request->parse($request_string); $sig->sign($req);
# The request string is the case's request.txt (its head as given, its body as bytes).
#
# The module takes the signing time from the request's X-Amz-Date or Date header and otherwise
# reads the clock; the clock is frozen the way a Perl test freezes it, with Test::MockTime
# (loaded first, so it overrides time/gmtime for every module). The canonical request and string
# to sign are what the module's own _canonical_request / _string_to_sign methods returned while it
# signed (a subclass records them). The adapter never trims, merges, sorts, encodes or hashes.
# See README.md for every mapping.
use strict;
use warnings;
use Test::MockTime qw(set_fixed_time restore_time);
use FindBin;
use lib "$FindBin::Bin/../perl-common";
use AdapterKit qw(skip bad_input resolve_context normalize_noop encoding_noop run_adapter body_bytes);
use Encode ();
use HTTP::Request;
use Net::Amazon::Signature::V4;

# Records what the module computes while it signs.
package Recording {
    our @ISA = ('Net::Amazon::Signature::V4');
    sub _canonical_request { my $self = shift; my $v = $self->SUPER::_canonical_request(@_); push @{ $self->{rec_creq} }, $v; $v }
    sub _string_to_sign { my $self = shift; my $v = $self->SUPER::_string_to_sign(@_); push @{ $self->{rec_sts} }, $v; $v }
}

sub text { my $v = eval { Encode::decode('UTF-8', $_[0], Encode::FB_CROAK) }; return $v }

sub sign {
    my ($msg, $alterations) = @_;
    my $mode = $msg->{mode} // '';
    skip('query mode: Net::Amazon::Signature::V4 has no presigning') if $mode eq 'query';
    bad_input("unknown mode: $mode") unless $mode eq 'header';
    my $c = resolve_context($msg->{context}, $mode);
    my $r = $msg->{request};
    bad_input('request must be an object') unless ref $r eq 'HASH' && defined $r->{raw};

    # Path: the module always removes empty, '.' and '..' segments; it escapes each segment once
    # (all services but s3, whose segments it keeps as given).
    if (!$c->{normalize} && !normalize_noop($r->{path})) {
        skip('a path that must not be normalised: Net::Amazon::Signature::V4 always drops empty, . and .. segments (no switch)');
    }
    if ($c->{s3} && !normalize_noop($r->{path})) {
        skip('an s3 path with empty or dot segments: Net::Amazon::Signature::V4 always drops them');
    }
    if (!$c->{s3} && $c->{double_encode} && !encoding_noop($r->{path})) {
        skip('double_uri_encode: Net::Amazon::Signature::V4 escapes each path segment once (no switch)');
    }
    if (!$c->{s3} && !$c->{double_encode} && !encoding_noop($r->{path})) {
        skip('double_uri_encode false on a path that needs encoding: Net::Amazon::Signature::V4 always escapes non-s3 segments (no switch)');
    }
    skip('unsigned_headers: Net::Amazon::Signature::V4 signs every header (no switch)') if @{ $c->{unsigned} };
    skip('omit_session_token: Net::Amazon::Signature::V4 always signs the token it adds') if $c->{token} && $c->{omit_token};
    # Payload: the module reads x-amz-content-sha256 from the request, else adds it (signed) with
    # the body's hash; every request it signs carries the signed header.
    my $own_sha = grep { lc $_->[0] eq 'x-amz-content-sha256' } @{ $r->{headers} };
    skip('a literal payload hash: Net::Amazon::Signature::V4 has no input for one but the request\'s own x-amz-content-sha256')
      if defined $c->{payload_hash} && !$own_sha;
    skip('sign_body false: Net::Amazon::Signature::V4 always adds and signs x-amz-content-sha256 (no switch)')
      if !$c->{sign_body} && !$own_sha;

    # request.txt: its head as given (UTF-8), its body as bytes.
    my $raw = Encode::encode_utf8($r->{raw});
    my $head = $raw =~ /\A(.*?\n)\n/s ? $1 : $raw;
    my $req = HTTP::Request->parse($head . "\n" . body_bytes($r));

    my $signer = Recording->new({
        access_key_id => $c->{access_key_id}, secret => $c->{secret},
        endpoint => $c->{region}, service => $c->{service},
        (defined $c->{token} ? (security_token => $c->{token}) : ()),
    });
    set_fixed_time($c->{epoch});
    my $ok = eval { $signer->sign($req); 1 };
    my $err = $@;
    restore_time();
    die $err unless $ok;

    my ($creq, $sts) = ($signer->{rec_creq} // [], $signer->{rec_sts} // []);
    die sprintf("stage hooks saw %d canonical requests, %d strings to sign\n", scalar @$creq, scalar @$sts)
      unless @$creq == 1 && @$sts == 1;
    my $auth = $req->header('Authorization');
    my ($signature) = ($auth // '') =~ /Signature=([0-9a-f]{64})$/ or die "no Authorization header with a signature\n";
    my %out = (signature => $signature);
    for ([canonical_request => $creq->[0]], [string_to_sign => $sts->[0]], [authorization => $auth]) {
        my $t = text($_->[1]);
        $out{ $_->[0] } = $t if defined $t;
    }
    return \%out;
}

run_adapter(
    implementation => { name => 'perl-net-amazon-signature-v4', version => "$Net::Amazon::Signature::V4::VERSION", language => 'perl' },
    modes => ['header'],
    stages => [qw(canonical_request string_to_sign signature authorization)],
    sign => \&sign,
);
