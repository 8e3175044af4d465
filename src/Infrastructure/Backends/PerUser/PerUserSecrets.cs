using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>Whether a user's stored secrets may start their connection to a per-user backend, as the backend is now.</summary>
internal static class PerUserSecrets
{
    /// <summary>
    /// The values of <paramref name="references"/> (the secrets the backend's headers or environment name), when each one
    /// is set and was set for where the backend points now (<see cref="UserSecretReferences.DestinationOf"/>).
    /// </summary>
    /// <exception cref="UserConnectionRequiredException">
    /// A secret is not set, or was set while the backend pointed at another origin: a user's secret goes only where they
    /// gave it for, so after an edit that points the backend elsewhere they set it again rather than have it sent, unasked,
    /// to a host they never gave it to.
    /// </exception>
    public static Dictionary<string, string> Check(
        ServerName backend, BackendSettings settings, IReadOnlyList<string> references, IReadOnlyDictionary<string, UserSecretValue> stored)
    {
        var missing = references.Where(name => !stored.TryGetValue(name, out var secret) || secret.Value.Length == 0).ToList();
        if (missing.Count > 0)
        {
            throw new UserConnectionRequiredException(backend, missing.Count == 1
                ? $"your value for the secret {missing[0]} is not set."
                : $"your values for the secrets {string.Join(", ", missing)} are not set.");
        }

        var destination = UserSecretReferences.DestinationOf(settings);
        var moved = references.Where(name => !UserSecretReferences.MayGo(stored[name].SetFor, destination)).ToList();
        if (moved.Count == 1)
        {
            throw new UserConnectionRequiredException(backend,
                $"your value for the secret {moved[0]} was set for {stored[moved[0]].SetFor}, and the backend now points at {destination}: set it again to send it there.");
        }

        if (moved.Count > 1)
        {
            throw new UserConnectionRequiredException(backend,
                $"your values for the secrets {string.Join(", ", moved)} were set while the backend pointed elsewhere, and it now points at {destination}: set them again to send them there.");
        }

        return stored.ToDictionary(s => s.Key, s => s.Value.Value, StringComparer.Ordinal);
    }
}
