#!/usr/bin/perl
# sigv4-conformance adapter, protocol v1, for the Perl module AWS::Signature4 (CPAN; Debian
# package libaws-signature4-perl): $signer->sign($request, $region, $payload_sha256_hex) in
# header mode and $signer->signed_url($request, $expires) in query mode, on an HTTP::Request
# built as its POD asks (an absolute URL "from which the AWS endpoint and service can be
# derived", the headers pushed one by one, the body as content).
#
# The module takes the time from the request's X-Amz-Date or Date header and otherwise reads the
# clock; the clock is frozen the way a Perl test freezes it, with Test::MockTime (loaded first,
# so it overrides time/gmtime for every module). The stages are what the module computed while it
# signed: the string to sign and signing key from its own _string_to_sign / signing_key methods (a
# subclass records them), the canonical request from the sha256_hex it hashes it with (wrapped in
# its package). The adapter never trims, merges, sorts, encodes or hashes. See README.md.
use strict;
use warnings;
use Test::MockTime qw(set_fixed_time restore_time);
use FindBin;
use lib "$FindBin::Bin/../perl-common";
use AdapterKit qw(skip bad_input resolve_context normalize_noop encoding_noop run_adapter body_bytes);
use Encode ();
use HTTP::Request;
use AWS::Signature4;

my @hashed;
{
    no warnings 'redefine';
    my $sha256_hex = \&AWS::Signature4::sha256_hex;
    *AWS::Signature4::sha256_hex = sub { push @hashed, $_[0]; $sha256_hex->(@_) };
}

# Records what the module computes while it signs.
package Recording {
    our @ISA = ('AWS::Signature4');
    sub _string_to_sign { my $self = shift; my $v = $self->SUPER::_string_to_sign(@_); push @{ $self->{rec_sts} }, $v; $v }
    sub signing_key { my $self = shift; my $v = $self->SUPER::signing_key(@_); push @{ $self->{rec_key} }, unpack('H*', $v); $v }
}

sub text { my $v = eval { Encode::decode('UTF-8', $_[0], Encode::FB_CROAK) }; return $v }

sub sign {
    my ($msg, $alterations) = @_;
    my $mode = $msg->{mode} // '';
    bad_input("unknown mode: $mode") unless $mode eq 'header' || $mode eq 'query';
    my $c = resolve_context($msg->{context}, $mode);
    my $r = $msg->{request};
    bad_input('request must be an object') unless ref $r eq 'HASH' && ref $r->{headers} eq 'ARRAY';

    # Path: signed as the URI object gives it, never normalised or encoded.
    skip('normalize: AWS::Signature4 never normalises the path (no switch)') if $c->{normalize} && !normalize_noop($r->{path});
    skip('double_uri_encode: AWS::Signature4 never encodes the path (no switch)') if $c->{double_encode} && !encoding_noop($r->{path});
    for (@{ $c->{unsigned} }) { skip("unsigned_headers: AWS::Signature4 leaves only Date unsigned (no switch for $_)") unless $_ eq 'date' }

    my @hosts = grep { lc $_->[0] eq 'host' } @{ $r->{headers} };
    skip('the request has no Host header: AWS::Signature4 derives endpoint and service from the URL') unless @hosts;
    (my $host = $hosts[0][1]) =~ s/^\s+|\s+$//g; # surrounding whitespace is not part of a header value (RFC 9110 OWS)
    my $target = $r->{path} . (defined $r->{query} ? "?$r->{query}" : '');
    my $req = HTTP::Request->new(Encode::encode_utf8($r->{method}), Encode::encode_utf8("https://$host$target"));
    $req->push_header(Encode::encode_utf8($_->[0]) => Encode::encode_utf8($_->[1])) for @{ $r->{headers} };
    my $body = body_bytes($r);
    $req->content($body) if length $body;

    my $signer = Recording->new(-access_key => $c->{access_key_id}, -secret_key => $c->{secret},
        (defined $c->{token} ? (-security_token => $c->{token}) : ()));

    # The service comes from the host name only (no option): a case for another service, or (in
    # query mode, where signed_url takes no region) another region, cannot be expressed.
    set_fixed_time($c->{epoch});
    my (undef, $region, $service) = eval { split m{/}, $signer->_scope($req, $mode eq 'header' ? $c->{region} : undef) };
    restore_time();
    skip("AWS::Signature4 derives the service from the host name ($host gives " . ($service // 'none') . "); it has no service option")
      unless defined $service && $service eq $c->{service};
    skip("signed_url derives the region from the host name ($host gives $region); it takes no region")
      if $mode eq 'query' && $region ne $c->{region};

    my %out;
    @hashed = ();
    if ($mode eq 'header') {
        skip('sign_body: AWS::Signature4 never adds x-amz-content-sha256 (no switch)')
          if $c->{sign_body} && !grep { lc $_->[0] eq 'x-amz-content-sha256' } @{ $r->{headers} };
        skip('omit_session_token: AWS::Signature4 has no switch for it') if $c->{token} && $c->{omit_token};
        set_fixed_time($c->{epoch});
        my $ok = eval { $signer->sign($req, $c->{region}, $c->{payload_hash}); 1 };
        my $err = $@;
        restore_time();
        die $err unless $ok;
        $out{authorization} = $req->header('Authorization');
    } else {
        skip('signed_url makes GET URLs only') unless $r->{method} eq 'GET';
        skip('a request body: signed_url puts the body in place of the query') if length $body;
        skip('request headers besides Host: signed_url signs only host')
          if grep { lc $_->[0] ne 'host' } @{ $r->{headers} };
        skip('signed_url takes no payload hash (UNSIGNED-PAYLOAD for s3, else the empty body\'s hash)')
          if defined $c->{payload_hash} && !($c->{s3} && $c->{payload_hash} eq 'UNSIGNED-PAYLOAD');
        skip('omit_session_token: signed_url always signs the token') if $c->{token} && $c->{omit_token};
        set_fixed_time($c->{epoch});
        my $uri = eval { $signer->signed_url($req, $c->{expires}) };
        my $err = $@;
        restore_time();
        die $err unless $uri;
        $out{presigned_url} = "$uri";
    }
    my ($sts, $key) = ($signer->{rec_sts} // [], $signer->{rec_key} // []);
    die sprintf("stage hooks saw %d strings to sign, %d keys, %d hashes\n", scalar @$sts, scalar @$key, scalar @hashed)
      unless @$sts == 1 && @$key == 1 && @hashed >= 1;
    $out{canonical_request} = $hashed[-1];
    $out{string_to_sign} = $sts->[0];
    $out{signing_key} = $key->[0];
    my $carrier = $out{authorization} // $out{presigned_url};
    ($out{signature}) = $carrier =~ /Signature=([0-9a-f]{64})/ or die "no signature in the signed output\n";
    for (keys %out) { my $t = text($out{$_}); if (defined $t) { $out{$_} = $t } else { delete $out{$_} } }
    return \%out;
}

run_adapter(
    implementation => { name => 'perl-aws-signature4', version => "$AWS::Signature4::VERSION", language => 'perl' },
    modes => ['header', 'query'],
    stages => [qw(canonical_request string_to_sign signing_key signature authorization presigned_url)],
    sign => \&sign,
);
