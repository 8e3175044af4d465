using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary><c>serverDefaults</c> after substitution, ready to be merged into each server.</summary>
internal sealed record ServerDefaults(
    IReadOnlyDictionary<string, string>? Env,
    IReadOnlyDictionary<string, string>? Headers,
    BackendOAuthSettings? OAuth,
    long? ConnectionTimeout,
    long? RequestTimeout,
    long? Timeout,
    bool? RestartOnExit,
    int? MaxRestarts,
    long? RestartDelay)
{
    public static readonly ServerDefaults None = new(null, null, null, null, null, null, null, null, null);
}
