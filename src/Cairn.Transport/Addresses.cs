using System.Globalization;

namespace Cairn.Transport;

internal static class Addresses
{
    /// <summary>Splits "host:port" (or "[v6]:port"); ArgumentException when it is not one.</summary>
    public static (string Host, int Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is 0 or > 65535)
        {
            throw new ArgumentException($"'{address}' is not host:port");
        }
        return (address[..colon].Trim('[', ']'), port);
    }
}
