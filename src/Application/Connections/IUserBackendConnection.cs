using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// One user's own connection to a per-user backend (ADR 0033). What it sends (resource updates, log messages) is that
/// user's: only sessions of the same owner may see it.
/// </summary>
public interface IUserBackendConnection : IBackendConnection
{
    ConnectionOwner Owner { get; }
}
