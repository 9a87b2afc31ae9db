namespace Cairn.Cli;

/// <summary>What one command runs with: where to send requests and how to print what comes back.</summary>
public sealed class Session(Connector connector, Printer printer) : IAsyncDisposable
{
    public Connector Connector { get; } = connector;

    public Printer Printer { get; } = printer;

    public ValueTask DisposeAsync() => Connector.DisposeAsync();
}
