using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Transport;

/// <summary>
/// Mutual challenge-response on a new peer connection, before any other frame is accepted. Both sides prove
/// they hold the cluster secret with HMAC-SHA256 over both nonces and both node ids, so a proof is good for
/// one connection and one claimed identity only:
/// <code>
/// dialer   → Hello     magic | version | dialer id | dialer nonce (32) | address length (i32) | address
/// acceptor → Challenge magic | version | acceptor id | acceptor nonce (32) | HMAC(secret, "acceptor" | nonces | ids)
/// dialer   → Proof     HMAC(secret, "dialer" | nonces | ids)
/// </code>
/// Without a secret both sides key the HMAC with the empty key, and an acceptor takes peers from loopback only.
/// The secret never crosses the wire. A TLS layer, when it comes, wraps the stream under this exchange.
/// </summary>
internal sealed class PeerHandshake
{
    public const byte Version = 2;
    public const int NonceBytes = 32;
    public const int ProofBytes = 32;
    private static readonly byte[] AcceptorLabel = "cairn-peer-acceptor"u8.ToArray();
    private static readonly byte[] DialerLabel = "cairn-peer-dialer"u8.ToArray();

    private readonly byte[] _key;

    /// <param name="secret">The cluster secret; null or empty: none (loopback peers only).</param>
    public PeerHandshake(byte[]? secret)
    {
        _key = secret ?? [];
    }

    public bool HasSecret => _key.Length > 0;

    /// <summary>Whether a connection from <paramref name="remote"/> may try to authenticate: any, with a secret; loopback, without.</summary>
    public bool Admits(EndPoint? remote) => HasSecret || remote is IPEndPoint { Address: var address } && IPAddress.IsLoopback(address);

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    public static byte[] Hello(ulong nodeId, string address, byte[] nonce)
    {
        var text = Encoding.UTF8.GetBytes(address);
        var body = new byte[4 + 1 + 8 + NonceBytes + 4 + text.Length];
        var span = body.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Frame.Magic);
        span[4] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], nodeId);
        nonce.CopyTo(span[13..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(13 + NonceBytes)..], text.Length);
        text.CopyTo(span[(17 + NonceBytes)..]);
        return Frame.Build(FrameType.Hello, 0, body);
    }

    public static (ulong NodeId, byte[] Nonce, string Address) ReadHello(ReadOnlySpan<byte> body)
    {
        CheckHeader(body, 4 + 1 + 8 + NonceBytes + 4);
        var nodeId = BinaryPrimitives.ReadUInt64LittleEndian(body[5..]);
        var nonce = body.Slice(13, NonceBytes).ToArray();
        var length = BinaryPrimitives.ReadInt32LittleEndian(body[(13 + NonceBytes)..]);
        if (length < 0 || length != body.Length - 17 - NonceBytes)
        {
            throw new FormatException("bad handshake address length");
        }
        if (nodeId == 0)
        {
            throw new FormatException("handshake with node id 0");
        }
        return (nodeId, nonce, Encoding.UTF8.GetString(body[(17 + NonceBytes)..]));
    }

    public byte[] Challenge(ulong acceptorId, ulong dialerId, byte[] dialerNonce, byte[] acceptorNonce)
    {
        var body = new byte[4 + 1 + 8 + NonceBytes + ProofBytes];
        var span = body.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Frame.Magic);
        span[4] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], acceptorId);
        acceptorNonce.CopyTo(span[13..]);
        Proof(AcceptorLabel, dialerNonce, acceptorNonce, dialerId, acceptorId).CopyTo(span[(13 + NonceBytes)..]);
        return Frame.Build(FrameType.Hello, 0, body);
    }

    /// <summary>The dialer's side: checks the acceptor's proof and returns the Proof frame to send back.</summary>
    /// <exception cref="PeerAuthenticationException">The acceptor does not hold our secret.</exception>
    public byte[] Answer(ReadOnlySpan<byte> challenge, ulong dialerId, byte[] dialerNonce)
    {
        CheckHeader(challenge, 4 + 1 + 8 + NonceBytes + ProofBytes);
        if (challenge.Length != 4 + 1 + 8 + NonceBytes + ProofBytes)
        {
            throw new FormatException("bad handshake challenge length");
        }
        var acceptorId = BinaryPrimitives.ReadUInt64LittleEndian(challenge[5..]);
        var acceptorNonce = challenge.Slice(13, NonceBytes).ToArray();
        var expected = Proof(AcceptorLabel, dialerNonce, acceptorNonce, dialerId, acceptorId);
        if (!CryptographicOperations.FixedTimeEquals(expected, challenge.Slice(13 + NonceBytes, ProofBytes)))
        {
            throw new PeerAuthenticationException("the peer does not hold this cluster's secret (or one of the two nodes has none)");
        }
        return Frame.Build(FrameType.Hello, 0, Proof(DialerLabel, dialerNonce, acceptorNonce, dialerId, acceptorId));
    }

    /// <summary>The acceptor's side: whether the dialer's Proof frame holds the proof for this exchange.</summary>
    public bool Verify(ReadOnlySpan<byte> proof, ulong dialerId, byte[] dialerNonce, ulong acceptorId, byte[] acceptorNonce) =>
        proof.Length == ProofBytes
        && CryptographicOperations.FixedTimeEquals(Proof(DialerLabel, dialerNonce, acceptorNonce, dialerId, acceptorId), proof);

    private byte[] Proof(byte[] label, byte[] dialerNonce, byte[] acceptorNonce, ulong dialerId, ulong acceptorId)
    {
        var input = new byte[label.Length + 2 * NonceBytes + 16];
        label.CopyTo(input, 0);
        dialerNonce.CopyTo(input, label.Length);
        acceptorNonce.CopyTo(input, label.Length + NonceBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(label.Length + 2 * NonceBytes), dialerId);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(label.Length + 2 * NonceBytes + 8), acceptorId);
        return HMACSHA256.HashData(_key, input);
    }

    private static void CheckHeader(ReadOnlySpan<byte> body, int minimum)
    {
        if (body.Length < minimum || BinaryPrimitives.ReadUInt32LittleEndian(body) != Frame.Magic)
        {
            throw new FormatException("not a Cairn peer handshake");
        }
        if (body[4] != Version)
        {
            throw new FormatException($"peer handshake version {body[4]}, this node speaks {Version}");
        }
    }
}

/// <summary>A peer failed the handshake: it does not hold the cluster secret, or is not admitted without one.</summary>
public sealed class PeerAuthenticationException(string message) : Exception(message);
