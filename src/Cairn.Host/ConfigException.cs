namespace Cairn.Host;

/// <summary>A configuration problem the operator must fix: printed as one line, exit code 2.</summary>
public sealed class ConfigException(string message) : Exception(message);
