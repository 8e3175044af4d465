namespace OneMcp.Api.Cli;

/// <summary>A command line that cannot be carried out as given: exit code 2 and the message on one line.</summary>
internal sealed class CliException(string message) : Exception(message);
